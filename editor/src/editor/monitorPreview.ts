import { MonitorInputError, replayMonitor, type MetricPoint, type MonitorConfig, type MonitoredCampaign } from '@flightdeck/workflows';

/** How often each rule would have fired over stored data, and the first few times it did. */
export interface RuleFirings {
  ruleId: string;
  count: number;
  firings: { at: string; channel: string | null; value: number | null }[];
}

export type PreviewOutcome = { ok: true; rules: RuleFirings[]; points: number } | { ok: false; error: string };

const SHOWN = 5;

/**
 * Replays the monitor over a campaign's points with the evaluator the engine runs, so the preview
 * says what the live monitor would have done. A bad point or campaign is an answer, not a throw.
 */
export function previewMonitor(campaign: MonitoredCampaign, monitor: MonitorConfig, points: readonly MetricPoint[]): PreviewOutcome {
  // The evaluator reads points in time order, as ingest would have delivered them.
  const sorted = [...points].sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  let result;
  try {
    result = replayMonitor(campaign, monitor, sorted);
  } catch (e) {
    if (e instanceof MonitorInputError || e instanceof RangeError) return { ok: false, error: e.message };
    throw e;
  }
  const rules = monitor.rules.map((r): RuleFirings => {
    const fired = result.transitions.filter((t) => t.ruleId === r.id && t.to === 'firing');
    return {
      ruleId: r.id,
      count: fired.length,
      firings: fired.slice(0, SHOWN).map((t) => ({ at: t.at, channel: t.channel, value: t.value })),
    };
  });
  return { ok: true, rules, points: points.length };
}
