import { useTranslation } from 'react-i18next';
import { AppHeader } from './components/AppHeader.tsx';
import { Link } from './components/Link.tsx';
import { EditorPage } from './editor/EditorPage.tsx';
import { FlowListPage } from './flows/FlowListPage.tsx';
import { href, parseRoute, useHash } from './routes.ts';
import { RunPage } from './runs/RunPage.tsx';

export function App() {
  const route = parseRoute(useHash());
  switch (route.name) {
    case 'flows':
      return <FlowListPage />;
    case 'editor':
      return <EditorPage key={route.flowId ?? 'new'} flowId={route.flowId} />;
    case 'run':
      return <RunPage key={route.runId} runId={route.runId} />;
    default:
      return <NotFound />;
  }
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <div className="fd-app">
      <AppHeader />
      <div className="fd-state">
        <h2>{t('notFound.title')}</h2>
        <Link className="fd-btn" href={href.flows()}>
          {t('notFound.back')}
        </Link>
      </div>
    </div>
  );
}
