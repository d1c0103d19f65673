import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import {
  computeReview,
  REVIEW_LIMITS,
  ReviewInputError,
  reviewCsv,
  type ApprovalTaskView,
  type MetricPoint,
  type Review,
  type ReviewPhaseChange,
  type ReviewRecords,
} from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import { alertEvents, alerts, approvalTasks, auditLog, runs, users } from '../db/schema.ts';
import { systemClock, type Clock } from '../auth/throttle.ts';
import type { CampaignService } from './campaigns.ts';
import { Invalid } from './errors.ts';

type Phase = { name: string; startsAt: string; endsAt: string };
const samePhases = (a: unknown, b: unknown) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/**
 * The post-campaign review, computed on request from what is stored: hourly sums of the metric
 * points (summed across dimensions, which the KPIs do not split by), the run's approvals, the
 * launch, the alerts with their events, and the phase date changes from the audit log. Nothing is
 * stored: the same data gives the same review.
 */
export class ReviewService {
  constructor(
    private readonly db: Database,
    private readonly campaigns: CampaignService,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Hourly sums per channel and metric: at most one row per hour, channel and metric, whatever the ingest rate. */
  private async points(campaignId: string): Promise<MetricPoint[]> {
    const result = await this.db.execute<{ ts: Date | string; channel: string; metric: string; value: number | string }>(sql`
      SELECT date_bin('1 hour', ts, timestamptz '2000-01-01T00:00:00Z') AS ts, channel, metric, sum(value)::float8 AS value
      FROM metric_points WHERE campaign_id = ${campaignId}::uuid
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
      LIMIT ${REVIEW_LIMITS.points + 1}`);
    if (result.rows.length > REVIEW_LIMITS.points) {
      const message = `More than ${REVIEW_LIMITS.points} hourly figures: too many to review at once`;
      throw new Invalid(message, [{ path: 'id', message, code: 'too_big' }]);
    }
    return result.rows.map((r) => ({
      ts: new Date(r.ts).toISOString(),
      channel: r.channel,
      metric: r.metric,
      value: Number(r.value),
    }));
  }

  private async records(campaignId: string, launchedAt: string | null): Promise<ReviewRecords> {
    const tasks = await this.db
      .select({ t: approvalTasks })
      .from(approvalTasks)
      .innerJoin(runs, eq(runs.id, approvalTasks.runId))
      .where(eq(runs.campaignId, campaignId))
      .orderBy(asc(approvalTasks.openedAt))
      .limit(REVIEW_LIMITS.approvals);
    const alertRows = await this.db
      .select()
      .from(alerts)
      .where(eq(alerts.campaignId, campaignId))
      .orderBy(asc(alerts.firedAt))
      .limit(REVIEW_LIMITS.alerts);
    const events = alertRows.length
      ? await this.db
          .select({ alertId: alertEvents.alertId, kind: alertEvents.kind, at: alertEvents.at, actor: users.name })
          .from(alertEvents)
          .leftJoin(users, eq(users.id, alertEvents.actorId))
          .where(
            inArray(
              alertEvents.alertId,
              alertRows.map((a) => a.id),
            ),
          )
          .orderBy(asc(alertEvents.id))
      : [];
    const byAlert = new Map<string, { kind: string; at: string; actor: string | null }[]>();
    for (const e of events) {
      const list = byAlert.get(e.alertId) ?? [];
      if (list.length < REVIEW_LIMITS.eventsPerAlert) list.push({ kind: e.kind, at: e.at.toISOString(), actor: e.actor });
      byAlert.set(e.alertId, list);
    }
    const audits = await this.db
      .select({ at: auditLog.at, actor: auditLog.actor, before: auditLog.before, after: auditLog.after })
      .from(auditLog)
      .where(
        and(
          eq(auditLog.entityType, 'campaign'),
          eq(auditLog.entityId, campaignId),
          inArray(auditLog.action, ['campaign.updated', 'campaign.reimported']),
        ),
      )
      .orderBy(asc(auditLog.id))
      .limit(REVIEW_LIMITS.phaseChanges * 5);
    const phaseChanges: ReviewPhaseChange[] = audits
      .map((a) => ({
        at: a.at,
        actor: a.actor,
        before: (a.before as { phases?: Phase[] } | null)?.phases,
        after: (a.after as { phases?: Phase[] } | null)?.phases,
      }))
      .filter((a) => Array.isArray(a.before) && Array.isArray(a.after) && !samePhases(a.before, a.after))
      .slice(0, REVIEW_LIMITS.phaseChanges)
      .map((a) => ({ at: a.at.toISOString(), actor: a.actor, before: a.before!, after: a.after! }));
    return {
      approvals: tasks.map(({ t }) => {
        const view = t.detail as Partial<ApprovalTaskView>;
        return {
          taskId: t.taskId,
          title: t.title,
          status: t.status,
          openedAt: t.openedAt.toISOString(),
          closedAt: t.closedAt?.toISOString() ?? null,
          dueAt: t.dueAt.toISOString(),
          votes: (Array.isArray(view.votes) ? view.votes : []).map((v) => ({
            name: v.name,
            decision: v.decision,
            comment: v.comment,
            at: v.at,
            level: v.level,
          })),
          escalations: (Array.isArray(view.escalations) ? view.escalations : []).map((e) => ({ at: e.at, reason: e.reason })),
        };
      }),
      launch: launchedAt ? { at: launchedAt } : null,
      alerts: alertRows.map((a) => ({
        id: a.id,
        ruleId: a.ruleId,
        channel: a.channel,
        severity: a.severity,
        firedAt: a.firedAt.toISOString(),
        openedAt: a.openedAt.toISOString(),
        resolvedAt: a.resolvedAt?.toISOString() ?? null,
        events: byAlert.get(a.id) ?? [],
      })),
      phaseChanges,
    };
  }

  async review(campaignId: string): Promise<Review> {
    const campaign = await this.campaigns.get(campaignId);
    const [points, records] = await Promise.all([this.points(campaign.id), this.records(campaign.id, campaign.launchedAt)]);
    try {
      return computeReview(campaign, points, records, { generatedAt: new Date(this.clock()).toISOString() });
    } catch (err) {
      // Stored data passed the same checks on the way in, so this is a campaign edited around them; say which field.
      if (err instanceof ReviewInputError) throw new Invalid(err.message, [{ path: err.field, message: err.message }]);
      throw err;
    }
  }

  async csv(campaignId: string): Promise<string> {
    return reviewCsv(await this.review(campaignId));
  }
}
