import { defineNode } from './define.ts';
import { quickActivity } from './resolve-people.ts';
import { monitorConfigSchema, type MonitorConfig, type Severity } from '../monitoring/schema.ts';
import type { RuleStatus } from '../monitoring/evaluate.ts';
import type { ActivityName } from '../activities.ts';
import type { JsonValue } from '../json.ts';
import { groupingTimes, nextNotification, type GroupMemory, type NotificationReason } from '../monitoring/grouping.ts';

export const ATTACH_MONITOR_ACTIVITY = 'attachMonitor' satisfies ActivityName;
export const CHECK_MONITOR_ACTIVITY = 'checkMonitor' satisfies ActivityName;
export const DETACH_MONITOR_ACTIVITY = 'detachMonitor' satisfies ActivityName;

/** The key the ingest path signals when a monitor's rules changed state, so the waiting node looks again. */
export const monitorNoticeKey = (monitorId: string) => `monitor:${monitorId}`;
/** The key the alerts service signals when an alert is acked, resolved or snoozed, so an escalation looks again. */
export const alertNoticeKey = (alertId: string) => `alert:${alertId}`;

import type { AlertState } from '../monitoring/alert-state.ts';

/** An alert as the flow sees it: what fired, where, when (event time) and against what. */
export interface FlowAlert {
  alertId: string;
  ruleId: string;
  /** The rule in plain words: its label, or its condition described. */
  ruleLabel: string;
  /** The rule's condition described per locale (en, zh-CN); null when the alert did not keep it. */
  ruleText: Record<string, string> | null;
  channel: string | null;
  severity: Severity;
  state: AlertState;
  /** Event time: the start of the bucket whose evaluation fired it. */
  firedAt: string;
  value: number | null;
  threshold: number | null;
  unit: string;
}

/** An open alert of the monitor, as grouping needs it. */
export interface OpenAlert extends FlowAlert {
  /** When it became notifiable (opened, or woke from a snooze), epoch ms. */
  since: number;
  /** A silence mutes it now: nobody is told until the silence ends (a wake of the check). */
  silenced: boolean;
}

/** What the monitor hands the flow: the group whose message is due, led by its newest news (its first alert otherwise). */
export interface AlertGroup {
  key: string;
  /** `missed`: alerts that opened and resolved while the flow was elsewhere (an escalation); told once, nothing to ack. */
  reason: NotificationReason | 'missed';
  size: number;
  /** One line per alert, for a message: "label on channel: value against threshold". */
  summary: string;
  /** The lines of the alerts besides the first, after a heading; empty when it is alone (a message template adds it as is). */
  more: string;
  /** A later level's message: how many of the `size` told are still firing (absent while all are). */
  firing?: number;
}

export interface AttachMonitorRequest {
  runId: string;
  nodeId: string;
  /** One monitor per node execution: a retried attach finds the same one. */
  executionKey: string;
  campaignId: string;
  monitor: MonitorConfig;
  /** Epoch ms the previous execution handed its group over: alerts opened and resolved since then come back as `missed`. */
  missedSince?: number;
}

export interface CheckMonitorRequest {
  monitorId: string;
  executionKey: string;
  /** Workflow time: no-data rules judge silence up to it, and the watch ends after the campaign. */
  now: number;
  /** As in AttachMonitorRequest. */
  missedSince?: number;
}

/** An alert that opened and resolved while the flow was elsewhere (an escalation): nobody watching was told of it. */
export interface MissedAlert extends FlowAlert {
  since: number;
  resolvedAt: number;
}

export interface MonitorCheck {
  monitorId: string;
  statuses: RuleStatus[];
  watermark: string | null;
  /**
   * The monitor's open alerts (firing, acknowledged or snoozed; at most OPEN_ALERTS, oldest first). Grouping in the
   * node decides which are told and when: the decision is the workflow's, so a retried call changes nothing.
   */
  open: OpenAlert[];
  /** When a timer must look again though no point arrives (pending, keep-firing, no-data), as epoch ms. */
  nextWakeMs: number | null;
  /** The campaign is over (its last phase ended): the watch stops. */
  ended: boolean;
  /** With `missedSince`: the monitor's alerts opened since then and resolved already (at most OPEN_ALERTS, oldest first). */
  missed?: MissedAlert[];
}

/** Without a wake, look again this often anyway (a lost signal costs at most this). */
const RECHECK_MS = 6 * 60 * 60_000;
/** Open alerts a check hands the node; a monitor has at most 50 rules, each with its channels. */
export const OPEN_ALERTS = 200;
/** Alerts a message lists one by one; the rest are counted. */
const SUMMARY_LINES = 20;

const groupKey = (by: 'campaign' | 'rule', a: FlowAlert) => (by === 'campaign' ? 'campaign' : `rule:${a.ruleId}`);

function summarise(alerts: readonly FlowAlert[]): string {
  const line = (a: FlowAlert) =>
    `- ${a.ruleLabel} on ${a.channel ?? 'the campaign'}: ${a.value ?? '?'}${a.threshold === null ? '' : ` against ${a.threshold}`}`;
  const more = alerts.length > SUMMARY_LINES ? [`and ${alerts.length - SUMMARY_LINES} more`] : [];
  return [...alerts.slice(0, SUMMARY_LINES).map(line), ...more].join('\n');
}

function groupOf(key: string, reason: AlertGroup['reason'], alerts: readonly FlowAlert[]): AlertGroup {
  const others = alerts.slice(1);
  const more = others.length ? `\nFiring with it (${others.length}):\n${summarise(others)}\n` : '';
  return { key, reason, size: alerts.length, summary: summarise(alerts), more };
}

/**
 * A grouped message as a later level of its ladder tells it: led by the first alert still firing (the first one may be
 * acknowledged by now), the others after it, and the heading saying how many are told and how many still fire. Without
 * `firing` (an answer from before it was reported) or while every one fires, it is the group as it was handed over.
 */
export function toldNow(
  handedLead: FlowAlert,
  group: AlertGroup,
  alerts: readonly FlowAlert[],
  firing: readonly string[] | undefined,
): { lead: FlowAlert; alerts: FlowAlert[]; group: AlertGroup } {
  const still = new Set(firing ?? []);
  const open = alerts.filter((a) => still.has(a.alertId)).length;
  if (!firing || alerts.length < 2 || open === alerts.length) return { lead: handedLead, alerts: [...alerts], group };
  const lead = still.has(handedLead.alertId) ? handedLead : (alerts.find((a) => still.has(a.alertId)) ?? handedLead);
  const ordered = [lead, ...alerts.filter((a) => a.alertId !== lead.alertId)];
  const others = ordered.slice(1);
  const more = `\n${alerts.length} alerts told together, ${open} still firing. With it (${others.length}):\n${summarise(others)}\n`;
  return { lead, alerts: ordered, group: { ...group, size: alerts.length, summary: summarise(ordered), more, firing: open } };
}

/** What one execution of the node leaves the next (in its detail) or a continued-as-new run (in its park position). */
interface CarriedWatch {
  grouping?: unknown;
  missed?: unknown;
  /** When the execution handed a group to the flow (epoch ms): the next one asks what opened and resolved since. */
  handedAt?: unknown;
}

/** Patch ids (Temporal's patched()): histories recorded before these changes replay on the old path. */
export const END_WINS_OVER_REPEATS = 'monitor-end-wins-over-repeats';
export const TELL_MISSED_ALERTS = 'monitor-tells-missed-alerts';
const patchedIn = (ports: { patched?(id: string): boolean }, id: string) => ports.patched?.(id) ?? true;

const flowAlert = ({ since: _since, silenced: _silenced, resolvedAt: _resolvedAt, ...a }: FlowAlert & Partial<MissedAlert & OpenAlert>) =>
  a as FlowAlert;
const byFiredAt = (a: FlowAlert, b: FlowAlert) => a.firedAt.localeCompare(b.firedAt) || a.alertId.localeCompare(b.alertId);

function missedOf(v: unknown): MissedAlert[] {
  return Array.isArray(v) ? (v as MissedAlert[]) : [];
}

/**
 * Adds the alerts a check says were missed to the queue, once each. Only those that lasted the group's wait: a
 * watching monitor would not have told a shorter one either (it resolved inside the wait).
 */
export function enqueueMissed(queue: readonly MissedAlert[], missed: readonly MissedAlert[], groupWaitMs: number): MissedAlert[] {
  const queued = new Set(queue.map((a) => a.alertId));
  const fresh = missed.filter((a) => !queued.has(a.alertId) && a.resolvedAt - a.since >= groupWaitMs);
  return fresh.length ? [...queue, ...fresh].slice(0, OPEN_ALERTS) : [...queue];
}

/** The grouping memory a previous execution left (a loop back) or a parked one carried over (continue-as-new). */
function memoryOf(v: unknown): Record<string, GroupMemory> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  return v as Record<string, GroupMemory>;
}

export const monitor = defineNode({
  type: 'monitoring.monitor',
  family: 'monitoring',
  configSchema: monitorConfigSchema,
  handles: (config) => [...(config.rules ?? []).map((r) => r.id), 'ended'],
  hasInput: true,
  editor: {
    icon: '📈',
    color: '#dc2626',
    dynamicHandles: true,
    defaultConfig: {
      every: '1h',
      rules: [{ id: 'ctr_low', kind: 'target', metric: 'ctr', share: 0.8, severity: 'warning', for: '3h' }],
    },
  },
  text: {
    en: {
      title: 'KPI monitor',
      description:
        "Watches the run's campaign's metrics as they arrive and takes a rule's handle when that rule fires. " +
        'Loop back to it to keep watching; it ends when the campaign does.',
      fields: {
        every: { label: 'Evaluate every' },
        lateness: { label: 'Late points accepted for' },
        rules: { label: 'Rules' },
        grouping: { label: 'Grouping' },
      },
      handles: { ended: 'campaign ended' },
    },
    'zh-CN': {
      title: 'KPI 监控',
      description: '在指标到达时监控本次运行所属活动的数据；某条规则触发时走该规则的出口。连回此节点可继续监控，活动结束时结束。',
      fields: {
        every: { label: '评估周期' },
        lateness: { label: '迟到数据接受期' },
        rules: { label: '规则' },
        grouping: { label: '告警分组' },
      },
      handles: { ended: '活动已结束' },
    },
  },
  docs:
    'Rules are judged in event time by the ingest path (`POST /api/campaigns/:id/metrics`), in the same transaction as the ' +
    'points; the run is signalled only when a rule changes state, and keeps one durable timer for pending, keep-firing and ' +
    'no-data periods. Firing alerts are handed to the flow in groups, as Alertmanager sends them: by default every rule ' +
    "of the campaign together (`grouping.by: rule`: one group per rule). A new group waits `grouping.wait` (1m) so a batch's " +
    'alerts arrive in one message; a group a new alert joined is handed over again no sooner than `grouping.interval` ' +
    '(15m) after its last hand-over (one leaving it, acknowledged or resolved, is no news), and what still fires ' +
    'unacknowledged in it every `grouping.repeat` (4h) when the flow loops ' +
    "back. The group leaves on its first alert's rule handle, with `nodes.<id>.output.alert` (the first), `.alerts` (all) " +
    'and `.group` (`reason`: new, changed or repeat; `size`; `summary` and `more`, its alerts in plain words). Alerts stay ' +
    'open until acknowledged or resolved, whatever the flow does next.',
  needsCampaign: () => "it watches the run's campaign's metrics",
  async execute({ config, ports, scope, node, executionKey, setDetail, park, unpark, resume, peers }) {
    const campaignId = (scope.campaign as { id?: string } | null)?.id;
    if (!campaignId) throw new Error("A monitor watches the run's campaign; this run has none");
    const runId = (scope.run as { id: string }).id;
    const parked = resume as (CarriedWatch & { monitorId?: unknown; seen?: unknown }) | undefined;
    const times = groupingTimes(config.grouping);
    const by = config.grouping.by;
    // Groups told before live in the node's detail: the next loop (or the next run, parked) picks them up.
    const carried = parked ?? (peers()[node.id]?.detail as CarriedWatch | undefined);
    let memory = memoryOf(carried?.grouping);
    let queue = missedOf(carried?.missed);
    const handedAt = typeof carried?.handedAt === 'number' ? carried.handedAt : undefined;
    let check: MonitorCheck;
    // Zero, not the count now: a signal sent between the attach and this line is newer than what the attach read.
    // A needless look costs one activity; a missed one, an alert that waits for the recheck.
    let seen = 0;
    if (typeof parked?.monitorId === 'string') {
      // Continued as new: the rules' state is in PostgreSQL; look once, since a signal may have come during the hand-over.
      seen = typeof parked.seen === 'number' ? parked.seen : 0;
      const again: CheckMonitorRequest = { monitorId: parked.monitorId, executionKey, now: ports.now() };
      check = await ports.callActivity(CHECK_MONITOR_ACTIVITY, [again], quickActivity);
    } else {
      // Looping back after a hand-over: what opened and resolved while the flow was elsewhere comes back as missed.
      const since = handedAt === undefined ? {} : { missedSince: handedAt };
      const request: AttachMonitorRequest = { runId, nodeId: node.id, executionKey, campaignId, monitor: config, ...since };
      check = await ports.callActivity(ATTACH_MONITOR_ACTIVITY, [request], quickActivity);
    }
    if (typeof check?.monitorId !== 'string') throw new Error('The monitor service attached no monitor');
    const key = monitorNoticeKey(check.monitorId);
    for (;;) {
      const open = check.open ?? [];
      queue = enqueueMissed(queue, check.missed ?? [], times.groupWaitMs);
      const grouped = open.map((a) => ({ id: a.alertId, groupKey: groupKey(by, a), state: a.state, silenced: a.silenced, since: a.since }));
      const toldBefore = memory;
      const plan = nextNotification(grouped, memory, ports.now(), times);
      // Once the campaign is over a repeat is no news: with a ladder as long as the repeat interval and nobody
      // acknowledging, a repeat would be due at every loop back, and the watch would never end.
      const stale = plan.due?.reason === 'repeat' && check.ended && patchedIn(ports, END_WINS_OVER_REPEATS);
      const due = stale ? null : plan.due;
      memory = stale ? toldBefore : plan.memory;
      const detail = (handed?: number): JsonValue =>
        ({
          monitorId: check.monitorId,
          watermark: check.watermark,
          statuses: check.statuses,
          grouping: memory,
          ...(queue.length ? { missed: queue } : {}),
          ...(handed === undefined ? {} : { handedAt: handed }),
        }) as unknown as JsonValue;
      setDetail(detail());
      if (due) {
        const ids = new Set(due.firing);
        const alerts: FlowAlert[] = open
          .filter((a) => ids.has(a.alertId))
          .map(flowAlert)
          .sort(byFiredAt);
        const group = groupOf(due.groupKey, due.reason, alerts);
        // The news leads: an alert that joined a group told before takes the handle, so the flow branches on what
        // just fired (a 3-day rule joining the CTR alert of its campaign starts the optimisation review).
        const told = new Set(toldBefore[due.groupKey]?.notified ?? []);
        const lead = alerts.find((a) => !told.has(a.alertId)) ?? alerts[0]!;
        setDetail(detail(ports.now()));
        return { handle: lead.ruleId, output: { alert: lead, alerts, group } as unknown as JsonValue };
      }
      if (queue.length && patchedIn(ports, TELL_MISSED_ALERTS)) {
        // One group per hand-over, as for firing ones; the rest stay queued for the next pass.
        const first = groupKey(by, queue[0]!);
        const alerts = queue.filter((a) => groupKey(by, a) === first);
        queue = queue.filter((a) => groupKey(by, a) !== first);
        const told = alerts.map(flowAlert).sort(byFiredAt);
        setDetail(detail(ports.now()));
        return {
          handle: told[0]!.ruleId,
          output: { alert: told[0]!, alerts: told, group: groupOf(first, 'missed', told) } as unknown as JsonValue,
        };
      }
      if (check.ended) {
        await ports.callActivity(DETACH_MONITOR_ACTIVITY, [{ monitorId: check.monitorId }], quickActivity);
        return { handle: 'ended', output: { statuses: check.statuses } as unknown as JsonValue };
      }
      // One timer for everything: the rules' own wakes and the next group message due (a wait, an interval, a repeat).
      const wakeAt = [check.nextWakeMs, plan.nextDueAt].filter((t): t is number => t !== null);
      const wait = wakeAt.length ? Math.min(RECHECK_MS, Math.max(1, Math.min(...wakeAt) - ports.now())) : RECHECK_MS;
      // The wait is the hand-over point of a continue-as-new: the next run resumes here with what was seen.
      park({ monitorId: check.monitorId, seen, grouping: memory, ...(queue.length ? { missed: queue } : {}) } as unknown as JsonValue);
      await ports.waitForNotice(key, wait, seen);
      unpark();
      // Counted before the call that reads the state, so a signal sent while it runs is not missed.
      seen = ports.noticeCount(key);
      const next: CheckMonitorRequest = { monitorId: check.monitorId, executionKey, now: ports.now() };
      check = await ports.callActivity(CHECK_MONITOR_ACTIVITY, [next], quickActivity);
    }
  },
});
