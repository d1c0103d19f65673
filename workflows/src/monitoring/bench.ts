import { HOUR_MS } from '../time.ts';
import type { MetricPoint } from '../kpi.ts';
import type { MonitoredCampaign } from './campaign.ts';
import { evaluateMonitor, type EvaluationResult, type MonitorState } from './evaluate.ts';
import { monitorConfigSchema, type MonitorConfig, type MonitorConfigInput } from './schema.ts';
import { BucketSeries } from './series.ts';
import { campaignKpiWatch } from './templates.ts';

/**
 * A synthetic campaign for benchmarks: `channels` channels reporting every raw metric hourly,
 * with `days` of history already judged. Each `next()` ingests the next hour of every channel and
 * evaluates it, which is the ingest path's common case. No clock here: the bench times it.
 */
export interface MonitorBenchCase {
  monitor: MonitorConfig;
  campaign: MonitoredCampaign;
  series: BucketSeries;
  state: MonitorState;
  /** Evaluates the next hour's batch; returns what the evaluator returned. */
  next(): EvaluationResult;
}

const START = Date.UTC(2026, 4, 20);

export function monitorBenchCase(options: { days?: number; channels?: number; monitor?: MonitorConfigInput } = {}): MonitorBenchCase {
  const days = options.days ?? 30;
  const names = Array.from({ length: options.channels ?? 5 }, (_, i) => `channel_${i + 1}`);
  const campaign: MonitoredCampaign = {
    timezone: 'Asia/Shanghai',
    goals: [
      { kpi: 'ctr', target: 0.025 },
      { kpi: 'cvr', target: 0.03 },
      { kpi: 'cpa', target: 45, direction: 'max' },
    ],
    budget: { total: 1e9, lines: names.map((channel) => ({ channel, amount: 1e8 })) },
    phases: [{ startsAt: new Date(START).toISOString(), endsAt: new Date(START + 400 * 24 * HOUR_MS).toISOString() }],
    channels: names.map((name) => ({ name, ctr: 0.03, cvr: 0.03 })),
  };
  const monitor = monitorConfigSchema().parse(options.monitor ?? campaignKpiWatch({ goals: campaign.goals }));
  const series = new BucketSeries(HOUR_MS, campaign.timezone);
  let seed = 12345;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return 0.9 + (seed / 2 ** 31) * 0.2;
  };
  const hour = (h: number): MetricPoint[] => {
    const ts = new Date(START + h * HOUR_MS).toISOString();
    return names.flatMap((channel) => {
      const impressions = 10_000 * noise();
      const clicks = impressions * 0.03 * noise();
      const conversions = clicks * 0.03 * noise();
      const values = {
        impressions,
        clicks,
        conversions,
        spend: impressions * 0.04 * noise(),
        revenue: conversions * 200 * noise(),
        new_customers: conversions * 0.4 * noise(),
        negative_mentions: 0.5 * noise(),
      };
      return Object.entries(values).map(([metric, value]) => ({ ts, channel, metric, value }));
    });
  };
  let h = 0;
  for (; h < days * 24; h++) series.add(hour(h));
  const bench: MonitorBenchCase = {
    monitor,
    campaign,
    series,
    state: evaluateMonitor(monitor, campaign, null, { series }).state,
    next() {
      const ts = START + h * HOUR_MS;
      series.add(hour(h++));
      const result = evaluateMonitor(monitor, campaign, bench.state, { series, changedFrom: ts });
      bench.state = result.state;
      return result;
    },
  };
  return bench;
}
