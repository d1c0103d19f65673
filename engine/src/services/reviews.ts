import { and, asc, desc, eq, inArray, max, sql } from 'drizzle-orm';
import {
  compareReviews,
  computeReview,
  REVIEW_LIMITS,
  ReviewInputError,
  type ApprovalTaskView,
  type MetricPoint,
  type Review,
  type ReviewComparison,
  type ReviewPhaseChange,
  type ReviewRecords,
  reviewHeadline,
  type StoreReviewRequest,
  type StoredReviewResult,
  said,
} from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import { alertEvents, alerts, approvalTasks, auditLog, metricPoints, reviews, runs, users, type ReviewRow } from '../db/schema.ts';
import { systemClock, type Clock } from '../auth/throttle.ts';
import type { CampaignService } from './campaigns.ts';
import { conflict, Invalid, NotFound } from './errors.ts';

type Phase = { name: string; startsAt: string; endsAt: string };

/** Versions kept per campaign: a recompute past this is refused (bounded storage; each is one document of a few hundred KB at most). */
export const REVIEW_VERSIONS_MAX = 500;

/** Who or what asked for a stored review: a person through the API, the flow's review node, or the first read of a campaign's review. */
export interface ReviewRequester {
  trigger: 'person' | 'flow' | 'first_read';
  actorId: string | null;
  actor: string;
  runId?: string | null;
}

/** A stored version without its document: who computed it, when, and from which data. */
export interface StoredReviewMeta {
  version: number;
  computedAt: string;
  trigger: ReviewRequester['trigger'];
  actor: string;
  runId: string | null;
  /** Hourly figures it read. */
  points: number;
  /** The latest arrival (received_at) among the campaign's metric points when it was computed; null: none. */
  watermark: string | null;
}

export interface StoredReview {
  stored: StoredReviewMeta;
  review: Review;
}

const metaOf = (
  row: Pick<ReviewRow, 'version' | 'computedAt' | 'trigger' | 'actor' | 'runId' | 'points' | 'watermark'>,
): StoredReviewMeta => ({
  version: row.version,
  computedAt: row.computedAt.toISOString(),
  trigger: row.trigger as ReviewRequester['trigger'],
  actor: row.actor,
  runId: row.runId,
  points: row.points,
  watermark: row.watermark?.toISOString() ?? null,
});
const storedOf = (row: ReviewRow): StoredReview => ({ stored: metaOf(row), review: row.document as Review });
const samePhases = (a: unknown, b: unknown) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/**
 * The post-campaign review, computed on request from what is stored: hourly sums of the metric
 * points (summed across dimensions, which the KPIs do not split by), the run's approvals, the
 * launch, the alerts with their events, and the phase date changes from the audit log; the same data
 * gives the same review. Stored versions (table reviews) keep each computation, so a recompute after
 * late data adds a version and two versions can be compared.
 */
export class ReviewService {
  constructor(
    private readonly db: Database,
    private readonly campaigns: CampaignService,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Hourly sums per channel and metric: at most one row per hour, channel and metric, whatever the ingest rate. Summed
   * as numeric: a sum of doubles depends on the order the rows are read (0.1 + 0.2 + 0.3), and the same data must give
   * the same review whatever plan PostgreSQL picks.
   */
  private async points(campaignId: string): Promise<MetricPoint[]> {
    const result = await this.db.execute<{ ts: Date | string; channel: string; metric: string; value: number | string }>(sql`
      SELECT date_bin('1 hour', ts, timestamptz '2000-01-01T00:00:00Z') AS ts, channel, metric, sum(value::numeric)::float8 AS value
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

  /** `at`: when it is made (default: the service's clock); the review node passes its workflow time. */
  async review(campaignId: string, at: number = this.clock()): Promise<Review> {
    const campaign = await this.campaigns.get(campaignId);
    const [points, records] = await Promise.all([this.points(campaign.id), this.records(campaign.id, campaign.launchedAt)]);
    try {
      return computeReview(campaign, points, records, { generatedAt: new Date(at).toISOString() });
    } catch (err) {
      // Stored data passed the same checks on the way in, so this is a campaign edited around them; say which field.
      if (err instanceof ReviewInputError) throw new Invalid(err.message, [{ path: err.field, message: err.message }]);
      throw err;
    }
  }

  /** Computes the review now and stores it as the campaign's next version. */
  async store(campaignId: string, by: ReviewRequester): Promise<StoredReview> {
    return storedOf(await this.storeUnder(campaignId, by, false));
  }

  /**
   * The review node's store: one version per node execution, so an activity retried after its first attempt
   * committed (a lost reply, a worker that died) answers that version instead of adding another.
   */
  async storeForFlow(req: StoreReviewRequest): Promise<StoredReviewResult> {
    const [run] = await this.db.select({ id: runs.id }).from(runs).where(eq(runs.workflowId, req.workflowId));
    const by: ReviewRequester = { trigger: 'flow', actorId: null, actor: `Review node "${req.nodeId}"`, runId: run?.id ?? null };
    const row = await this.storeUnder(req.campaignId, by, false, { at: req.at, executionKey: req.executionKey });
    return {
      reviewId: row.id,
      version: row.version,
      computedAt: row.computedAt.toISOString(),
      headline: reviewHeadline(row.document as Review),
    };
  }

  /** The latest stored version; none yet: computed and stored now (as version 1, trigger first_read). */
  async latest(campaignId: string, by: Omit<ReviewRequester, 'trigger'>): Promise<StoredReview> {
    const row = await this.latestRow(campaignId);
    return storedOf(row ?? (await this.storeUnder(campaignId, { ...by, trigger: 'first_read' }, true)));
  }

  async version(campaignId: string, version: number): Promise<StoredReview> {
    const [row] = await this.db
      .select()
      .from(reviews)
      .where(and(eq(reviews.campaignId, campaignId), eq(reviews.version, version)));
    if (!row) throw new NotFound(said('no_review_version', { version }), [{ path: 'version', message: 'No such version' }]);
    return storedOf(row);
  }

  /** Every stored version, newest first, without documents. */
  async versions(campaignId: string): Promise<StoredReviewMeta[]> {
    const rows = await this.db
      .select({
        version: reviews.version,
        computedAt: reviews.computedAt,
        trigger: reviews.trigger,
        actor: reviews.actor,
        runId: reviews.runId,
        points: reviews.points,
        watermark: reviews.watermark,
      })
      .from(reviews)
      .where(eq(reviews.campaignId, campaignId))
      .orderBy(desc(reviews.version))
      .limit(REVIEW_VERSIONS_MAX);
    return rows.map(metaOf);
  }

  /** Which figures changed from one version to another (either order). */
  async compare(
    campaignId: string,
    from: number,
    to: number,
  ): Promise<{ from: StoredReviewMeta; to: StoredReviewMeta } & ReviewComparison> {
    const [a, b] = await Promise.all([this.version(campaignId, from), this.version(campaignId, to)]);
    return { from: a.stored, to: b.stored, ...compareReviews(a.review, b.review) };
  }

  private latestRow(campaignId: string): Promise<ReviewRow | undefined> {
    return this.latestRowIn(this.db, campaignId);
  }

  /**
   * Numbers versions under a per-campaign transaction lock, so two recomputes at once get 1 and 2, not a
   * clash; onlyIfNone: the first read's store, which a concurrent first read may have done already.
   */
  private async storeUnder(
    campaignId: string,
    by: ReviewRequester,
    onlyIfNone: boolean,
    opts: { at?: number; executionKey?: string } = {},
  ): Promise<ReviewRow> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('flightdeck.review'), hashtext(${campaignId}))`);
      if (opts.executionKey !== undefined) {
        // Under the campaign's lock, so a retry that overlaps its first attempt waits for it and then finds its version.
        const [done] = await tx
          .select()
          .from(reviews)
          .where(and(eq(reviews.campaignId, campaignId), eq(reviews.executionKey, opts.executionKey)));
        if (done) return done;
      }
      const [top] = await tx
        .select({ version: max(reviews.version) })
        .from(reviews)
        .where(eq(reviews.campaignId, campaignId));
      const last = top?.version ?? 0;
      if (onlyIfNone && last > 0) return (await this.latestRowIn(tx, campaignId))!;
      if (last >= REVIEW_VERSIONS_MAX) throw conflict('version', `A campaign keeps at most ${REVIEW_VERSIONS_MAX} review versions`);
      const [mark] = await tx
        .select({ watermark: max(metricPoints.receivedAt) })
        .from(metricPoints)
        .where(eq(metricPoints.campaignId, campaignId));
      const at = opts.at ?? this.clock();
      const review = await this.review(campaignId, at);
      const [row] = await tx
        .insert(reviews)
        .values({
          campaignId,
          version: last + 1,
          document: review,
          trigger: by.trigger,
          actorId: by.actorId,
          actor: by.actor,
          runId: by.runId ?? null,
          points: review.points,
          watermark: mark?.watermark ?? null,
          computedAt: new Date(at),
          executionKey: opts.executionKey ?? null,
        })
        .returning();
      return row!;
    });
  }

  private async latestRowIn(tx: Pick<Database, 'select'>, campaignId: string): Promise<ReviewRow | undefined> {
    const [row] = await tx.select().from(reviews).where(eq(reviews.campaignId, campaignId)).orderBy(desc(reviews.version)).limit(1);
    return row;
  }
}
