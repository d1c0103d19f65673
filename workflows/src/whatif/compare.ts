import type { TimelineEntry, WhatIfSummary } from './timeline.ts';

/** One simulation as the compare view holds it: its summary and the timeline it was counted from. */
export interface ComparedRun {
  summary: WhatIfSummary;
  timeline: readonly TimelineEntry[];
}

/** A distinct alert: its rule, channel and the (event) time it fired, which is what stays the same across two runs. */
export interface ComparedAlert {
  ruleId: string;
  channel: string | null;
  firedAt: string;
  /** When the flow was told of it (virtual time). */
  at: number;
}

/** A count that differs between the two runs. */
export interface CountChange {
  key: string;
  before: number;
  after: number;
}

export interface WhatIfComparison {
  status: { before: string; after: string } | null;
  /** Alerts one run was told of and the other was not (by rule, channel and firing time). */
  alerts: { added: ComparedAlert[]; removed: ComparedAlert[] };
  /** Escalations by node and level, the first notification of an alert as level 1. */
  escalations: (CountChange & { nodeId: string; level: number })[];
  /** Messages sent, by node. */
  messages: (CountChange & { nodeId: string })[];
  /** The summary's other figures: repeats, approvals, webhooks, how long the run took (virtual ms). */
  figures: CountChange[];
  /** When the campaign went live in each, if that differs (null: it did not). */
  launch: { before: number | null; after: number | null } | null;
  same: boolean;
}

const alertKey = (a: ComparedAlert) => `${a.ruleId}\u0000${a.channel ?? ''}\u0000${a.firedAt}`;

function distinctAlerts(timeline: readonly TimelineEntry[]): Map<string, ComparedAlert> {
  const out = new Map<string, ComparedAlert>();
  for (const e of timeline) {
    if (e.kind !== 'alert') continue;
    const alert = (e.output as { alert?: { ruleId?: string; channel?: string | null; firedAt?: string } } | undefined)?.alert;
    const a: ComparedAlert = { ruleId: alert?.ruleId ?? e.label, channel: alert?.channel ?? null, firedAt: alert?.firedAt ?? '', at: e.at };
    // The first telling counts: a repeat of the same alert is not a second one.
    if (!out.has(alertKey(a))) out.set(alertKey(a), a);
  }
  return out;
}

/** Keys of the tallies: a node id, or a node id and an escalation level. */
const SEP = '\u0000';

function tally(timeline: readonly TimelineEntry[], kind: 'escalation' | 'send'): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of timeline) {
    if (e.kind !== kind) continue;
    const key = kind === 'escalation' ? `${e.nodeId}${SEP}${e.label}` : e.nodeId;
    out.set(key, (out.get(key) ?? 0) + (kind === 'send' ? Number(e.label) || 0 : 1));
  }
  return out;
}

function changes(before: Map<string, number>, after: Map<string, number>): CountChange[] {
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  return keys.flatMap((key) => {
    const b = before.get(key) ?? 0;
    const a = after.get(key) ?? 0;
    return a === b ? [] : [{ key, before: b, after: a }];
  });
}

/** The summary's scalar figures, flattened to names the view shows. */
function figuresOf(s: WhatIfSummary): Map<string, number> {
  return new Map<string, number>([
    ['repeats', s.repeats],
    ['approvals.approved', s.approvals.approved],
    ['approvals.rejected', s.approvals.rejected],
    ['approvals.timedOut', s.approvals.timedOut],
    ['webhooks.ok', s.webhooks.ok],
    ['webhooks.failed', s.webhooks.failed],
    ['virtualMs', s.virtualMs],
  ]);
}

/**
 * What differs between two simulations of (usually) two versions of a flow on the same series: which alerts each
 * was told of that the other was not, and how many escalations and messages each node made. Pure: the compare view
 * and its tests call it with two results.
 */
export function compareSummaries(before: ComparedRun, after: ComparedRun): WhatIfComparison {
  const a = distinctAlerts(before.timeline);
  const b = distinctAlerts(after.timeline);
  const byTime = (x: ComparedAlert, y: ComparedAlert) => x.at - y.at || alertKey(x).localeCompare(alertKey(y));
  const comparison: Omit<WhatIfComparison, 'same'> = {
    status: before.summary.status === after.summary.status ? null : { before: before.summary.status, after: after.summary.status },
    alerts: {
      added: [...b.values()].filter((x) => !a.has(alertKey(x))).sort(byTime),
      removed: [...a.values()].filter((x) => !b.has(alertKey(x))).sort(byTime),
    },
    escalations: changes(tally(before.timeline, 'escalation'), tally(after.timeline, 'escalation')).map((c) => {
      const [nodeId = '', level = '0'] = c.key.split(SEP);
      return { ...c, key: `${nodeId} level ${level}`, nodeId, level: Number(level) || 0 };
    }),
    messages: changes(tally(before.timeline, 'send'), tally(after.timeline, 'send')).map((c) => ({ ...c, nodeId: c.key })),
    figures: changes(figuresOf(before.summary), figuresOf(after.summary)),
    launch: before.summary.launchAt === after.summary.launchAt ? null : { before: before.summary.launchAt, after: after.summary.launchAt },
  };
  const same =
    !comparison.status &&
    !comparison.alerts.added.length &&
    !comparison.alerts.removed.length &&
    !comparison.escalations.length &&
    !comparison.messages.length &&
    !comparison.figures.length &&
    !comparison.launch;
  return { ...comparison, same };
}
