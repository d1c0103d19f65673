import type { JsonValue } from '../json.ts';
import type { WhatIfEvent, WhatIfResult } from './run.ts';

/** One line of the what-if timeline: a node's execution (with what it read and gave) or a side effect inside one. */
export interface TimelineEntry {
  at: number;
  kind: 'step' | 'approval' | 'alert' | 'send' | 'webhook' | 'escalation' | 'launch' | 'wait';
  nodeId: string;
  execution?: number;
  /** step: the handle taken or "failed"; alert: the rule; approval: the decision; escalation: "level n". */
  label: string;
  input?: JsonValue;
  output?: JsonValue;
  endedAt?: number;
}

const WAIT_TYPES = new Set(['control.delay', 'control.wait_until']);

/**
 * The timeline a what-if shows, in time order (steps and alerts before the effects they caused at the
 * same instant): each node execution from start to end, plus the sends, webhooks, escalations and
 * launch it made, and the alerts monitors handed over.
 */
export function buildTimeline(result: WhatIfResult, nodeTypes: Readonly<Record<string, string>>): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const open = new Map<string, TimelineEntry>();
  for (const s of result.steps) {
    const key = `${s.nodeId}#${s.execution}`;
    if (s.kind === 'start') {
      const type = nodeTypes[s.nodeId] ?? '';
      const entry: TimelineEntry = {
        at: s.at,
        kind: WAIT_TYPES.has(type) ? 'wait' : type === 'approval.request' ? 'approval' : 'step',
        nodeId: s.nodeId,
        execution: s.execution,
        label: '…',
        input: s.input,
      };
      open.set(key, entry);
      entries.push(entry);
      continue;
    }
    const entry = open.get(key);
    if (!entry) continue;
    open.delete(key);
    entry.endedAt = s.at;
    entry.label = s.status === 'failed' ? 'failed' : (s.handle ?? 'done');
    if (s.output !== undefined) entry.output = s.output;
    if (s.error !== undefined) entry.output = { error: s.error };
    const alert = (s.output as { alert?: { ruleId?: string; firedAt?: string } } | undefined)?.alert;
    if (nodeTypes[s.nodeId] === 'monitoring.monitor' && alert && s.handle !== 'ended') {
      entries.push({
        at: s.at,
        kind: 'alert',
        nodeId: s.nodeId,
        execution: s.execution,
        label: alert.ruleId ?? s.handle ?? '',
        output: s.output,
      });
    }
  }
  for (const e of result.events) entries.push(effectEntry(e));
  // Entries from the step stream keep its order (a monitor's alert, then the escalation it starts); effects follow.
  const rank = (e: TimelineEntry) => (e.kind === 'step' || e.kind === 'wait' || e.kind === 'approval' || e.kind === 'alert' ? 0 : 1);
  return entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.at - b.e.at || rank(a.e) - rank(b.e) || a.i - b.i)
    .map(({ e }) => e);
}

function effectEntry(e: WhatIfEvent): TimelineEntry {
  switch (e.kind) {
    case 'send':
      return { at: e.at, kind: 'send', nodeId: e.nodeId, label: `${e.sent}`, output: { to: e.to } };
    case 'webhook':
      return { at: e.at, kind: 'webhook', nodeId: e.nodeId, label: `${e.status}`, output: { status: e.status, attempt: e.attempt } };
    case 'escalation':
      return {
        at: e.at,
        kind: 'escalation',
        nodeId: e.nodeId,
        label: `${e.level}`,
        output: { level: e.level, round: e.round, first: e.first },
      };
    case 'launch':
      return { at: e.at, kind: 'launch', nodeId: e.nodeId, label: new Date(e.at).toISOString() };
  }
}

/** The nodes a run had reached by virtual time `at` (started at or before it): what the scrubber lights up. */
export function nodesReachedBy(timeline: readonly TimelineEntry[], at: number): Set<string> {
  const out = new Set<string>();
  for (const e of timeline) if (e.at <= at) out.add(e.nodeId);
  return out;
}

export interface WhatIfSummary {
  status: string;
  /** Distinct alerts the flow was told of; `repeats`: the times a group still firing was told again. */
  alerts: number;
  repeats: number;
  /** Escalations past the first level, by the level reached (level 1 is the first notification). */
  escalationsByLevel: Record<number, number>;
  notifications: number;
  messages: number;
  webhooks: { ok: number; failed: number };
  launchAt: number | null;
  approvals: { approved: number; rejected: number; timedOut: number };
  virtualMs: number;
}

/** The counts the summary line shows, from the timeline alone. */
export function summarise(result: WhatIfResult, timeline: readonly TimelineEntry[]): WhatIfSummary {
  const s: WhatIfSummary = {
    status: result.simulation.state?.status ?? (result.simulation.ok ? 'completed' : 'invalid'),
    alerts: 0,
    repeats: 0,
    escalationsByLevel: {},
    notifications: 0,
    messages: 0,
    webhooks: { ok: 0, failed: 0 },
    launchAt: null,
    approvals: { approved: 0, rejected: 0, timedOut: 0 },
    virtualMs: result.simulation.virtualMs,
  };
  const told = new Set<string>();
  for (const e of timeline) {
    if (e.kind === 'alert') {
      const out = e.output as { alert?: { alertId?: string }; group?: { reason?: string } } | undefined;
      if (out?.group?.reason === 'repeat') s.repeats++;
      told.add(out?.alert?.alertId ?? `${e.at}`);
      s.alerts = told.size;
    } else if (e.kind === 'send') s.messages += Number(e.label) || 0;
    else if (e.kind === 'webhook') s.webhooks[e.label.startsWith('2') ? 'ok' : 'failed']++;
    else if (e.kind === 'launch') s.launchAt ??= e.at;
    else if (e.kind === 'escalation') {
      const { level, first } = e.output as { level: number; first: boolean };
      if (first) s.notifications++;
      else s.escalationsByLevel[level] = (s.escalationsByLevel[level] ?? 0) + 1;
    } else if (e.kind === 'approval' && e.endedAt !== undefined) {
      if (e.label === 'approved') s.approvals.approved++;
      else if (e.label === 'rejected') s.approvals.rejected++;
      else s.approvals.timedOut++;
    }
  }
  return s;
}
