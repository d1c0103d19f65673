import { canonicalJson } from '../frozen.ts';
import { parseDuration } from '../duration.ts';
import { MetricValueError, type MetricPoint } from '../kpi.ts';
import { MonitorInputError, type MonitoredCampaign } from './campaign.ts';
import {
  emptyMonitorState,
  evaluateMonitor,
  type MonitorProblem,
  type MonitorState,
  type RuleStatus,
  type Transition,
} from './evaluate.ts';
import type { MonitorConfig } from './schema.ts';
import { BucketSeries } from './series.ts';

/**
 * A whole point list through the evaluator, batch by batch, as the ingest path would feed it:
 * the simulator, the editor's "how often would this rule have fired" preview and the engine's
 * backfill share it. Transitions a later batch retracts are dropped, so the result is what the
 * evaluator finally stands by.
 */

/** A preview over more points than this is a bulk job, not a request. */
export const MAX_REPLAY_POINTS = 500_000;
/** Each call costs at least a walk over the rules; more calls than this are a mistake in the batch size. */
export const MAX_REPLAY_CALLS = 20_000;

export interface ReplayOptions {
  /**
   * How the points are cut into evaluation calls, in the order given: "bucket" starts a new
   * call whenever a point falls in a different bucket than the one before (the live ingest
   * path, one call per hour of data); a number is that many points per call. Default "bucket".
   */
  batch?: 'bucket' | number;
}

export interface ReplayResult {
  /** Every transition that stands, in event-time order (rule order within a bucket). */
  transitions: Transition[];
  state: MonitorState;
  statuses: RuleStatus[];
  problems: MonitorProblem[];
  /** How many evaluation calls the replay made. */
  calls: number;
  /** Transitions reported by one call and retracted by a later one, in the order they were retracted. */
  retractions: Transition[];
}

const identity = (t: Transition) => canonicalJson(t);

function batchesOf(points: readonly MetricPoint[], batch: 'bucket' | number, every: number): MetricPoint[][] {
  if (batch !== 'bucket') {
    if (!Number.isInteger(batch) || batch < 1) throw new MonitorInputError(`batch: ${String(batch)} is not a whole number of points`);
    const out: MetricPoint[][] = [];
    for (let i = 0; i < points.length; i += batch) out.push(points.slice(i, i + batch));
    return out;
  }
  const out: MetricPoint[][] = [];
  let key: number | undefined;
  for (const p of points) {
    // Bucket keys only need to tell neighbours apart; the series aligns them to the zone's clock.
    const k = Math.floor(Date.parse(p.ts) / every);
    if (!out.length || k !== key) out.push([]);
    key = k;
    out[out.length - 1]!.push(p);
  }
  return out;
}

/** Runs `points` through `monitor` over `campaign`; throws MonitorInputError on a bad point or option, naming it. */
export function replayMonitor(
  campaign: MonitoredCampaign,
  monitor: MonitorConfig,
  points: readonly MetricPoint[],
  options: ReplayOptions = {},
): ReplayResult {
  if (!Array.isArray(points)) throw new MonitorInputError('points: not a list');
  if (points.length > MAX_REPLAY_POINTS) throw new MonitorInputError(`points: ${points.length} points; at most ${MAX_REPLAY_POINTS}`);
  const every = parseDuration(monitor.every) ?? 0;
  const series = new BucketSeries(every, campaign.timezone);
  const batches = batchesOf(points, options.batch ?? 'bucket', every);
  if (batches.length > MAX_REPLAY_CALLS)
    throw new MonitorInputError(`batch: ${batches.length} evaluation calls; at most ${MAX_REPLAY_CALLS} (use larger batches)`);

  let state: MonitorState = emptyMonitorState();
  let standing: Transition[] = [];
  let statuses: RuleStatus[] = [];
  let problems: MonitorProblem[] = [];
  const retractions: Transition[] = [];
  let offset = 0;
  for (const batch of batches) {
    try {
      series.add(batch);
    } catch (e) {
      if (!(e instanceof MetricValueError)) throw e;
      // The series names the point by its index in the batch; the caller knows the list.
      const message = e.message.replace(/^Point (\d+)/, (_m, i: string) => `points[${offset + Number(i)}]`);
      throw new MonitorInputError(message, { cause: e });
    }
    offset += batch.length;
    const changedFrom = Math.min(...batch.map((p) => Date.parse(p.ts)));
    const result = evaluateMonitor(monitor, campaign, state, { series, changedFrom });
    state = result.state;
    retractions.push(...result.retracted);
    if (result.retracted.length) {
      const gone = new Map<string, number>();
      for (const t of result.retracted) gone.set(identity(t), (gone.get(identity(t)) ?? 0) + 1);
      standing = standing.filter((t) => {
        const n = gone.get(identity(t));
        if (!n) return true;
        gone.set(identity(t), n - 1);
        return false;
      });
    }
    standing.push(...result.transitions);
    statuses = result.statuses;
    problems = result.problems;
  }
  const order = new Map(monitor.rules.map((r, i) => [r.id, i]));
  const transitions = standing
    .map((t, i) => ({ t, i }))
    .sort(
      (a, b) =>
        Date.parse(a.t.at) - Date.parse(b.t.at) ||
        order.get(a.t.ruleId)! - order.get(b.t.ruleId)! ||
        (a.t.channel ?? '').localeCompare(b.t.channel ?? '') ||
        a.i - b.i,
    )
    .map(({ t }) => t);
  return { transitions, state, statuses, problems, calls: batches.length, retractions };
}
