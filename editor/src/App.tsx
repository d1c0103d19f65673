import { lazy, Suspense, useEffect, type ComponentType } from 'react';
import { useTranslation } from 'react-i18next';
import { useAuth } from './auth/AuthProvider.tsx';
import { SessionExpiredDialog, SignInPage } from './auth/SignInPage.tsx';
import { href, navigate, parseRoute, useHash, type Route } from './routes.ts';

/**
 * Every page but sign-in loads on first visit: the sign-in page must not fetch the canvas, CEL, Liquid, the charts
 * or the simulator (the budget in the README, measured by engine/bench/editor-assets.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- React.lazy's own bound; each page keeps its props type
function page<M extends Record<K, ComponentType<any>>, K extends keyof M>(load: () => Promise<M>, name: K) {
  return lazy(async () => ({ default: (await load())[name] }));
}
const AlertPage = page(() => import('./alerts/AlertPage.tsx'), 'AlertPage');
const AlertsPage = page(() => import('./alerts/AlertsPage.tsx'), 'AlertsPage');
const CampaignListPage = page(() => import('./campaigns/CampaignListPage.tsx'), 'CampaignListPage');
const CampaignPage = page(() => import('./campaigns/CampaignPage.tsx'), 'CampaignPage');
const ReviewPage = page(() => import('./campaigns/ReviewPage.tsx'), 'ReviewPage');
const ConnectionsPage = page(() => import('./connections/ConnectionsPage.tsx'), 'ConnectionsPage');
const EditorPage = page(() => import('./editor/EditorPage.tsx'), 'EditorPage');
const FlowListPage = page(() => import('./flows/FlowListPage.tsx'), 'FlowListPage');
const InboxPage = page(() => import('./inbox/InboxPage.tsx'), 'InboxPage');
const LessonsPage = page(() => import('./lessons/LessonsPage.tsx'), 'LessonsPage');
const PortfolioPage = page(() => import('./campaigns/PortfolioPage.tsx'), 'PortfolioPage');
const RunPage = page(() => import('./runs/RunPage.tsx'), 'RunPage');
const NotFoundPage = page(() => import('./components/NotFoundPage.tsx'), 'NotFoundPage');
const TokensPage = page(() => import('./tokens/TokensPage.tsx'), 'TokensPage');

export function App() {
  const hash = useHash();
  const route = parseRoute(hash);
  const auth = useAuth();
  const needsSignIn = route.name !== 'signin' && auth.status === 'signedOut' && !auth.expired;

  useEffect(() => {
    // Not signed in: sign in first, then come back here.
    if (needsSignIn) navigate(href.signIn(hash || null), { replace: true });
  }, [needsSignIn, hash]);

  if (auth.status === 'loading' || needsSignIn) return <Splash />;
  if (route.name === 'signin') return <SignInPage next={route.next} />;
  return (
    <>
      <Suspense fallback={<Splash />}>
        <Page route={route} />
      </Suspense>
      {auth.status === 'signedOut' && auth.expired && <SessionExpiredDialog />}
    </>
  );
}

function Page({ route }: { route: Exclude<Route, { name: 'signin' }> }) {
  switch (route.name) {
    case 'flows':
      return <FlowListPage />;
    case 'editor':
      return <EditorPage key={route.flowId ?? 'new'} flowId={route.flowId} />;
    case 'run':
      return <RunPage key={route.runId} runId={route.runId} />;
    case 'inbox':
      return <InboxPage tab={route.tab} />;
    case 'campaigns':
      return <CampaignListPage />;
    case 'campaign':
      return <CampaignPage key={route.campaignId} campaignId={route.campaignId} />;
    case 'review':
      return <ReviewPage key={`${route.campaignId}/${route.version ?? ''}`} campaignId={route.campaignId} version={route.version} />;
    case 'connections':
      return <ConnectionsPage />;
    case 'tokens':
      return <TokensPage />;
    case 'alerts':
      return <AlertsPage view={route.view} />;
    case 'alert':
      return <AlertPage key={route.alertId} alertId={route.alertId} />;
    case 'lessons':
      return <LessonsPage view={route.view} />;
    case 'portfolio':
      return <PortfolioPage view={route.view} />;
    default:
      return <NotFoundPage />;
  }
}

function Splash() {
  const { t } = useTranslation();
  return (
    <div className="fd-splash" aria-busy="true">
      <span className="fd-brand__mark" aria-hidden>
        ➤
      </span>
      <span className="fd-muted">{t('common.loading')}</span>
    </div>
  );
}
