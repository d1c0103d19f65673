import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RAW_METRICS, type MetricPoint, type RawSums } from '../src/kpi.ts';
import {
  BucketSeries,
  campaignKpiWatch,
  evaluateMonitor,
  monitorConfigSchema,
  planEvaluation,
  seriesFromStore,
  type MonitoredCampaign,
  type MonitorState,
  type StoredSums,
} from '../src/monitoring/index.ts';
import { DAY_MS, HOUR_MS } from '../src/time.ts';

/**
 * The ingest path reads the judged window as sums per channel and timestamp (every metric in one row) with each channel's
 * spend before it (seriesFromStore), where it used to read sums per channel, metric and timestamp with every metric's
 * totals before it (BucketSeries.fromPoints with an opening). Batch after batch, points out of order and replacing
 * earlier ones (last write wins, as the store keeps them), both reads must give the evaluator the same judgement, to the bit.
 */
const START = Date.UTC(2026, 4, 20);
const campaign: MonitoredCampaign = {
  timezone: 'Asia/Shanghai',
  goals: [
    { kpi: 'ctr', target: 0.025 },
    { kpi: 'cpa', target: 45, direction: 'max' },
  ],
  budget: {
    total: 3000,
    lines: [
      { channel: 'web', amount: 1500 },
      { channel: 'app', amount: 1000 },
    ],
  },
  phases: [{ startsAt: new Date(START).toISOString(), endsAt: new Date(START + 20 * DAY_MS).toISOString() }],
  channels: [
    { name: 'web', ctr: 0.03 },
    { name: 'app', ctr: 0.02 },
  ],
};
const monitor = monitorConfigSchema().parse({ ...campaignKpiWatch({ goals: campaign.goals }), lateness: '2d' });

interface Stored {
  channel: string;
  metric: string;
  ts: number;
  dims: string;
  value: number;
}
const keyOf = (p: Stored) => `${p.channel}|${p.metric}|${p.ts}|${p.dims}`;

/** Sums over dimensions per (channel, metric, ts), in the store's order: both reads sum the same rows the same way. */
function perTimestamp(store: Map<string, Stored>) {
  const out = new Map<string, { channel: string; metric: string; ts: number; value: number }>();
  for (const p of store.values()) {
    const k = `${p.channel}|${p.metric}|${p.ts}`;
    const e = out.get(k);
    if (e) e.value += p.value;
    else out.set(k, { channel: p.channel, metric: p.metric, ts: p.ts, value: p.value });
  }
  return [...out.values()];
}

function formerRead(store: Map<string, Stored>, from: number | null): BucketSeries {
  const rows = perTimestamp(store);
  const points: MetricPoint[] = rows
    .filter((r) => from === null || r.ts >= from)
    .sort((a, b) => a.ts - b.ts)
    .map((r) => ({ ts: new Date(r.ts).toISOString(), channel: r.channel, metric: r.metric, value: r.value }));
  const totals: Record<string, RawSums> = {};
  if (from !== null)
    for (const p of store.values())
      if (p.ts < from) {
        const t = (totals[p.channel] ??= {}) as Record<string, number>;
        t[p.metric] = (t[p.metric] ?? 0) + p.value;
      }
  return BucketSeries.fromPoints(points, {
    every: HOUR_MS,
    timeZone: campaign.timezone,
    ...(from === null ? {} : { opening: { before: from, totals } }),
  });
}

function storeRead(store: Map<string, Stored>, from: number | null): BucketSeries {
  const rows = new Map<string, StoredSums & { sums: RawSums }>();
  for (const r of perTimestamp(store)) {
    if (from !== null && r.ts < from) continue;
    const k = `${r.channel}|${r.ts}`;
    let row = rows.get(k);
    if (!row) rows.set(k, (row = { channel: r.channel, at: r.ts, sums: {} }));
    row.sums[r.metric as keyof RawSums] = r.value;
  }
  const before = new Map<string, number>();
  if (from !== null)
    for (const p of store.values()) if (p.ts < from && p.metric === 'spend') before.set(p.channel, (before.get(p.channel) ?? 0) + p.value);
  const opening = [...before].map(([channel, spend]) => ({ channel, at: null, sums: { spend } }));
  // Any order: the store hands rows over unsorted.
  return seriesFromStore([...rows.values()].reverse().concat(opening), { every: HOUR_MS, timeZone: campaign.timezone, from });
}

describe('the ingest path reads the series from the store as sums per channel and timestamp', () => {
  const point = fc.record({
    channel: fc.constantFrom('web', 'app'),
    metric: fc.constantFrom(...RAW_METRICS),
    // Four days of quarter hours: several points a bucket, buckets judged again when late points land.
    ts: fc.integer({ min: 0, max: 4 * 96 - 1 }).map((q) => START + q * 15 * 60_000),
    dims: fc.constantFrom('', '[["region","north"]]'),
    value: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.double({ min: 0, max: 1e6, noNaN: true })),
  });

  it('judges every batch as the former read did: the same transitions, statuses and state, to the bit', () => {
    let transitions = 0;
    let rewound = 0;
    fc.assert(
      fc.property(fc.array(fc.array(point, { minLength: 1, maxLength: 60 }), { minLength: 1, maxLength: 8 }), (batches) => {
        const store = new Map<string, Stored>();
        let former: MonitorState | null = null;
        let current: MonitorState | null = null;
        for (const batch of batches) {
          for (const p of batch) store.set(keyOf(p), p);
          const changedFrom = Math.min(...batch.map((p) => p.ts));
          const watermark = Math.max(...[...store.values()].map((p) => p.ts));
          const planned = planEvaluation(monitor, campaign, current, { changedFrom, watermark }).from;
          expect(planEvaluation(monitor, campaign, former, { changedFrom, watermark }).from).toBe(planned);
          const from = planned === null ? null : Date.parse(planned);
          const a = evaluateMonitor(monitor, campaign, former, { series: formerRead(store, from), changedFrom });
          const b = evaluateMonitor(monitor, campaign, current, { series: storeRead(store, from), changedFrom });
          expect(b).toEqual(a);
          transitions += b.transitions.length;
          rewound += b.retracted.length;
          former = JSON.parse(JSON.stringify(a.state));
          current = JSON.parse(JSON.stringify(b.state));
        }
      }),
      { numRuns: 60 },
    );
    // Not a vacuous equality: the rules fired, and late points took some of it back.
    expect(transitions).toBeGreaterThan(0);
    expect(rewound).toBeGreaterThan(0);
  });

  it('refuses a bad time or value in a row by its index, as points are refused', () => {
    const every = { every: HOUR_MS, timeZone: 'UTC', from: null };
    expect(() => seriesFromStore([{ channel: 'web', at: Number.NaN, sums: { clicks: 1 } }], every)).toThrow(/^Point 0: /);
    expect(() => seriesFromStore([{ channel: 'web', at: START, sums: { clicks: Infinity } }], every)).toThrow(/not a metric value/);
    expect(() => seriesFromStore([{ channel: '', at: START, sums: { clicks: 1 } }], every)).toThrow(/no channel/);
  });
});
