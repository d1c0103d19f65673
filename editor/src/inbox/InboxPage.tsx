import { useTranslation } from 'react-i18next';
import { ListQueryBody } from '../components/ListQueryBody.tsx';
import { useInbox } from '../api/queries.ts';
import { AppHeader } from '../components/AppHeader.tsx';
import { Link } from '../components/Link.tsx';
import { useDocumentTitle } from '../components/useDocumentTitle.ts';
import { href } from '../routes.ts';
import { InboxCard } from './InboxCard.tsx';

/** My approvals: open ones to decide (polled every 5 s), and the ones already closed. */
export function InboxPage({ tab }: { tab: 'open' | 'closed' }) {
  const { t } = useTranslation();
  const open = useInbox('open', { refetchInterval: 5000 });
  const closed = useInbox('closed', { refetchInterval: 5000, enabled: tab === 'closed' });
  const list = tab === 'open' ? open : closed;
  useDocumentTitle(open.data?.length ? `(${open.data.length}) ${t('inbox.title')}` : t('inbox.title'));

  const body = (
    <ListQueryBody
      query={list}
      testId="inbox"
      errorTitle={t('inbox.loadError')}
      emptyTitle={tab === 'open' ? t('inbox.emptyTitle') : t('inbox.emptyClosedTitle')}
      emptyText={tab === 'open' ? t('inbox.emptyText') : t('inbox.emptyClosedText')}
    >
      {(items) => {
        return (
          <div className="fd-inbox__list" data-testid="inbox-list">
            {items.map((item) => (
              <InboxCard key={item.taskId} item={item} />
            ))}
          </div>
        );
      }}
    </ListQueryBody>
  );

  return (
    <div className="fd-app">
      <AppHeader />
      <main className="fd-page fd-inbox">
        <div className="fd-page__head">
          <div>
            <h1>{t('inbox.title')}</h1>
            <p className="fd-muted">{t('inbox.subtitle')}</p>
          </div>
        </div>
        <div className="fd-tabs fd-tabs--page" role="tablist" aria-label={t('inbox.title')}>
          <Link
            href={href.inbox('open')}
            role="tab"
            aria-selected={tab === 'open'}
            className={`fd-tab${tab === 'open' ? ' is-active' : ''}`}
            data-testid="inbox-tab-open"
          >
            {t('inbox.open')}
            <span className={`fd-count${open.data?.length ? ' is-bad' : ''}`}>{open.data?.length ?? '…'}</span>
          </Link>
          <Link
            href={href.inbox('closed')}
            role="tab"
            aria-selected={tab === 'closed'}
            className={`fd-tab${tab === 'closed' ? ' is-active' : ''}`}
            data-testid="inbox-tab-closed"
          >
            {t('inbox.closed')}
          </Link>
          {list.isRefetchError && <span className="fd-error-text fd-inbox__poll">{t('run.pollError')}</span>}
        </div>
        <div role="tabpanel">{body}</div>
      </main>
    </div>
  );
}
