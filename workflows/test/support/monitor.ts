import type { MetricPoint, RawMetric } from '../../src/kpi.ts';
import type { Transition } from '../../src/monitoring/index.ts';
import { addLocalDays, HOUR_MS, localDayStart } from '../../src/time.ts';
import { shuffled } from './scenarios.ts';

/**
 * Synthetic series and plain reference computations for the monitor tests. The references are
 * written from the rules' definitions (sums, local days, medians), not from the evaluator's code,
 * so they check it rather than repeat it.
 */

/** Hourly points from `start`: `values(hour, channel)` gives the raw metrics of each hour (absent: nothing reported). */
export function hourly(
  start: number,
  hours: number,
  channels: readonly string[],
  values: (hour: number, channel: string) => Partial<Record<RawMetric, number>> | null,
): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (let h = 0; h < hours; h++) {
    const ts = new Date(start + h * HOUR_MS).toISOString();
    for (const channel of channels) {
      const v = values(h, channel);
      if (v) for (const [metric, value] of Object.entries(v)) out.push({ ts, channel, metric, value });
    }
  }
  return out;
}

/** A compact, comparable line per transition. */
export const line = (t: Transition) => `${t.at} ${t.ruleId} ${t.channel ?? '*'} ${t.from}->${t.to}`;

/** Points regrouped: shuffled inside blocks of `block` points (arrival order scrambled, lateness bounded by the block). */
export function blockShuffled<T>(points: readonly T[], block: number, seed: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < points.length; i += block) out.push(...shuffled(points.slice(i, i + block), seed + i));
  return out;
}

/** The points `held` picks, delivered after `delay` more points of the rest have arrived. */
export function delivered<T>(points: readonly T[], held: (p: T, i: number) => boolean, delay: number): T[] {
  const late: T[] = [];
  const rest: T[] = [];
  let firstLate = -1;
  points.forEach((p, i) => {
    if (held(p, i)) {
      if (firstLate < 0) firstLate = rest.length;
      late.push(p);
    } else rest.push(p);
  });
  if (firstLate < 0) return rest;
  rest.splice(Math.min(rest.length, firstLate + delay), 0, ...late);
  return rest;
}

/** Hourly sums of one metric per channel, by hour start (ms). */
export function hourlySums(points: readonly MetricPoint[], metric: RawMetric): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const p of points) {
    if (p.metric !== metric) continue;
    const t = Date.parse(p.ts);
    let c = out.get(p.channel);
    if (!c) out.set(p.channel, (c = new Map()));
    c.set(t, (c.get(t) ?? 0) + p.value);
  }
  return out;
}

/** The first hour (ISO) at which a channel's cumulative spend, that hour included, reaches `share` of `line`; null if never. */
export function budgetCrossing(points: readonly MetricPoint[], channel: string, line: number, share: number): string | null {
  const hours = [...(hourlySums(points, 'spend').get(channel) ?? new Map<number, number>()).entries()].sort((a, b) => a[0] - b[0]);
  let total = 0;
  for (const [t, v] of hours) {
    total += v;
    if (total / line >= share) return new Date(t).toISOString();
  }
  return null;
}

/**
 * "A ratio KPI more than `by` off the median of the same local day's value on up to `days`
 * previous days, `count` days running": the hours (ISO, each day's last hour) at which that
 * verdict turns true and false. With no previous day, the baseline is the KPI over the 24 hours
 * before the day (given 3 hours of data).
 */
export function sustainedDayVerdicts(
  points: readonly MetricPoint[],
  o: {
    channel: string;
    numerator: RawMetric;
    denominator: RawMetric;
    by: number;
    days: number;
    count: number;
    timeZone: string;
  },
): { fires: string[]; resolves: string[] } {
  const num = hourlySums(points, o.numerator).get(o.channel) ?? new Map<number, number>();
  const den = hourlySums(points, o.denominator).get(o.channel) ?? new Map<number, number>();
  const byDay = new Map<number, { n: number; d: number }>();
  for (const [t, d] of den) {
    const day = localDayStart(t, o.timeZone);
    const s = byDay.get(day) ?? { n: 0, d: 0 };
    s.d += d;
    s.n += num.get(t) ?? 0;
    byDay.set(day, s);
  }
  const days = [...byDay.keys()].sort((a, b) => a - b);
  const value = (day: number) => {
    const s = byDay.get(day);
    return s && s.d > 0 ? s.n / s.d : null;
  };
  const trailingDay = (day: number) => {
    let n = 0;
    let d = 0;
    let hours = 0;
    for (let t = day - 24 * HOUR_MS; t < day; t += HOUR_MS) {
      if (!den.has(t)) continue;
      hours++;
      d += den.get(t)!;
      n += num.get(t) ?? 0;
    }
    return hours >= 3 && d > 0 ? n / d : null;
  };
  const held = new Map<number, boolean | null>();
  for (const day of days) {
    const v = value(day);
    const previous: number[] = [];
    for (let k = 1; k <= o.days; k++) {
      const p = value(addLocalDays(day, -k, o.timeZone));
      if (p !== null) previous.push(p);
    }
    previous.sort((a, b) => a - b);
    const m = previous.length >> 1;
    const median = previous.length === 0 ? trailingDay(day) : previous.length % 2 ? previous[m]! : (previous[m - 1]! + previous[m]!) / 2;
    held.set(day, v === null || median === null || median === 0 ? null : Math.abs(v / median - 1) > o.by);
  }
  const fires: string[] = [];
  const resolves: string[] = [];
  let firing = false;
  // A day is judged once its last hour has been seen: the campaign's last, partial day never is.
  const lastHour = Math.max(...den.keys());
  for (const day of days.filter((d) => addLocalDays(d, 1, o.timeZone) - HOUR_MS <= lastHour)) {
    let verdict: boolean | null = held.get(day) ?? null;
    for (let k = 1; verdict && k < o.count; k++) verdict = held.get(addLocalDays(day, -k, o.timeZone)) === true;
    const at = new Date(addLocalDays(day, 1, o.timeZone) - HOUR_MS).toISOString();
    if (verdict === true && !firing) fires.push(at);
    if (verdict === false && firing) resolves.push(at);
    if (verdict !== null) firing = verdict;
  }
  return { fires, resolves };
}
