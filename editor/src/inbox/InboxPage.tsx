import { useTranslation } from 'react-i18next';
import { useInbox } from '../api/queries.ts';
import { AppHeader } from '../components/AppHeader.tsx';
import { useErrorText } from '../components/errorText.ts';
import { Link } from '../components/Link.tsx';
import { useDocumentTitle } from '../components/useDocumentTitle.ts';
import { href } from '../routes.ts';
import { InboxCard } from './InboxCard.tsx';

/** My approvals: open ones to decide (polled every 5 s), and the ones already closed. */
export function InboxPage({ tab }: { tab: 'open' | 'closed' }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const open = useInbox('open', { refetchInterval: 5000 });
  const closed = useInbox('closed', { refetchInterval: 5000, enabled: tab === 'closed' });
  const list = tab === 'open' ? open : closed;
  useDocumentTitle(open.data?.length ? `(${open.data.length}) ${t('inbox.title')}` : t('inbox.title'));

  let body;
  if (list.isPending) {
    body = <p className="fd-muted">{t('common.loading')}</p>;
  } else if (list.isError) {
    body = (
      <div className="fd-state fd-state--error" role="alert" data-testid="inbox-error">
        <h2>{t('inbox.loadError')}</h2>
        <p>{errorText(list.error)}</p>
        <button type="button" className="fd-btn" onClick={() => void list.refetch()}>
          {t('common.retry')}
        </button>
      </div>
    );
  } else if (!list.data.length) {
    body = (
      <div className="fd-state" data-testid="inbox-empty">
        <h2>{tab === 'open' ? t('inbox.emptyTitle') : t('inbox.emptyClosedTitle')}</h2>
        <p className="fd-muted">{tab === 'open' ? t('inbox.emptyText') : t('inbox.emptyClosedText')}</p>
      </div>
    );
  } else {
    body = (
      <div className="fd-inbox__list" data-testid="inbox-list">
        {list.data.map((item) => (
          <InboxCard key={item.taskId} item={item} />
        ))}
      </div>
    );
  }

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
          <Link href={href.inbox('open')} role="tab" aria-selected={tab === 'open'} className={`fd-tab${tab === 'open' ? ' is-active' : ''}`} data-testid="inbox-tab-open">
            {t('inbox.open')}
            <span className={`fd-count${open.data?.length ? ' is-bad' : ''}`}>{open.data?.length ?? '…'}</span>
          </Link>
          <Link href={href.inbox('closed')} role="tab" aria-selected={tab === 'closed'} className={`fd-tab${tab === 'closed' ? ' is-active' : ''}`} data-testid="inbox-tab-closed">
            {t('inbox.closed')}
          </Link>
          {list.isRefetchError && <span className="fd-error-text fd-inbox__poll">{t('run.pollError')}</span>}
        </div>
        <div role="tabpanel">{body}</div>
      </main>
    </div>
  );
}
