import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useInbox, useWorkTasks } from '../api/queries.ts';
import { useOptionalAuth } from '../auth/AuthProvider.tsx';
import { href, mayLeave, navigate, parseRoute, useHash } from '../routes.ts';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import { NotificationBell } from './NotificationBell.tsx';
import { Link } from './Link.tsx';

type Section = 'flows' | 'campaigns' | 'portfolio' | 'alerts' | 'lessons' | 'connections' | 'inbox' | null;

function sectionOf(hash: string): Section {
  const r = parseRoute(hash);
  if (r.name === 'flows' || r.name === 'editor' || r.name === 'run') return 'flows';
  if (r.name === 'campaigns' || r.name === 'campaign') return 'campaigns';
  if (r.name === 'alerts' || r.name === 'alert') return 'alerts';
  if (r.name === 'lessons') return 'lessons';
  if (r.name === 'portfolio') return 'portfolio';
  if (r.name === 'connections') return 'connections';
  if (r.name === 'inbox') return 'inbox';
  return null;
}

/** The top bar every page shares; pages put their own controls in the middle. */
export function AppHeader({ children }: { children?: ReactNode }) {
  const { t } = useTranslation();
  const auth = useOptionalAuth();
  const section = sectionOf(useHash());
  const signedIn = auth?.status === 'signedIn';
  // The badge polls gently; the inbox page itself polls every 5 s through the same query.
  const inbox = useInbox('open', { refetchInterval: 30_000, enabled: signedIn });
  const tasks = useWorkTasks('open', { refetchInterval: 30_000, enabled: signedIn });
  // Approvals and work tasks wait in the same inbox, so the badge counts both.
  const open = (inbox.data?.length ?? 0) + (tasks.data?.length ?? 0);
  const navClass = (s: Section) => `fd-header__nav${section === s ? ' is-active' : ''}`;
  const current = (s: Section) => (section === s ? ('page' as const) : undefined);

  return (
    <header className="fd-header">
      <Link href={href.flows()} className="fd-brand" data-testid="nav-home" aria-label={t('app.name')}>
        <span className="fd-brand__mark" aria-hidden>
          ➤
        </span>
        <span className="fd-brand__name">{t('app.name')}</span>
      </Link>
      <nav className="fd-header__navs" aria-label={t('header.nav')}>
        <Link href={href.flows()} className={navClass('flows')} aria-current={current('flows')} data-testid="nav-flows">
          {t('header.flows')}
        </Link>
        <Link href={href.campaigns()} className={navClass('campaigns')} aria-current={current('campaigns')} data-testid="nav-campaigns">
          {t('header.campaigns')}
        </Link>
        <Link href={href.portfolio()} className={navClass('portfolio')} aria-current={current('portfolio')} data-testid="nav-portfolio">
          {t('header.portfolio')}
        </Link>
        <Link href={href.alerts()} className={navClass('alerts')} aria-current={current('alerts')} data-testid="nav-alerts">
          {t('header.alerts')}
        </Link>
        <Link href={href.lessons()} className={navClass('lessons')} aria-current={current('lessons')} data-testid="nav-lessons">
          {t('header.lessons')}
        </Link>
        <Link
          href={href.connections()}
          className={navClass('connections')}
          aria-current={current('connections')}
          data-testid="nav-connections"
        >
          {t('header.connections')}
        </Link>
        <Link href={href.inbox()} className={navClass('inbox')} aria-current={current('inbox')} data-testid="nav-inbox">
          {t('header.inbox')}
          {/* Named by what it shows, the count read out with its meaning (WCAG 2.5.3: the label holds the visible text). */}
          {signedIn && (
            <>
              <span className={`fd-navbadge${open ? '' : ' is-empty'}`} data-testid="inbox-count" data-count={open}>
                {open}
              </span>
              <span className="fd-sr-only">{t('header.openItems', { count: open })}</span>
            </>
          )}
        </Link>
      </nav>
      <div className="fd-header__middle">{children}</div>
      {signedIn && <NotificationBell />}
      <LanguageSwitch />
      {signedIn && auth.user && (
        <div className="fd-user">
          <span className="fd-user__name" data-testid="user-name" title={auth.user.email}>
            {auth.user.name}
          </span>
          <Link href={href.tokens()} className="fd-btn fd-btn--small" data-testid="nav-tokens">
            {t('tokens.nav')}
          </Link>
          <button
            type="button"
            className="fd-btn fd-btn--small"
            data-testid="signout"
            onClick={() => {
              // Unsaved work is asked about first, as for any other way out of the page.
              if (!mayLeave()) return;
              void auth.signOut().then(() => navigate(href.signIn(), { replace: true }));
            }}
          >
            {t('auth.signOut')}
          </button>
        </div>
      )}
    </header>
  );
}
