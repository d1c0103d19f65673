import { and, asc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import {
  checkIngestBatch,
  INGEST_LIMITS,
  parseMetricTime,
  rawMetricOf,
  readMetricsCsv,
  isRawMetric,
  METRICS_QUERY_ROWS,
  type BatchIssue,
  type IngestPoint,
  type RawMetric,
  problemWords,
  said,
} from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import { campaigns, metricPoints } from '../db/schema.ts';
import { Invalid, Malformed, NotFound, type FieldIssue } from './errors.ts';

/** The transaction an ingest runs in, as the afterInsert hook receives it. */
export type MetricsTx = Parameters<Parameters<Database['transaction']>[0]>[0];

/** One series a batch touched, and the time span it touched (ISO, UTC), so a rule evaluator can rewind just that far. */
export interface AffectedSeries {
  channel: string;
  metric: RawMetric;
  minTs: string;
  maxTs: string;
}

/**
 * Called inside the ingest's transaction after the points are written: whatever it writes commits
 * or rolls back with them, and if it throws, the batch is not stored. The monitor's rule evaluation
 * plugs in here.
 */
export type AfterInsert = (tx: MetricsTx, campaignId: string, affected: AffectedSeries[]) => Promise<void | AfterCommit>;
/** What the hook wants done once the batch has committed (signalling runs: never about points that rolled back). */
export type AfterCommit = () => Promise<void>;
export const noAfterInsert: AfterInsert = async () => {};

export interface IngestCounts {
  accepted: number;
  replaced: number;
  rejected: number;
}

/** A batch refused whole: every bad point (up to INGEST_LIMITS.listedIssues issues) and how many there were. */
export class BatchRefused extends Invalid {
  constructor(
    issues: FieldIssue[],
    readonly badPoints: number,
  ) {
    super(`${badPoints} point(s) are not valid, so none of the batch was stored`, issues);
  }
}

export interface MetricsQuery {
  from?: string;
  to?: string;
  channel?: string;
  metric?: string;
  bucket?: '1h';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function tooMany(path: string, n: number): Malformed {
  const message = `At most ${INGEST_LIMITS.points} points in one batch (this one has ${n}); split it`;
  return new Malformed(message, [{ path, message, code: 'too_big' }]);
}

function refused(issues: BatchIssue[], badPoints: number, where: (at: number) => string): BatchRefused {
  return new BatchRefused(
    issues.map((i) => ({
      path: i.field === 'point' ? where(i.at) : `${where(i.at)}.${i.field}`,
      message: i.message,
      code: 'invalid_point',
    })),
    badPoints,
  );
}

/** A campaign that is not there (or no longer), named as the services name it. */
const noSuchCampaign = (ref: string) => {
  const words = said('not_found_campaign', { id: ref.slice(0, 64) });
  return new NotFound(words, [{ path: 'campaignId', ...problemWords(words.key, words.params), code: 'not_found' }]);
};

const keyOf = (p: IngestPoint) => `${p.channel}\u0000${p.metric}\u0000${p.ts}\u0000${p.dimensionsKey}`;

/** Metrics in and out: batches checked whole, upserted (last write wins), read back raw or per hour. */
export class MetricsService {
  private readonly afterInsert: AfterInsert;

  constructor(
    private readonly db: Database,
    opts: { afterInsert?: AfterInsert } = {},
  ) {
    this.afterInsert = opts.afterInsert ?? noAfterInsert;
  }

  /** A campaign by id or slug, with its department for the access check. */
  async resolveCampaign(ref: string): Promise<{ id: string; departmentId: string | null }> {
    const where = UUID.test(ref) ? eq(campaigns.id, ref) : eq(campaigns.slug, ref);
    const [row] = await this.db.select({ id: campaigns.id, departmentId: campaigns.departmentId }).from(campaigns).where(where);
    if (!row) throw noSuchCampaign(ref);
    return row;
  }

  /** A JSON batch {points: [...]} → its points, or a refusal naming each bad point by index. */
  checkJson(body: unknown): IngestPoint[] {
    const points = (body as { points?: unknown } | null)?.points;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || !Array.isArray(points)) {
      const message = 'The body is {"points": [{ts, channel, metric, value, dimensions?}, …]}';
      throw new Malformed(message, [{ path: 'points', message, code: 'invalid_type' }]);
    }
    const extra = Object.keys(body).filter((k) => k !== 'points');
    if (extra.length) {
      const message = `Unknown field(s): ${extra.slice(0, 5).join(', ').slice(0, 200)}`;
      throw new Malformed(message, [{ path: extra[0]!.slice(0, 64), message, code: 'unrecognized_keys' }]);
    }
    if (points.length > INGEST_LIMITS.points) throw tooMany('points', points.length);
    const checked = checkIngestBatch(points.map((raw, at) => ({ at, raw })));
    if (!checked.ok) throw refused(checked.issues, checked.badPoints, (at) => `points.${at}`);
    return checked.points;
  }

  /** A CSV batch in the scenario files' format → its points, or a refusal naming each bad line. */
  checkCsv(text: string): IngestPoint[] {
    const csv = readMetricsCsv(text);
    const lines = csv.rows.length + csv.badLines;
    if (lines > INGEST_LIMITS.points) throw tooMany('line', lines);
    const checked = checkIngestBatch(csv.rows);
    const issues = [...csv.issues, ...(checked.ok ? [] : checked.issues)].sort((a, b) => a.at - b.at);
    const bad = csv.badLines + (checked.ok ? 0 : checked.badPoints);
    if (bad || !checked.ok) throw refused(issues.slice(0, INGEST_LIMITS.listedIssues), bad, (at) => `line.${at}`);
    return checked.points;
  }

  /** Stores a checked batch in one transaction: new points inserted, known ones overwritten, then the afterInsert hook. */
  async ingest(campaignId: string, points: readonly IngestPoint[]): Promise<IngestCounts> {
    if (points.length > INGEST_LIMITS.points) throw tooMany('points', points.length);
    if (!UUID.test(campaignId)) throw noSuchCampaign(campaignId);
    // The same key twice in one batch: the later one wins, and the earlier counts as replaced.
    const last = new Map<string, IngestPoint>();
    for (const p of points) last.set(keyOf(p), p);
    // One lock order for every writer, so two overlapping batches wait for each other instead of deadlocking.
    const rows = [...last.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
    const duplicates = points.length - rows.length;
    if (rows.length === 0) return { accepted: 0, replaced: 0, rejected: 0 };
    let afterCommit: AfterCommit | undefined;
    const counts = await this.db.transaction(async (tx) => {
      // Once per batch what the dropped foreign key did per point (migration 0023): the campaign's key locked as
      // the key's check locked it, so its deletion waits for this batch (and then removes its points) or came first.
      const campaign = await tx.execute(sql`SELECT 1 FROM campaigns WHERE id = ${campaignId}::uuid FOR KEY SHARE`);
      if (!campaign.rows.length) throw noSuchCampaign(campaignId);
      const result = await tx.execute<{ inserted: number; total: number }>(sql`
        WITH upserted AS (
          INSERT INTO metric_points (campaign_id, channel, metric, ts, dimensions, dimensions_key, value)
          SELECT ${campaignId}::uuid, u.channel, u.metric, u.ts, u.dimensions, u.dimensions_key, u.value
          FROM unnest(
            ${sql.param(rows.map((p) => p.channel))}::text[],
            ${sql.param(rows.map((p) => p.metric))}::text[],
            ${sql.param(rows.map((p) => new Date(p.ts).toISOString()))}::timestamptz[],
            ${sql.param(rows.map((p) => JSON.stringify(p.dimensions)))}::jsonb[],
            ${sql.param(rows.map((p) => p.dimensionsKey))}::text[],
            ${sql.param(rows.map((p) => p.value))}::float8[]
          ) AS u(channel, metric, ts, dimensions, dimensions_key, value)
          ON CONFLICT (campaign_id, channel, metric, ts, dimensions_key)
          DO UPDATE SET value = EXCLUDED.value, dimensions = EXCLUDED.dimensions, received_at = now()
          RETURNING (xmax = 0) AS inserted
        )
        SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*)::int AS total FROM upserted`);
      const { inserted, total } = result.rows[0]!;
      afterCommit = (await this.afterInsert(tx, campaignId, affectedBy(rows))) ?? undefined;
      return { accepted: points.length, replaced: total - inserted + duplicates, rejected: 0 };
    });
    await afterCommit?.();
    return counts;
  }

  /** Each channel's sums over [from, to), in channel order. */
  sumPerChannel(campaignId: string, from: number, to: number) {
    return sumPerChannelRows(this.db, campaignId, from, to);
  }

  /** Points in a window (raw, or summed per hour, channel and metric), at most METRICS_QUERY_ROWS of them, in time order. */
  async query(campaignId: string, q: MetricsQuery) {
    const where: SQL[] = [eq(metricPoints.campaignId, campaignId)];
    const issues: FieldIssue[] = [];
    for (const side of ['from', 'to'] as const) {
      const t = q[side] === undefined ? undefined : parseMetricTime(q[side]);
      if (typeof t === 'string') issues.push({ path: `query.${side}`, message: t });
      else if (t !== undefined) where.push(side === 'from' ? gte(metricPoints.ts, new Date(t)) : lt(metricPoints.ts, new Date(t)));
    }
    if (q.metric !== undefined) {
      const metric = rawMetricOf(q.metric);
      if (isRawMetric(metric)) where.push(eq(metricPoints.metric, metric));
      else issues.push({ path: 'query.metric', message: metric });
    }
    if (issues.length) throw new Malformed('The query has problems', issues);
    if (q.channel !== undefined) where.push(eq(metricPoints.channel, q.channel));
    const limit = METRICS_QUERY_ROWS + 1;
    if (q.bucket === '1h') {
      const hour = sql`date_bin('1 hour', ${metricPoints.ts}, timestamptz '2000-01-01T00:00:00Z')`;
      const rows = await this.db
        .select({
          ts: hour.mapWith(metricPoints.ts),
          channel: metricPoints.channel,
          metric: metricPoints.metric,
          value: sql<number>`sum(${metricPoints.value})`,
        })
        .from(metricPoints)
        .where(and(...where))
        .groupBy(hour, metricPoints.channel, metricPoints.metric)
        .orderBy(hour, metricPoints.channel, metricPoints.metric)
        .limit(limit);
      return {
        bucket: '1h' as const,
        truncated: rows.length > METRICS_QUERY_ROWS,
        items: rows.slice(0, METRICS_QUERY_ROWS).map((r) => ({ ...r, ts: (r.ts as Date).toISOString(), value: Number(r.value) })),
      };
    }
    const rows = await this.db
      .select({
        ts: metricPoints.ts,
        channel: metricPoints.channel,
        metric: metricPoints.metric,
        value: metricPoints.value,
        dimensions: metricPoints.dimensions,
      })
      .from(metricPoints)
      .where(and(...where))
      .orderBy(asc(metricPoints.ts), asc(metricPoints.channel), asc(metricPoints.metric), asc(metricPoints.dimensionsKey))
      .limit(limit);
    return {
      bucket: null,
      truncated: rows.length > METRICS_QUERY_ROWS,
      items: rows
        .slice(0, METRICS_QUERY_ROWS)
        .map((r) => ({ ...r, ts: r.ts.toISOString(), dimensions: r.dimensions as Record<string, string> })),
    };
  }
}

/** Per channel, the raw metrics' sums over [from, to) (epoch ms): what the KPI node judges. */
export async function sumPerChannelRows(db: Database, campaignId: string, from: number, to: number) {
  const rows = await db
    .select({ channel: metricPoints.channel, metric: metricPoints.metric, value: sql<number>`sum(${metricPoints.value})` })
    .from(metricPoints)
    .where(and(eq(metricPoints.campaignId, campaignId), gte(metricPoints.ts, new Date(from)), lt(metricPoints.ts, new Date(to))))
    .groupBy(metricPoints.channel, metricPoints.metric)
    .orderBy(metricPoints.channel, metricPoints.metric);
  const out = new Map<string, Partial<Record<RawMetric, number>>>();
  for (const r of rows) {
    if (!isRawMetric(r.metric)) continue;
    let sums = out.get(r.channel);
    if (!sums) out.set(r.channel, (sums = {}));
    sums[r.metric] = Number(r.value);
  }
  return [...out.entries()].map(([channel, sums]) => ({ channel, sums }));
}

/** The series a batch touched and each one's time span. */
export function affectedBy(points: readonly IngestPoint[]): AffectedSeries[] {
  const spans = new Map<string, { channel: string; metric: RawMetric; min: number; max: number }>();
  for (const p of points) {
    const k = `${p.channel}\u0000${p.metric}`;
    const s = spans.get(k);
    if (!s) spans.set(k, { channel: p.channel, metric: p.metric, min: p.ts, max: p.ts });
    else {
      s.min = Math.min(s.min, p.ts);
      s.max = Math.max(s.max, p.ts);
    }
  }
  return [...spans.values()].map((s) => ({
    channel: s.channel,
    metric: s.metric,
    minTs: new Date(s.min).toISOString(),
    maxTs: new Date(s.max).toISOString(),
  }));
}
