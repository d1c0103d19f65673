import {
  baselineBand,
  bucketPoints,
  goalFor,
  isMetricValue,
  isSaneTime,
  lowerIsBetter,
  METRICS,
  metricIdOf,
  metricValue,
  parseMonitor,
  type Goal,
  type MetricId,
  type MetricPoint,
  type MonitoredCampaign,
  type Rule,
} from '@flightdeck/workflows';

/**
 * What a KPI chart draws, from the points and alerts the API sent: a pure function, so the chart
 * component only paints. Every input is treated as hostile (a corrupted answer, a proxy's page):
 * bad points and alerts are left out and counted, never thrown on, and no value is NaN.
 */

/** The fields of an alert the chart reads; the API's Alert fits. */
export interface ChartAlert {
  id: string;
  ruleId: string;
  channel: string | null;
  severity: string;
  firedAt: string;
  acknowledgedAt: string | null;
  /** When the alert opened (wall time): an ack is drawn that long after it fired, on the chart's event-time axis. */
  openedAt?: string;
  /** The unit of the value that fired it (ratio, money, count, ms). */
  unit?: string;
  nodeId?: string | null;
  runId?: string | null;
}

export interface ChartMarker {
  alertId: string;
  kind: 'fired' | 'acked';
  /** Epoch ms, on the chart's axis (event time). */
  at: number;
  /** When it happened, if that is not `at` (an ack is a wall-clock moment; the list says it). */
  when?: number;
  /** Where on the y axis: the series' value at that time, so the marker sits on the line. */
  y: number;
  ruleId: string;
  severity: string;
}

export interface KpiChartInput {
  points: readonly unknown[];
  alerts: readonly unknown[];
  kpi: MetricId;
  /** A channel, or null for the campaign overall. */
  channel: string | null;
  timeZone: string;
  goals?: readonly Goal[];
  /** For budget burn: the channel's budget line or the campaign total. */
  budget?: number | null;
  /** The monitor rules behind the alerts, by rule id (see rulesOfRuns). */
  rules?: ReadonlyMap<string, Rule>;
  /** The campaign, for a deviation rule's baseline band (its zone, plan and budget lines); no band without it. */
  campaign?: MonitoredCampaign;
}

export interface KpiChartModel {
  /** [bucket start ms, value]; buckets where the KPI has no value (a zero denominator) are left out. */
  series: [number, number][];
  target: { value: number; lowerIsBetter: boolean } | null;
  thresholds: { ruleId: string; value: number }[];
  /** A deviation rule's band on this KPI and scope: [bucket start ms, lower, upper, baseline]. */
  band: { ruleId: string; daily: boolean; points: [number, number, number, number][] } | null;
  markers: ChartMarker[];
  /** Points and alerts left out as malformed. */
  skipped: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const timeOf = (v: unknown): number | null => {
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return isSaneTime(t) ? t : null;
};

function goodPoint(p: unknown): p is MetricPoint {
  return (
    isObject(p) &&
    timeOf(p.ts) !== null &&
    typeof p.channel === 'string' &&
    p.channel.length > 0 &&
    typeof p.metric === 'string' &&
    isMetricValue(p.value)
  );
}

function goodAlert(a: unknown): a is ChartAlert {
  return (
    isObject(a) &&
    typeof a.id === 'string' &&
    typeof a.ruleId === 'string' &&
    typeof a.severity === 'string' &&
    (a.channel === null || typeof a.channel === 'string') &&
    timeOf(a.firedAt) !== null &&
    (a.acknowledgedAt === null || a.acknowledgedAt === undefined || timeOf(a.acknowledgedAt) !== null)
  );
}

/** The metric a rule judges: budget rules judge budget burn. */
export function ruleMetric(rule: Rule): MetricId {
  if (rule.kind === 'budget') return 'budget_burn';
  if (rule.kind === 'sustained') return rule.condition.metric;
  return rule.metric;
}

/** The deviation condition a rule judges (alone or sustained), for the band's legend. */
export function deviationCondition(rule: Rule | undefined): Extract<Rule, { kind: 'deviation' }> | { by: number } | null {
  if (!rule) return null;
  if (rule.kind === 'deviation') return rule;
  if (rule.kind === 'sustained' && rule.condition.kind === 'deviation') return rule.condition;
  return null;
}

/** Whether the rule judges this scope: campaign rules the overall line, channel rules each (or their) channel. */
export function ruleCovers(rule: Rule, channel: string | null): boolean {
  if (rule.per === 'campaign') return channel === null;
  return channel !== null && (rule.channels.length === 0 || rule.channels.includes(channel));
}

/** The fixed line a rule draws on its metric's chart, where it has one. */
function ruleLine(rule: Rule, goals: readonly Goal[]): number | null {
  const cond = rule.kind === 'sustained' ? rule.condition : rule;
  if (cond.kind === 'threshold') return cond.value;
  if (cond.kind === 'budget') return cond.share;
  if (cond.kind === 'target' && cond.against === 'goal') {
    const id = cond.goal ? metricIdOf(cond.goal) : cond.metric;
    const goal = id ? goalFor(goals, id) : undefined;
    return goal && goal.by !== 'end' ? goal.target * cond.share : null;
  }
  return null;
}

/**
 * The monitor rules behind alerts: each alert names its run and monitor node, and the run carries
 * the graph it ran, so the rule is read from there rather than guessed from its id.
 */
export function rulesOfRuns(runs: readonly unknown[], alerts: readonly unknown[]): Map<string, Rule> {
  const out = new Map<string, Rule>();
  const nodesOfRun = new Map<string, unknown[]>();
  for (const run of runs) {
    if (isObject(run) && typeof run.id === 'string' && isObject(run.graph) && Array.isArray(run.graph.nodes))
      nodesOfRun.set(run.id, run.graph.nodes);
  }
  for (const a of alerts) {
    if (!goodAlert(a) || !a.runId || !a.nodeId || out.has(a.ruleId)) continue;
    const node = nodesOfRun.get(a.runId)?.find((n) => isObject(n) && n.id === a.nodeId);
    if (!isObject(node) || node.type !== 'monitoring.monitor') continue;
    const parsed = parseMonitor(node.config);
    const rule = parsed.ok ? parsed.monitor.rules.find((r) => r.id === a.ruleId) : undefined;
    if (rule) out.set(rule.id, rule);
  }
  return out;
}

/** The value on the line at `at`: the bucket it falls in or the last one before, else the first. */
function yAt(series: readonly [number, number][], at: number, fallback: number): number {
  if (!series.length) return fallback;
  let y = series[0]![1];
  for (const [t, v] of series) {
    if (t > at) break;
    y = v;
  }
  return y;
}

export function buildKpiChart(input: KpiChartInput): KpiChartModel {
  // A target beyond what a metric may hold (±1e15) is no goal: a line at 1e308 would stretch the axis to Infinity.
  const goals = (input.goals ?? []).filter((g) => isObject(g) && typeof g.kpi === 'string' && isMetricValue(g.target));
  const points = Array.isArray(input.points) ? input.points.filter(goodPoint) : [];
  const alerts = Array.isArray(input.alerts) ? input.alerts.filter(goodAlert) : [];
  let skipped = (Array.isArray(input.points) ? input.points.length : 0) - points.length;
  skipped += (Array.isArray(input.alerts) ? input.alerts.length : 0) - alerts.length;

  const hourly = (timeZone: string) =>
    bucketPoints(points, { every: 'hour', timeZone, ...(input.channel ? { channel: input.channel } : {}) });
  let buckets;
  try {
    buckets = hourly(input.timeZone);
  } catch {
    // Only a zone Intl does not know gets here: the points are good, so draw them in UTC hours.
    buckets = hourly('UTC');
  }
  const budget = typeof input.budget === 'number' && Number.isFinite(input.budget) ? input.budget : null;
  const series: [number, number][] = [];
  for (const b of buckets) {
    const v = metricValue(input.kpi, b.sums, { budget });
    if (v !== null && Number.isFinite(v)) series.push([Date.parse(b.start), v]);
  }

  const goal = goalFor(goals, input.kpi);
  const target = goal && goal.by !== 'end' ? { value: goal.target, lowerIsBetter: lowerIsBetter(goal) } : null;

  const rules = input.rules ?? new Map<string, Rule>();
  const thresholds: KpiChartModel['thresholds'] = [];
  for (const rule of rules.values()) {
    if (ruleMetric(rule) !== input.kpi || !ruleCovers(rule, input.channel)) continue;
    const line = ruleLine(rule, goals);
    if (line !== null && Number.isFinite(line)) thresholds.push({ ruleId: rule.id, value: line });
  }

  const band = bandOf(points, rules, input);

  const fallbackY = target?.value ?? 0;
  const markers: ChartMarker[] = [];
  for (const a of alerts) {
    if ((a.channel ?? null) !== input.channel) continue;
    const rule = rules.get(a.ruleId);
    // An alert whose rule is not known (no run, or its run is gone) still shows on the charts of its scope and unit.
    if (rule ? ruleMetric(rule) !== input.kpi : typeof a.unit === 'string' && a.unit !== METRICS[input.kpi].unit) continue;
    const fired = timeOf(a.firedAt)!;
    markers.push({ alertId: a.id, kind: 'fired', at: fired, y: yAt(series, fired, fallbackY), ruleId: a.ruleId, severity: a.severity });
    const acked = timeOf(a.acknowledgedAt);
    // The axis is event time, the ack a wall-clock moment: a replayed month's alert acked today would stretch the axis to
    // today and squash the data. Drawn as long after the fire as it came after the alert opened (live, the same place).
    const opened = timeOf(a.openedAt);
    const at = acked === null ? null : opened === null ? acked : fired + Math.max(0, acked - opened);
    if (acked !== null && at !== null) {
      const when = at === acked ? {} : { when: acked };
      markers.push({ alertId: a.id, kind: 'acked', at, ...when, y: yAt(series, at, fallbackY), ruleId: a.ruleId, severity: a.severity });
    }
  }
  markers.sort((a, b) => a.at - b.at);
  return { series, target, thresholds, band, markers, skipped };
}

/**
 * The band of the first deviation rule judging this KPI and scope, from the evaluator's own
 * baseline. A campaign the evaluator cannot read (an unknown zone) draws the chart without it.
 */
function bandOf(points: readonly MetricPoint[], rules: ReadonlyMap<string, Rule>, input: KpiChartInput): KpiChartModel['band'] {
  if (!input.campaign) return null;
  for (const rule of rules.values()) {
    if (ruleMetric(rule) !== input.kpi || !ruleCovers(rule, input.channel)) continue;
    let band;
    try {
      band = baselineBand({ points, rule, campaign: input.campaign, channel: input.channel });
    } catch {
      return null;
    }
    if (!band) continue;
    return { ruleId: band.ruleId, daily: band.daily, points: band.points.map((p) => [p.at, p.lower, p.upper, p.baseline]) };
  }
  return null;
}

/** The channels the points name, sorted, for the channel picker. */
export function channelsOf(points: readonly unknown[], declared: readonly string[] = []): string[] {
  const set = new Set(declared.filter((c) => typeof c === 'string' && c));
  if (Array.isArray(points)) for (const p of points) if (goodPoint(p)) set.add(p.channel);
  return [...set].sort();
}

export const metricUnit = (kpi: MetricId) => METRICS[kpi].unit;
