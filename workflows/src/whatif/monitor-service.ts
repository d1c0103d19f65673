import { parseDuration } from '../duration.ts';
import type { MetricPoint } from '../kpi.ts';
import { campaignFacts, type MonitoredCampaign } from '../monitoring/campaign.ts';
import { describeRule } from '../monitoring/describe.ts';
import { toldGroupState, type AlertLike } from '../monitoring/alert-state.ts';
import { replayMonitor } from '../monitoring/replay.ts';
import type { MonitorConfig } from '../monitoring/schema.ts';
import type { FlowAlert, MonitorCheck } from '../nodes/monitor.ts';
import type { AlertView } from '../nodes/escalate.ts';

/** An alert the replay found: when the flow can know of it (its bucket closed) and when it stops firing. */
interface ReplayedAlert {
  alert: FlowAlert;
  knownAt: number;
  resolvedAt: number | null;
}

/**
 * The monitor service as a flow sees it, over a fixed series: each monitor node's rules are run
 * through the production evaluator (replayMonitor) once, and each firing alert is handed to the
 * flow once its bucket has closed on the virtual clock, as the ingest path would signal it.
 * Nobody acknowledges in a what-if: an alert stays firing until its rule resolves.
 */
export class SimulatedMonitors {
  private readonly byNode = new Map<string, ReplayedAlert[]>();
  private readonly alerts = new Map<string, ReplayedAlert>();
  readonly end: number;

  constructor(
    private readonly campaign: MonitoredCampaign,
    private readonly points: readonly MetricPoint[],
  ) {
    const last = points.length ? Date.parse(points[points.length - 1]!.ts) + 3_600_000 : 0;
    this.end = campaignFacts(campaign).end ?? last;
  }

  private replayed(nodeId: string, monitor: MonitorConfig): ReplayedAlert[] {
    let list = this.byNode.get(nodeId);
    if (list) return list;
    const every = parseDuration(monitor.every) ?? 3_600_000;
    const { transitions } = replayMonitor(this.campaign, monitor, this.points);
    const labels = new Map(monitor.rules.map((r) => [r.id, describeRule(r, 'en')]));
    const texts = new Map(monitor.rules.map((r) => [r.id, { en: describeRule(r, 'en'), 'zh-CN': describeRule(r, 'zh-CN') }]));
    list = [];
    const open = new Map<string, ReplayedAlert>();
    for (const t of transitions) {
      const key = `${t.ruleId}:${t.channel ?? '*'}`;
      const at = Date.parse(t.at);
      if (t.to === 'firing' && !open.has(key)) {
        const alert: FlowAlert = {
          alertId: `simulated:${nodeId}:${key}:${t.at}`,
          ruleId: t.ruleId,
          ruleLabel: labels.get(t.ruleId) ?? t.ruleId,
          ruleText: texts.get(t.ruleId) ?? null,
          channel: t.channel,
          severity: t.severity,
          state: 'firing',
          firedAt: t.at,
          value: t.value,
          threshold: t.threshold,
          unit: t.unit,
        };
        const entry = { alert, knownAt: at + every, resolvedAt: null };
        open.set(key, entry);
        list.push(entry);
        this.alerts.set(alert.alertId, entry);
      } else if (t.from === 'firing' && t.to !== 'firing') {
        const entry = open.get(key);
        if (entry) entry.resolvedAt = at + every;
        open.delete(key);
      }
    }
    this.byNode.set(nodeId, list);
    return list;
  }

  /**
   * What attachMonitor and checkMonitor answer for a node at virtual time `now`: every alert firing then, as the
   * service lists them; the node's own grouping decides when the flow is told, as in production.
   */
  check(nodeId: string, monitor: MonitorConfig, now: number): MonitorCheck {
    const list = this.replayed(nodeId, monitor);
    // Nobody acknowledges in a what-if, where a person would have by the campaign's end: after it, only the news of
    // its last bucket is handed over, not repeats of an alert that stays firing (a spent budget line stays spent).
    const over = now >= this.end;
    const firing = list.filter(
      (e) => e.knownAt <= now && (e.resolvedAt === null || e.resolvedAt > now) && (!over || e.knownAt >= this.end),
    );
    const next = list.find((e) => e.knownAt > now)?.knownAt ?? null;
    return {
      monitorId: `simulated:${nodeId}`,
      statuses: [],
      watermark: null,
      open: firing.map((e) => ({ ...e.alert, since: e.knownAt, silenced: false })),
      nextWakeMs: next ?? (now < this.end ? this.end : null),
      // As the service answers: over at the end, whatever still fires; the node tells what is due before it ends.
      ended: over,
    };
  }

  /** As the service reads it: the state of every alert the message told together (see toldGroupState). */
  readAlert(alertId: string, now: number, group: readonly string[] = []): AlertView {
    const stateOf = (id: string): AlertLike => {
      const entry = this.alerts.get(id);
      return { state: entry?.resolvedAt != null && entry.resolvedAt <= now ? 'resolved' : 'firing', snoozedUntil: null };
    };
    const told = [alertId, ...group.filter((id) => id !== alertId && this.alerts.has(id))];
    return {
      alertId,
      state: toldGroupState(told.map(stateOf)).state,
      snoozedUntil: null,
      pageUrl: 'about:blank#simulated',
      ackUrls: {},
      chatAckUrl: null,
    };
  }
}
