import { createElement, lazy, Suspense, useEffect, useState, type ComponentProps, type ComponentType } from 'react';
import { useTranslation } from 'react-i18next';
import { useAuth } from './auth/AuthProvider.tsx';
import { SessionExpiredDialog, SignInPage } from './auth/SignInPage.tsx';
import { href, navigate, parseRoute, useHash, type Route } from './routes.ts';

/**
 * Every page but sign-in loads on first visit: the sign-in page must not fetch the canvas, CEL, Liquid, the charts
 * or the simulator (the budget in the README, measured by engine/bench/editor-assets.ts). A page whose chunk is already
 * here (preloadRoute) renders at once: through `lazy` it would suspend once more, and React holds a Suspense
 * boundary's content back for 300 ms after its fallback showed.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- React.lazy's own bound; each page keeps its props type
function page<M extends Record<K, ComponentType<any>>, K extends keyof M>(load: () => Promise<M>, name: K) {
  let loaded: M[K] | null = null;
  let loading: Promise<M[K]> | null = null;
  const preload = (): Promise<M[K]> =>
    (loading ??= load().then(
      (m) => (loaded = m[name]),
      (e: unknown) => {
        loading = null; // a chunk that failed to load is asked for again next time
        throw e;
      },
    ));
  const Lazy = lazy(async () => ({ default: await preload() }));
  function Page(props: ComponentProps<M[K]>) {
    // Decided once per mount: turning from the lazy wrapper to the loaded page would mount the page again.
    const [ready] = useState(() => loaded);
    return createElement(ready ?? Lazy, props);
  }
  return Object.assign(Page, { preload });
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

const pageOf: Record<Exclude<Route['name'], 'signin'>, { preload(): Promise<unknown> }> = {
  alert: AlertPage,
  alerts: AlertsPage,
  campaigns: CampaignListPage,
  campaign: CampaignPage,
  review: ReviewPage,
  connections: ConnectionsPage,
  editor: EditorPage,
  flows: FlowListPage,
  inbox: InboxPage,
  lessons: LessonsPage,
  portfolio: PortfolioPage,
  run: RunPage,
  notFound: NotFoundPage,
  tokens: TokensPage,
};

/**
 * Starts loading the page a URL opens while the session check is still out: otherwise its chunks wait for that answer,
 * and its data for them. The sign-in page loads nothing more (its budget in the README).
 */
export function preloadRoute(route: Route): void {
  if (route.name === 'signin') return;
  // A failed load fails again, visibly, when the page itself asks for it.
  pageOf[route.name].preload().catch(() => undefined);
}

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
