import {
  addSums,
  addToSums,
  checkPoint,
  isRawMetric,
  MetricValueError,
  RAW_METRICS,
  type MetricPoint,
  type RawMetric,
  type RawSums,
} from '../kpi.ts';
import { bucketStart, EARLIEST_DATE, LATEST_DATE } from '../time.ts';

/**
 * What the evaluator reads: raw sums per channel and evaluation bucket (summed over dimensions).
 * The caller supplies it from wherever the points live (PostgreSQL rollups in the ingest path, an
 * in-memory BucketSeries in tests and the simulator), covering the range `planEvaluation` names.
 */
export interface MetricSeries {
  /** Bucket size in ms; the monitor's `every`. */
  readonly every: number;
  /** The latest bucket start any channel reported: the campaign's watermark. */
  latest(): number | undefined;
  /** The earliest bucket start held. */
  earliest(): number | undefined;
  channels(): readonly string[];
  /** One channel's sums in the bucket starting at `start`; undefined when it reported nothing then. */
  bucket(channel: string, start: number): Readonly<RawSums> | undefined;
  /** A channel's total of one metric over every bucket before `start` (cumulative spend for budget burn). */
  totalBefore(channel: string, metric: RawMetric, start: number): number;
}

export interface SeriesOpening {
  /** Totals per channel of everything before `before`, which the series does not hold bucket by bucket. */
  before: number;
  totals: Readonly<Record<string, RawSums>>;
}

/**
 * Buckets in memory, aligned to the campaign's wall clock. Points are summed into their bucket:
 * give each stored point once (the store applies last-write-wins), or rows already rolled up.
 */
export class BucketSeries implements MetricSeries {
  private readonly byChannel = new Map<string, ChannelBuckets>();
  private first: number | undefined;
  private last: number | undefined;

  constructor(
    readonly every: number,
    readonly timeZone: string,
    private readonly opening?: SeriesOpening,
  ) {}

  static fromPoints(points: readonly MetricPoint[], options: { every: number; timeZone: string; opening?: SeriesOpening }): BucketSeries {
    const series = new BucketSeries(options.every, options.timeZone, options.opening);
    series.add(points);
    return series;
  }

  /** Adds points; a bad point (time, channel, value) is refused with its index, and nothing of the batch is added. */
  add(points: readonly MetricPoint[]): void {
    const placed = points.map((p, i) => [bucketStart(checkPoint(p, i), this.every, this.timeZone), p] as const);
    for (const [start, p] of placed) {
      if (!isRawMetric(p.metric)) continue;
      let channel = this.byChannel.get(p.channel);
      if (!channel) this.byChannel.set(p.channel, (channel = new ChannelBuckets()));
      channel.add(start, p.metric, p.value);
      if (this.first === undefined || start < this.first) this.first = start;
      if (this.last === undefined || start > this.last) this.last = start;
    }
  }

  /**
   * Adds one channel's sums at one instant (epoch ms), as a store that sums per timestamp hands them over; in time
   * order, these give the buckets `add` would give for the same points. A bad time or value is refused, naming `i`.
   */
  addSums(channel: string, at: number, sums: Readonly<RawSums>, i = 0): void {
    if (!Number.isFinite(at) || at < EARLIEST_DATE || at >= LATEST_DATE) throw new MetricValueError(`Point ${i}: ${at} is not a time`);
    if (typeof channel !== 'string' || !channel) throw new MetricValueError(`Point ${i}: no channel`);
    const start = bucketStart(at, this.every, this.timeZone);
    let buckets = this.byChannel.get(channel);
    for (const metric of RAW_METRICS) {
      const value = sums[metric];
      if (value === undefined) continue;
      if (!buckets) this.byChannel.set(channel, (buckets = new ChannelBuckets()));
      buckets.add(start, metric, value);
      if (this.first === undefined || start < this.first) this.first = start;
      if (this.last === undefined || start > this.last) this.last = start;
    }
  }

  latest(): number | undefined {
    return this.last;
  }

  earliest(): number | undefined {
    return this.first;
  }

  channels(): readonly string[] {
    return [...this.byChannel.keys()].sort();
  }

  bucket(channel: string, start: number): Readonly<RawSums> | undefined {
    return this.byChannel.get(channel)?.sums.get(start);
  }

  totalBefore(channel: string, metric: RawMetric, start: number): number {
    const buckets = this.byChannel.get(channel);
    const opening = this.opening && start >= this.opening.before ? (this.opening.totals[channel]?.[metric] ?? 0) : 0;
    return opening + (buckets ? buckets.totalBefore(metric, start) : 0);
  }
}

/** A store's sums for one channel: at one instant (epoch ms) summed over dimensions, or (`at` null) its total before the window. */
export interface StoredSums {
  channel: string;
  at: number | null;
  sums: Readonly<RawSums>;
}

/**
 * The series a store hands over as sums per channel and timestamp from `from` on (every row when `from` is null), with
 * each channel's totals before `from` as its opening: what the ingest path reads in one statement. Rows may come in any
 * order; they are added in time order, so the buckets are those `fromPoints` gives for the same stored points.
 */
export function seriesFromStore(
  rows: readonly StoredSums[],
  options: { every: number; timeZone: string; from: number | null },
): BucketSeries {
  const totals: Record<string, RawSums> = {};
  const timed: StoredSums[] = [];
  for (const r of rows) {
    if (r.at === null) totals[r.channel] = { ...r.sums };
    else timed.push(r);
  }
  timed.sort((a, b) => a.at! - b.at!);
  const opening = options.from === null ? undefined : { before: options.from, totals };
  const series = new BucketSeries(options.every, options.timeZone, opening);
  timed.forEach((r, i) => series.addSums(r.channel, r.at!, r.sums, i));
  return series;
}

/**
 * One channel's buckets, with prefix sums in time order. Always adding in time order makes a
 * total the same to the last bit however the points arrived, so a late point and a replay agree.
 */
class ChannelBuckets {
  readonly sums = new Map<number, RawSums>();
  /** Bucket starts, sorted; points mostly arrive in order, so inserting is usually an append. */
  private readonly starts: number[] = [];
  /** prefix[i]: the sums of the buckets before starts[i]; valid below `validTo`. */
  private readonly prefix: RawSums[] = [{}];
  private validTo = 1;

  add(start: number, metric: RawMetric, value: number): void {
    let sums = this.sums.get(start);
    const i = lowerBound(this.starts, start);
    if (!sums) {
      this.sums.set(start, (sums = {}));
      this.starts.splice(i, 0, start);
    }
    addToSums(sums, metric, value);
    this.validTo = Math.min(this.validTo, i + 1);
  }

  totalBefore(metric: RawMetric, start: number): number {
    const i = lowerBound(this.starts, start);
    for (let k = this.validTo; k <= i; k++) {
      const next: RawSums = { ...this.prefix[k - 1] };
      addSums(next, this.sums.get(this.starts[k - 1]!)!);
      this.prefix[k] = next;
    }
    this.validTo = Math.max(this.validTo, i + 1);
    return this.prefix[i]![metric] ?? 0;
  }
}

/** The index of the first element not less than `x`. */
function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
