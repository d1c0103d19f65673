import { describe, expect, it } from 'vitest';
import { simulateFlow } from '../src/simulator.ts';
import type { DeliverResult } from '../src/nodes/deliver.ts';
import type { MissedAlert, MonitorCheck, OpenAlert } from '../src/nodes/monitor.ts';
import type { AlertView } from '../src/nodes/escalate.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const ROBOT = '00000000-0000-4000-8000-0000000000c1';
const at = (id: string, type: string, config: Record<string, unknown>) => ({ id, type, position: { x: 0, y: 0 }, config });
const rule = (id: string, metric: string) => ({ id, kind: 'threshold', metric, op: 'above', value: 10 });

/** The message names what it tells: the lead alert, why, and every alert in it. */
const TEXT = '{{ alert.alertId }}|{{ group.reason }}|{% for a in alerts %}{{ a.alertId }},{% endfor %}';

/** The Crisis response shape: every rule climbs the ladder, an unanswered ladder loops back to the monitor. */
const watch = (ackWithin: string, repeat: string) => ({
  nodes: [
    at('start', 'trigger.manual', {}),
    at('monitor', 'monitoring.monitor', { rules: [rule('neg', 'negative_mentions'), rule('cpa', 'cpa')], grouping: { repeat } }),
    at('escalate', 'monitoring.escalate', { monitor: 'monitor', levels: [{ connection: ROBOT, ackWithin }], text: TEXT }),
    at('again', 'control.delay', { duration: '1s' }),
    at('over', 'control.end', {}),
  ],
  edges: [
    { id: 'e0', source: 'start', sourceHandle: 'next', target: 'monitor' },
    { id: 'e1', source: 'monitor', sourceHandle: 'neg', target: 'escalate' },
    { id: 'e2', source: 'monitor', sourceHandle: 'cpa', target: 'escalate' },
    { id: 'e3', source: 'monitor', sourceHandle: 'ended', target: 'over' },
    ...['acknowledged', 'resolved', 'exhausted'].map((h) => ({ id: `x-${h}`, source: 'escalate', sourceHandle: h, target: 'again' })),
    { id: 'e4', source: 'again', sourceHandle: 'next', target: 'monitor' },
  ],
});

interface StoryAlert {
  id: string;
  ruleId: string;
  opensAt: number;
  resolvesAt?: number;
}

/** The monitor service on the virtual clock, honouring `missedSince` as the server does; records what the robot got. */
function simulate(alerts: StoryAlert[], endsAt: number, ackWithin: string, repeat: string) {
  const sends: { at: number; lead: string; alerts: string[]; reason: string }[] = [];
  let start: number | undefined;
  const firing = (a: StoryAlert, t: number) => t >= a.opensAt && (a.resolvesAt === undefined || t < a.resolvesAt);
  const view = (a: StoryAlert) => ({
    alertId: a.id,
    ruleId: a.ruleId,
    ruleLabel: `${a.ruleId} above 10`,
    ruleText: null,
    channel: null,
    severity: 'critical' as const,
    firedAt: new Date(Date.UTC(2026, 5, 1) + a.opensAt).toISOString(),
    value: 12,
    threshold: 10,
    unit: '',
  });
  const check = (now: number, missedSince?: number): MonitorCheck => {
    start ??= now;
    const t = now - start;
    const open = alerts
      .filter((a) => firing(a, t))
      .map((a): OpenAlert => ({ ...view(a), state: 'firing', since: start! + a.opensAt, silenced: false }));
    const missed =
      missedSince === undefined
        ? undefined
        : alerts
            .filter((a) => a.resolvesAt !== undefined && a.opensAt >= missedSince - start! && a.resolvesAt <= t)
            .map((a): MissedAlert => ({ ...view(a), state: 'resolved', since: start! + a.opensAt, resolvedAt: start! + a.resolvesAt! }));
    return { monitorId: 'm1', statuses: [], watermark: null, open, nextWakeMs: null, ended: t >= endsAt, ...(missed ? { missed } : {}) };
  };
  const changes = alerts.flatMap((a) => [a.opensAt, ...(a.resolvesAt === undefined ? [] : [a.resolvesAt])]);
  return simulateFlow(watch(ackWithin, repeat), {
    campaign: { id: 'c1', name: '618', timezone: 'Asia/Shanghai', department: 'E-commerce' },
    maxVirtualMs: 30 * 86_400_000,
    notices: [...changes, endsAt].map((atMs) => ({ atMs, key: 'monitor:m1' })),
    activities: {
      attachMonitor: ([req], _attempt, now) => check(now, req.missedSince),
      checkMonitor: ([req], _attempt, now) => check(now, req.missedSince),
      detachMonitor: () => undefined,
      readAlert: ([req], _attempt, now): AlertView => ({
        alertId: req.alertId,
        state: firing(
          alerts.find((a) => a.id === req.alertId)!,
          now - (start ?? now),
        )
          ? 'firing'
          : 'resolved',
        snoozedUntil: null,
        pageUrl: `https://fd.example/#/alerts/${req.alertId}`,
        ackUrls: {},
        chatAckUrl: null,
      }),
      deliverMessages: ([req], _attempt, now): DeliverResult => {
        const vars = req.variables as { alert: { alertId: string }; alerts: { alertId: string }[]; group: { reason: string } };
        sends.push({ at: now - start!, lead: vars.alert.alertId, alerts: vars.alerts.map((a) => a.alertId), reason: vars.group.reason });
        return { kind: 'wecom', sent: 1, failed: 0, outcomes: [] };
      },
    },
  }).then((result) => ({ result, sends }));
}

describe('the monitor watch and the campaign end (virtual clock)', () => {
  it('ends with the campaign though a repeat of an unanswered alert is due at every loop back', async () => {
    // The ladder (4 h) is as long as the repeat interval: each loop back finds the repeat due again.
    const { result, sends } = await simulate([{ id: 'a1', ruleId: 'neg', opensAt: 0 }], 24 * HOUR, '4h', '4h');
    expect(result.issues).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.state!.nodes.over!.status).toBe('completed');
    expect(result.state!.nodes.monitor!.handle).toBe('ended');
    // Told at once, then at every repeat while the campaign ran; none after its end (24 h).
    expect(sends.map((s) => [Math.round(s.at / HOUR), s.reason])).toEqual([
      [0, 'new'],
      [4, 'repeat'],
      [8, 'repeat'],
      [12, 'repeat'],
      [16, 'repeat'],
      [20, 'repeat'],
    ]);
    expect(result.calls.filter((c) => c.name === 'detachMonitor')).toHaveLength(1);
  });

  it('tells once an alert that opened and resolved while the ladder of another was climbing', async () => {
    const { result, sends } = await simulate(
      [
        { id: 'a1', ruleId: 'neg', opensAt: 0 },
        // During a1's hour-long ladder: opens at 10 min, resolves at 40 min, before the monitor looks again (60 min).
        { id: 'a2', ruleId: 'cpa', opensAt: 10 * MIN, resolvesAt: 40 * MIN },
      ],
      6 * HOUR,
      '1h',
      '4h',
    );
    expect(result.ok).toBe(true);
    const told = sends.map((s) => [Math.round(s.at / MIN), s.lead, s.reason]);
    expect(told).toEqual([
      [0, 'a1', 'new'],
      [60, 'a2', 'missed'],
      [240, 'a1', 'repeat'],
    ]);
    // Never twice: a2 is told once, and its message took the escalation's resolved path at once.
    expect(sends.filter((s) => s.alerts.includes('a2'))).toHaveLength(1);
    expect(result.state!.nodes.over!.status).toBe('completed');
  });

  it('an alert opened during a ladder and still firing at the next pass is told as new, not as missed as well', async () => {
    const { sends } = await simulate(
      [
        { id: 'a1', ruleId: 'neg', opensAt: 0 },
        { id: 'a2', ruleId: 'cpa', opensAt: 10 * MIN, resolvesAt: 90 * MIN },
      ],
      3 * HOUR,
      '1h',
      '4h',
    );
    expect(sends.map((s) => [Math.round(s.at / MIN), s.lead, s.reason])).toEqual([
      [0, 'a1', 'new'],
      [60, 'a2', 'new'],
    ]);
  });
});
