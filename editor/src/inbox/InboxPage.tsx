import { useTranslation } from 'react-i18next';
import { ListQueryBody } from '../components/ListQueryBody.tsx';
import { useInbox, useWorkTasks } from '../api/queries.ts';
import { AppHeader } from '../components/AppHeader.tsx';
import { Link } from '../components/Link.tsx';
import { useDocumentTitle } from '../components/useDocumentTitle.ts';
import { href } from '../routes.ts';
import { InboxCard } from './InboxCard.tsx';
import { WorkTaskCard } from './WorkTaskCard.tsx';

/** My approvals: open ones to decide (polled every 5 s), and the ones already closed; open work tasks above them. */
export function InboxPage({ tab }: { tab: 'open' | 'closed' }) {
  const { t } = useTranslation();
  const open = useInbox('open', { refetchInterval: 5000 });
  const closed = useInbox('closed', { refetchInterval: 5000, enabled: tab === 'closed' });
  const tasks = useWorkTasks('open', { refetchInterval: 5000 });
  const list = tab === 'open' ? open : closed;
  const waiting = (open.data?.length ?? 0) + (tasks.data?.length ?? 0);
  useDocumentTitle(waiting ? `(${waiting}) ${t('inbox.title')}` : t('inbox.title'));

  const work =
    tab === 'open' && (tasks.data?.length || tasks.isError) ? (
      <section className="fd-inbox__tasks" data-testid="work-tasks" aria-labelledby="work-tasks-heading">
        <h2 id="work-tasks-heading">{t('tasks.heading')}</h2>
        {tasks.isError ? (
          <p className="fd-error-text">{t('tasks.loadError')}</p>
        ) : (
          <div className="fd-inbox__list">
            {tasks.data!.map((task) => (
              <WorkTaskCard key={task.id} task={task} />
            ))}
          </div>
        )}
      </section>
    ) : null;

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
            <span className={`fd-count${waiting ? ' is-bad' : ''}`}>{open.data ? waiting : '…'}</span>
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
        <div role="tabpanel">
          {work}
          {body}
        </div>
      </main>
    </div>
  );
}
