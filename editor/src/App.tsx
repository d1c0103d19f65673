import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { AlertPage } from './alerts/AlertPage.tsx';
import { AlertsPage } from './alerts/AlertsPage.tsx';
import { useAuth } from './auth/AuthProvider.tsx';
import { SessionExpiredDialog, SignInPage } from './auth/SignInPage.tsx';
import { CampaignListPage } from './campaigns/CampaignListPage.tsx';
import { CampaignPage } from './campaigns/CampaignPage.tsx';
import { ReviewPage } from './campaigns/ReviewPage.tsx';
import { ConnectionsPage } from './connections/ConnectionsPage.tsx';
import { AppHeader } from './components/AppHeader.tsx';
import { Link } from './components/Link.tsx';
import { EditorPage } from './editor/EditorPage.tsx';
import { FlowListPage } from './flows/FlowListPage.tsx';
import { InboxPage } from './inbox/InboxPage.tsx';
import { LessonsPage } from './lessons/LessonsPage.tsx';
import { PortfolioPage } from './campaigns/PortfolioPage.tsx';
import { href, navigate, parseRoute, useHash, type Route } from './routes.ts';
import { RunPage } from './runs/RunPage.tsx';
import { TokensPage } from './tokens/TokensPage.tsx';

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
      <Page route={route} />
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
      return <NotFound />;
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
