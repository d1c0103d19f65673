import { useTranslation } from 'react-i18next';
import type { ApprovalTaskView, Vote } from '@flightdeck/workflows';
import { formatDateTime, formatRelative, formatShortDateTime } from '../components/format.ts';
import { useNow } from '../components/useNow.ts';
import { useLocale } from '../i18n/index.ts';
import { approvalCount, currentVotes, isOverdue, modeText } from './approval.ts';

/** An approval task's status as a pill: open, approved, rejected, timed out. */
export function ApprovalStatusBadge({ status, testId }: { status: string; testId?: string }) {
  const { t } = useTranslation();
  return (
    <span className={`fd-badge astatus-${status}`} data-status={status} data-testid={testId}>
      {t(`approval.status.${status}`, { defaultValue: status })}
    </span>
  );
}

/** "in 3 hours (12 Jun 2026, 10:00)", red once it is past while the task is open. */
export function DueTime({ view, testId }: { view: { status: string; dueAt: string }; testId?: string }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const now = useNow();
  const overdue = isOverdue(view, now);
  // Once decided, "in 2 days" would mislead; the date alone says when it was due.
  if (view.status !== 'open') {
    return (
      <time className="fd-due" dateTime={view.dueAt} data-testid={testId}>
        {formatShortDateTime(view.dueAt, locale)}
      </time>
    );
  }
  return (
    <span className={`fd-due${overdue ? ' is-overdue' : ''}`} data-testid={testId} data-overdue={overdue || undefined}>
      {overdue && <strong>{t('approval.overdue')} · </strong>}
      <time dateTime={view.dueAt} title={formatDateTime(view.dueAt, locale)}>
        {formatRelative(view.dueAt, locale, now)}
      </time>{' '}
      <span className="fd-due__abs">({formatShortDateTime(view.dueAt, locale)})</span>
    </span>
  );
}

/** "1/2 approved": approvals at the current level against what is needed. */
export function ApprovalProgress({ view }: { view: ApprovalTaskView }) {
  const { t } = useTranslation();
  const approved = approvalCount(view);
  const needed = Math.max(1, view.needed);
  return (
    <span className="fd-progress" title={t('approval.progress', { approved, needed })}>
      <span className="fd-progress__bar" aria-hidden>
        <span style={{ width: `${Math.min(100, (approved / needed) * 100)}%` }} />
      </span>
      {t('approval.progress', { approved, needed })}
    </span>
  );
}

function VoteBadge({ decision }: { decision: Vote['decision'] }) {
  const { t } = useTranslation();
  return (
    <span className={`fd-badge astatus-${decision === 'approve' ? 'approved' : 'rejected'}`}>
      {t(decision === 'approve' ? 'approval.voteApprove' : 'approval.voteReject')}
    </span>
  );
}

export function VoteList({ votes, showLevel }: { votes: Vote[]; showLevel?: boolean }) {
  const { t } = useTranslation();
  const locale = useLocale();
  if (!votes.length) return <p className="fd-muted">{t('approval.noVotes')}</p>;
  return (
    <ul className="fd-votes" data-testid="approval-votes">
      {votes.map((v, i) => (
        <li key={`${v.userId}-${v.level}-${i}`} className="fd-vote" data-decision={v.decision}>
          <div className="fd-vote__head">
            <VoteBadge decision={v.decision} />
            <strong>{v.name}</strong>
            {showLevel && <span className="fd-muted">{t('approval.levelN', { level: v.level })}</span>}
            <time className="fd-muted fd-vote__at" dateTime={v.at} title={formatDateTime(v.at, locale)}>
              {formatShortDateTime(v.at, locale)}
            </time>
          </div>
          {v.comment && <blockquote className="fd-vote__comment">{v.comment}</blockquote>}
        </li>
      ))}
    </ul>
  );
}

/**
 * Everything about one approval task: who may decide and what each did, reminders, escalations,
 * and who was kept out and why. `summary` adds status, mode, due and requester on top.
 */
export function ApprovalTaskDetails({ view, summary = true }: { view: ApprovalTaskView; summary?: boolean }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const votesNow = currentVotes(view);
  const nameOf = (id: string) => view.eligible.find((p) => p.id === id)?.name ?? view.votes.find((v) => v.userId === id)?.name ?? id;
  const levels = view.level > 1 || view.escalations.length > 0;
  return (
    <div className="fd-approval" data-testid="approval-details" data-status={view.status}>
      {summary && (
        <dl className="fd-facts">
          <dt>{t('approval.title')}</dt>
          <dd>{view.title}</dd>
          <dt>{t('approval.statusLabel')}</dt>
          <dd>
            <ApprovalStatusBadge status={view.status} testId="approval-status" />
            {view.autoDecided && <span className="fd-muted"> · {t('approval.autoDecided')}</span>}
          </dd>
          <dt>{t('approval.mode')}</dt>
          <dd data-testid="approval-mode">{modeText(t, view)}</dd>
          <dt>{t('approval.votesSoFar')}</dt>
          <dd>
            <ApprovalProgress view={view} />
          </dd>
          {levels && (
            <>
              <dt>{t('approval.level')}</dt>
              <dd>{view.level}</dd>
            </>
          )}
          <dt>{t('approval.opened')}</dt>
          <dd>{formatDateTime(view.openedAt, locale)}</dd>
          <dt>{t('approval.due')}</dt>
          <dd>
            <DueTime view={view} />
          </dd>
          {view.closedAt && (
            <>
              <dt>{t('approval.closed')}</dt>
              <dd>{formatDateTime(view.closedAt, locale)}</dd>
            </>
          )}
          {view.requester && (
            <>
              <dt>{t('approval.requester')}</dt>
              <dd>{view.requester.name}</dd>
            </>
          )}
          {view.campaign?.name && (
            <>
              <dt>{t('approval.campaign')}</dt>
              <dd>
                {view.campaign.name}
                {view.campaign.department && <span className="fd-muted"> · {view.campaign.department}</span>}
              </dd>
            </>
          )}
        </dl>
      )}

      <h4>{t('approval.approvers')}</h4>
      <ul className="fd-people" data-testid="approval-eligible">
        {view.eligible.map((p) => {
          const vote = votesNow.find((v) => v.userId === p.id);
          const state = vote ? (vote.decision === 'approve' ? 'approved' : 'rejected') : view.status === 'open' ? 'waiting' : 'none';
          return (
            <li key={p.id} className={`fd-person is-${state}`}>
              <span className="fd-person__mark" aria-hidden>
                {state === 'approved' ? '✓' : state === 'rejected' ? '✕' : state === 'waiting' ? '…' : '–'}
              </span>
              <span className="fd-person__name">
                {p.name}
                {p.email && <span className="fd-muted fd-person__email"> {p.email}</span>}
              </span>
              <span className="fd-person__state">{t(`approval.person.${state}`)}</span>
            </li>
          );
        })}
      </ul>

      <h4>{t('approval.votes')}</h4>
      <VoteList votes={view.votes} showLevel={levels} />

      {view.reminders.length > 0 && (
        <>
          <h4>{t('approval.reminders')}</h4>
          <ul className="fd-events" data-testid="approval-reminders">
            {view.reminders.map((r, i) => (
              <li key={i}>
                <time dateTime={r.at}>{formatShortDateTime(r.at, locale)}</time>
                <span>
                  {r.to.length ? t('approval.remindedPeople', { names: r.to.map(nameOf).join(', ') }) : t('approval.remindedNobody')}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}

      {view.escalations.length > 0 && (
        <>
          <h4>{t('approval.escalations')}</h4>
          <ul className="fd-events" data-testid="approval-escalations">
            {view.escalations.map((e, i) => (
              <li key={i}>
                <time dateTime={e.at}>{formatShortDateTime(e.at, locale)}</time>
                <span>
                  {t('approval.escalatedTo', { names: e.to.map((p) => p.name).join(', ') })}
                  {e.reason && <span className="fd-muted"> — {e.reason}</span>}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}

      {view.excluded.length > 0 && (
        <>
          <h4>{t('approval.excluded')}</h4>
          <ul className="fd-events" data-testid="approval-excluded">
            {view.excluded.map((x) => (
              <li key={x.id}>
                <strong>{x.name}</strong>
                <span className="fd-muted">{x.reason === 'requested this run' ? t('approval.excludedRequester') : x.reason}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
