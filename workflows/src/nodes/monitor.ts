import { defineNode } from './define.ts';
import { quickActivity } from './resolve-people.ts';
import { monitorConfigSchema, type MonitorConfig, type Severity } from '../monitoring/schema.ts';
import type { RuleStatus } from '../monitoring/evaluate.ts';
import type { ActivityName } from '../activities.ts';
import type { JsonValue } from '../json.ts';

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
  ruleLabel: string;
  channel: string | null;
  severity: Severity;
  state: AlertState;
  /** Event time: the start of the bucket whose evaluation fired it. */
  firedAt: string;
  value: number | null;
  threshold: number | null;
  unit: string;
}

export interface AttachMonitorRequest {
  runId: string;
  nodeId: string;
  /** One monitor per node execution: a retried attach finds the same one. */
  executionKey: string;
  campaignId: string;
  monitor: MonitorConfig;
}

export interface CheckMonitorRequest {
  monitorId: string;
  executionKey: string;
  /** Workflow time: no-data rules judge silence up to it, and the watch ends after the campaign. */
  now: number;
}

export interface MonitorCheck {
  monitorId: string;
  statuses: RuleStatus[];
  watermark: string | null;
  /**
   * The oldest firing alert of this monitor not yet handed to the flow, now claimed by this
   * execution (a retried call gets the same one back); null when there is none.
   */
  fired: FlowAlert | null;
  /** When a timer must look again though no point arrives (pending, keep-firing, no-data), as epoch ms. */
  nextWakeMs: number | null;
  /** The campaign is over (its last phase ended): the watch stops. */
  ended: boolean;
}

/** Without a wake, look again this often anyway (a lost signal costs at most this). */
const RECHECK_MS = 6 * 60 * 60_000;

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
      fields: { every: { label: 'Evaluate every' }, lateness: { label: 'Late points accepted for' }, rules: { label: 'Rules' } },
      handles: { ended: 'campaign ended' },
    },
    'zh-CN': {
      title: 'KPI 监控',
      description: '在指标到达时监控本次运行所属活动的数据；某条规则触发时走该规则的出口。连回此节点可继续监控，活动结束时结束。',
      fields: { every: { label: '评估周期' }, lateness: { label: '迟到数据接受期' }, rules: { label: '规则' } },
      handles: { ended: '活动已结束' },
    },
  },
  docs:
    'Rules are judged in event time by the ingest path (`POST /api/campaigns/:id/metrics`), in the same transaction as the ' +
    'points; the run is signalled only when a rule changes state, and keeps one durable timer for pending, keep-firing and ' +
    "no-data periods. Each firing alert is handed to the flow once, on its rule's handle, with the alert as the output " +
    '(`nodes.<id>.output.alert`). Alerts stay open until acknowledged or resolved, whatever the flow does next.',
  needsCampaign: () => "it watches the run's campaign's metrics",
  async execute({ config, ports, scope, node, executionKey, setDetail, park, unpark, resume }) {
    const campaignId = (scope.campaign as { id?: string } | null)?.id;
    if (!campaignId) throw new Error("A monitor watches the run's campaign; this run has none");
    const runId = (scope.run as { id: string }).id;
    const parked = resume as { monitorId?: unknown; seen?: unknown } | undefined;
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
      const request: AttachMonitorRequest = { runId, nodeId: node.id, executionKey, campaignId, monitor: config };
      check = await ports.callActivity(ATTACH_MONITOR_ACTIVITY, [request], quickActivity);
    }
    if (typeof check?.monitorId !== 'string') throw new Error('The monitor service attached no monitor');
    const key = monitorNoticeKey(check.monitorId);
    for (;;) {
      setDetail({ monitorId: check.monitorId, watermark: check.watermark, statuses: check.statuses } as unknown as JsonValue);
      if (check.fired) return { handle: check.fired.ruleId, output: { alert: check.fired } as unknown as JsonValue };
      if (check.ended) {
        await ports.callActivity(DETACH_MONITOR_ACTIVITY, [{ monitorId: check.monitorId }], quickActivity);
        return { handle: 'ended', output: { statuses: check.statuses } as unknown as JsonValue };
      }
      const wait = check.nextWakeMs === null ? RECHECK_MS : Math.min(RECHECK_MS, Math.max(1, check.nextWakeMs - ports.now()));
      // The wait is the hand-over point of a continue-as-new: the next run resumes here with what was seen.
      park({ monitorId: check.monitorId, seen });
      await ports.waitForNotice(key, wait, seen);
      unpark();
      // Counted before the call that reads the state, so a signal sent while it runs is not missed.
      seen = ports.noticeCount(key);
      const next: CheckMonitorRequest = { monitorId: check.monitorId, executionKey, now: ports.now() };
      check = await ports.callActivity(CHECK_MONITOR_ACTIVITY, [next], quickActivity);
    }
  },
});
