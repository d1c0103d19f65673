import { isMetricValue, isRawMetric, metricIdOf, type Goal, type MetricId } from '../kpi.ts';
import { EARLIEST_DATE, isTimeZone, LATEST_DATE } from '../time.ts';

/** What the evaluator reads of a campaign: the engine's campaign view fits as it is. */
export interface MonitoredCampaign {
  /** IANA zone of the campaign's own clock: hours and days are its hours and days. */
  timezone: string;
  goals?: readonly Goal[];
  budget?: { total?: number; lines?: readonly { channel: string; amount: number }[] } | null;
  /** The campaign runs from the first phase's start to the last phase's end. */
  phases?: readonly { startsAt: string; endsAt: string }[];
  /** Each channel's plan: its expected rates (ctr, cvr, cpm, aov, new_share) beside its name. */
  channels?: readonly { name: string; [rate: string]: unknown }[];
}

export class MonitorInputError extends Error {
  override name = 'MonitorInputError';
}

export interface CampaignFacts {
  timeZone: string;
  start: number | null;
  end: number | null;
  goals: readonly Goal[];
  total: number | null;
  /** Budget per channel: the sum of its lines (lines per phase add up). */
  lines: ReadonlyMap<string, number>;
  /** Channels the campaign names (its channel list and budget lines): silence on these counts from the start. */
  declared: readonly string[];
  /** Planned rates per channel, by KPI: what "below expectation" is measured against. */
  plans: ReadonlyMap<string, Partial<Record<MetricId, number>>>;
}

/** The channel entry's rates, as KPIs: fields such as impressions_per_hour are volumes, not rates, and are left out. */
function planOf(channel: { [rate: string]: unknown }): Partial<Record<MetricId, number>> {
  const plan: Partial<Record<MetricId, number>> = {};
  for (const [field, value] of Object.entries(channel)) {
    const id = metricIdOf(field);
    if (id && id !== 'budget_burn' && !isRawMetric(id) && isMetricValue(value)) plan[id] = value;
  }
  return plan;
}

/** Times the evaluator can do zone arithmetic on; outside them a date is a typo, and Intl throws near the ends of Date's range. */
export function isSaneTime(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= EARLIEST_DATE && ms < LATEST_DATE;
}

export function campaignFacts(campaign: MonitoredCampaign): CampaignFacts {
  if (!isTimeZone(campaign.timezone))
    throw new MonitorInputError(`campaign.timezone: "${String(campaign.timezone)}" is not an IANA time zone`);
  const starts = (campaign.phases ?? []).map((p) => Date.parse(p.startsAt)).filter(isSaneTime);
  const ends = (campaign.phases ?? []).map((p) => Date.parse(p.endsAt)).filter(isSaneTime);
  const lines = new Map<string, number>();
  for (const line of campaign.budget?.lines ?? []) {
    if (Number.isFinite(line.amount)) lines.set(line.channel, (lines.get(line.channel) ?? 0) + line.amount);
  }
  const total = campaign.budget?.total;
  const declared = new Set([...(campaign.channels ?? []).map((c) => c.name), ...lines.keys()]);
  return {
    timeZone: campaign.timezone,
    start: starts.length ? Math.min(...starts) : null,
    end: ends.length ? Math.max(...ends) : null,
    goals: (campaign.goals ?? []).filter((g) => Number.isFinite(g.target)),
    total: typeof total === 'number' && Number.isFinite(total) && total > 0 ? total : null,
    lines,
    declared: [...declared].sort(),
    plans: new Map((campaign.channels ?? []).map((c) => [c.name, planOf(c)])),
  };
}
