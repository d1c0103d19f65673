import { useTranslation } from 'react-i18next';
import type { InboxItem } from '../api/types.ts';
import { ApprovalProgress, ApprovalStatusBadge, ApprovalTaskDetails, DueTime, VoteList } from '../approvals/ApprovalTaskDetails.tsx';
import { currentVotes, isOverdue, modeText } from '../approvals/approval.ts';
import { DecisionForm } from '../approvals/DecisionForm.tsx';
import { useOptionalAuth } from '../auth/AuthProvider.tsx';
import { BudgetBreakdown, CampaignStatusBadge, GoalsTable, PhaseTimeline } from '../campaigns/CampaignFacts.tsx';
import { formatDateTime, formatMoney, formatShortDateTime } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import { useNow } from '../components/useNow.ts';
import { useLocale } from '../i18n/index.ts';
import { href } from '../routes.ts';

/**
 * One approval task: what it is about at a glance, the campaign's goals, budget and phases on
 * demand, and the decision. Laid out to work one-handed on a phone.
 */
export function InboxCard({ item }: { item: InboxItem }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const now = useNow();
  const me = useOptionalAuth()?.user?.id;
  const view = item.task;
  const campaign = item.campaign;
  const campaignName = campaign?.name ?? view.campaign?.name ?? null;
  const department = campaign?.department ?? view.campaign?.department ?? null;
  const myVote = me ? currentVotes(view).find((v) => v.userId === me) : undefined;
  const held = item.status === 'open' ? item.held : [];
  const canDecide = item.status === 'open' && !myVote && !held.some((h) => h.userId === me);
  const overdue = isOverdue(item, now);

  return (
    <article
      className={`fd-card fd-task${overdue ? ' is-overdue' : ''}`}
      data-testid={`inbox-item-${item.nodeId}`}
      data-task-id={item.taskId}
      data-status={item.status}
      aria-labelledby={`task-${item.taskId}-title`}
    >
      <header className="fd-task__head">
        <h2 className="fd-task__title" id={`task-${item.taskId}-title`}>
          {item.title}
        </h2>
        <ApprovalStatusBadge status={item.status} testId="inbox-item-status" />
      </header>

      <dl className="fd-task__facts">
        <div>
          <dt>{t('approval.campaign')}</dt>
          <dd data-testid="inbox-item-campaign">
            {campaign ? (
              <Link href={href.campaign(campaign.id)}>{campaign.name}</Link>
            ) : (
              (campaignName ?? <span className="fd-muted">{t('inbox.noCampaign')}</span>)
            )}
          </dd>
        </div>
        <div>
          <dt>{t('campaign.department')}</dt>
          <dd data-testid="inbox-item-department">{department ?? '—'}</dd>
        </div>
        {item.status === 'open' ? (
          <div>
            <dt>{t('approval.due')}</dt>
            <dd>
              <DueTime view={item} testId="inbox-item-due" />
            </dd>
          </div>
        ) : (
          <div>
            <dt>{t('approval.closed')}</dt>
            <dd>{formatShortDateTime(item.closedAt ?? view.closedAt, locale)}</dd>
          </div>
        )}
        <div>
          <dt>{t('approval.requester')}</dt>
          <dd data-testid="inbox-item-requester">{view.requester?.name ?? '—'}</dd>
        </div>
        <div>
          <dt>{t('approval.mode')}</dt>
          <dd>{modeText(t, view)}</dd>
        </div>
        <div>
          <dt>{t('approval.votesSoFar')}</dt>
          <dd>
            <ApprovalProgress view={view} />
          </dd>
        </div>
        {campaign && (
          <div>
            <dt>{t('campaign.budgetTotal')}</dt>
            <dd>{formatMoney(campaign.budget.total, campaign.budget.currency, locale)}</dd>
          </div>
        )}
      </dl>

      {myVote && (
        <p className="fd-task__mine" data-testid="inbox-item-myvote">
          {t(myVote.decision === 'approve' ? 'inbox.youApproved' : 'inbox.youRejected', { time: formatShortDateTime(myVote.at, locale) })}
          {item.status === 'open' && ` ${t('inbox.waitingForOthers')}`}
        </p>
      )}

      <details className="fd-task__more">
        <summary data-testid={`inbox-expand-${item.nodeId}`}>{t('inbox.context')}</summary>
        <div className="fd-task__context">
          {campaign ? (
            <>
              <section>
                <h3>
                  {campaign.name} <CampaignStatusBadge status={campaign.status} />
                </h3>
              </section>
              <section>
                <h4>{t('campaign.goals')}</h4>
                <GoalsTable goals={campaign.goals} testId="inbox-goals" />
              </section>
              <section>
                <h4>{t('campaign.budget')}</h4>
                <BudgetBreakdown budget={campaign.budget} testId="inbox-budget" />
              </section>
              <section>
                <h4>{t('campaign.phases')}</h4>
                <PhaseTimeline phases={campaign.phases} timezone={campaign.timezone} now={now} testId="inbox-phases" />
              </section>
            </>
          ) : (
            <p className="fd-muted">{t('inbox.noCampaignContext')}</p>
          )}
          <section data-testid="inbox-previous">
            <h4>{t('inbox.previous')}</h4>
            {item.previous.length ? (
              <ul className="fd-previous">
                {item.previous.map((p, i) => (
                  <li key={i}>
                    <div className="fd-previous__head">
                      <ApprovalStatusBadge status={p.status} />
                      <strong>{p.title}</strong>
                      {p.closedAt && <span className="fd-muted">{formatShortDateTime(p.closedAt, locale)}</span>}
                    </div>
                    <VoteList votes={p.votes} />
                  </li>
                ))}
              </ul>
            ) : (
              <p className="fd-muted">{t('inbox.noPrevious')}</p>
            )}
          </section>
          <section>
            <ApprovalTaskDetails view={view} summary={false} />
          </section>
          <p className="fd-muted fd-task__meta">
            {t('approval.opened')}: {formatDateTime(item.openedAt, locale)} · <Link href={href.run(item.runId)}>{t('inbox.openRun')}</Link>
          </p>
        </div>
      </details>

      {held.length > 0 && (
        <div className="fd-alert" role="status" data-testid="inbox-item-held">
          {held.map((h) => (
            <p key={`${h.userId}-${h.heldAt}`}>
              {t(h.userId === me ? 'decision.heldMine' : 'decision.heldOther', {
                name: h.name,
                decision: t(h.decision === 'approve' ? 'decision.approve' : 'decision.reject'),
                time: formatShortDateTime(h.heldAt, locale),
              })}
            </p>
          ))}
        </div>
      )}
      {canDecide && <DecisionForm taskId={item.taskId} nodeId={item.nodeId} title={item.title} />}
    </article>
  );
}
