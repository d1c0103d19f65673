import './csp.ts';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import '@xyflow/react/dist/style.css';
import './styles.css';
import './i18n/index.ts';
import { App, preloadRoute } from './App.tsx';
import { ToastProvider } from './components/Toasts.tsx';
import { ApiError } from './api/client.ts';
import { AuthProvider, probeSessionEarly } from './auth/AuthProvider.tsx';
import { prefetchFlowForOpen } from './api/openedFlow.ts';
import { parseRoute } from './routes.ts';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Client errors will not fix themselves; retry only what might be transient.
      retry: (count, err) => count < 2 && !(err instanceof ApiError && err.status >= 400 && err.status < 500),
      staleTime: 5_000,
    },
  },
});

// The session, the page's chunks and, for a flow's URL, the flow itself are fetched side by side, not one after another.
probeSessionEarly();
const opened = parseRoute(location.hash);
preloadRoute(opened);
if (opened.name === 'editor' && opened.flowId) prefetchFlowForOpen(queryClient, opened.flowId);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <ToastProvider>
        <AuthProvider>
          <App />
        </AuthProvider>
      </ToastProvider>
    </QueryClientProvider>
  </StrictMode>,
);
