import type { JsonValue } from '../json.ts';
import type { MetricPoint } from '../kpi.ts';
import type { MonitoredCampaign } from '../monitoring/campaign.ts';
import type { MonitorConfig } from '../monitoring/schema.ts';
import type { StepEvent } from '../interpreter/ports.ts';
import { campaignFacts } from '../monitoring/campaign.ts';
import { simulateFlow, type SimulatedActivities, type SimulationResult } from '../simulator.ts';
import { DELIVER_ACTIVITY, recipientLabel } from '../nodes/deliver.ts';
import { SimulatedMonitors } from './monitor-service.ts';
import { sumPoints } from '../kpi.ts';
import { simulatedPeople } from '../simulated-people.ts';

/** How a human step answers: approve or reject that many hours after it is asked, or never. */
export type ApprovalResponse = { kind: 'approve'; afterHours: number } | { kind: 'reject'; afterHours: number } | { kind: 'none' };
export type WebhookResponseCode = 200 | 500;

/** How a work task answers (a `human.task`, a review's lesson tasks): done that many hours after it opens, or never (it times out). */
export type TaskResponse = { kind: 'done'; afterHours: number } | { kind: 'none' };

export const DEFAULT_APPROVAL: ApprovalResponse = { kind: 'approve', afterHours: 3 };
export const DEFAULT_TASK: TaskResponse = { kind: 'done', afterHours: 3 };
export const DEFAULT_WEBHOOK: WebhookResponseCode = 200;

export interface ScriptedResponses {
  approvals?: Record<string, ApprovalResponse>;
  /** By node id: a `human.task` node's tasks, or a `campaign.review` node's lesson tasks. */
  tasks?: Record<string, TaskResponse>;
  webhooks?: Record<string, WebhookResponseCode>;
}

/** A side effect a what-if saw, in virtual time: nothing is sent, each is what would have been. */
export type WhatIfEvent =
  | { kind: 'send'; at: number; nodeId: string; sent: number; to: string[] }
  | { kind: 'webhook'; at: number; nodeId: string; status: number; attempt: number }
  | { kind: 'escalation'; at: number; nodeId: string; level: number; round: number; first: boolean; alertId: string }
  | { kind: 'launch'; at: number; nodeId: string };

export interface WhatIfOptions {
  /** The campaign as the run sees it; its timezone, phases, goals and budget are what the rules judge against. */
  campaign: MonitoredCampaign & { id?: string; name?: string; [field: string]: unknown };
  points: readonly MetricPoint[];
  responses?: ScriptedResponses;
  input?: JsonValue;
  /** Virtual start; default the campaign's start, else the series' first point. */
  startAt?: number;
}

export interface WhatIfResult {
  simulation: SimulationResult;
  steps: StepEvent[];
  events: WhatIfEvent[];
  startAt: number;
}

const HOUR = 3_600_000;
/** The latest a scripted answer comes: a year after the task opens. */
export const MAX_ANSWER_HOURS = 8760;
const nodeOfKey = (key: string) => key.split('/')[1] ?? '?';
/** The form bounds the hours; a value from elsewhere (NaN, a year and more) is held to 0–1 year, not trusted. */
const answerDelayMs = (hours: number) => (Number.isFinite(hours) ? Math.min(Math.max(0, hours), MAX_ANSWER_HOURS) : 0) * HOUR;

/** A run of `graph` against a metric series with scripted answers, on virtual time: the editor's what-if. */
export async function simulateWhatIf(graph: unknown, o: WhatIfOptions): Promise<WhatIfResult> {
  const monitors = new SimulatedMonitors(o.campaign, o.points);
  const configs = new Map<string, MonitorConfig>();
  const steps: StepEvent[] = [];
  const events: WhatIfEvent[] = [];
  const approvals = o.responses?.approvals ?? {};
  const webhooks = o.responses?.webhooks ?? {};
  const tasks = o.responses?.tasks ?? {};
  const deciders = new Map<string, string>();
  const facts = campaignFacts(o.campaign);
  const startAt = o.startAt ?? facts.start ?? (o.points[0] ? Date.parse(o.points[0].ts) : Date.UTC(2026, 5, 1));

  const activities: SimulatedActivities = {
    attachMonitor: ([req], _attempt, now) => {
      const monitorId = `simulated:${req.nodeId}`;
      configs.set(monitorId, req.monitor);
      return monitors.check(req.nodeId, req.monitor, now);
    },
    checkMonitor: ([req], _attempt, now) => monitors.check(req.monitorId.slice('simulated:'.length), configs.get(req.monitorId)!, now),
    detachMonitor: () => undefined,
    readAlert: ([req], _attempt, now) => monitors.readAlert(req.alertId, now, req.group),
    recordAlertEvent: ([req]) => {
      const first = req.kind === 'notified';
      events.push({ kind: 'escalation', at: req.at, nodeId: req.nodeId, level: req.level, round: req.round, first, alertId: req.alertId });
    },
    // The KPI node reads the series as the server's sums would: each channel's points in the window.
    sumCampaignMetrics: ([req]) =>
      [...new Set(o.points.map((p) => p.channel))].sort().map((channel) => ({
        channel,
        sums: sumPoints(o.points, { channel, from: req.from, to: req.to }),
      })),
    resolveApprovers: ([req]) => simulatedPeople(req),
    // Who may decide each approval now, so the scripted answer comes from one of them (levels have different people).
    syncApprovalTask: ([view]) => {
      deciders.set(view.nodeId, view.eligible[0]?.id ?? 'sim:nobody');
    },
    notifyApprovers: ([req]) => ({ sent: req.to.length }),
    [DELIVER_ACTIVITY]: ([req], _attempt, now) => {
      const to = req.recipients.length ? req.recipients.map(recipientLabel) : ['channel'];
      events.push({ kind: 'send', at: now, nodeId: req.nodeId, sent: to.length, to: to.slice(0, 20) });
      const outcomes = req.detail ? to.map((recipient) => ({ recipient, status: 'sent' as const, deduplicated: false })) : [];
      return { kind: 'simulated', sent: to.length, failed: 0, outcomes };
    },
    sendWebhook: ([req], attempt, now) => {
      const nodeId = nodeOfKey(req.idempotencyKey);
      const status = webhooks[nodeId] ?? DEFAULT_WEBHOOK;
      events.push({ kind: 'webhook', at: now, nodeId, status, attempt });
      if (status >= 400) throw { message: `HTTP ${status} (scripted)`, nonRetryable: false };
      return { status, body: { simulated: true }, attempt, durationMs: 0 };
    },
    launchCampaign: ([req], _attempt, now) => {
      events.push({ kind: 'launch', at: now, nodeId: req.nodeId });
      return { status: 'live', launchedAt: new Date(now).toISOString(), alreadyLive: false };
    },
  };
  const simulation = await simulateFlow(graph, {
    campaign: { id: 'simulated-campaign', name: 'Simulated campaign', ...o.campaign } as unknown as JsonValue,
    input: o.input ?? {},
    startAt,
    activities,
    maxVirtualMs: Math.max(0, monitors.end - startAt) + 31 * 24 * HOUR,
    onStep: (step) => steps.push(step),
    respondToTask: ({ nodeId }) => {
      const r = approvals[nodeId] ?? DEFAULT_APPROVAL;
      if (r.kind === 'none') return [];
      const decision = r.kind === 'approve' ? 'approve' : 'reject';
      const input = { userId: deciders.get(nodeId), decision, ...(decision === 'reject' ? { comment: 'Rejected in a what-if' } : {}) };
      return [{ afterMs: answerDelayMs(r.afterHours), input }];
    },
    respondToWorkTask: ({ nodeId }) => {
      const r = tasks[nodeId] ?? DEFAULT_TASK;
      return r.kind === 'none' ? null : { afterMs: answerDelayMs(r.afterHours) };
    },
    // The review reads the series as the server's would read the stored metrics: every point before its time.
    reviewPoints: o.points,
  });
  return { simulation, steps, events, startAt };
}
