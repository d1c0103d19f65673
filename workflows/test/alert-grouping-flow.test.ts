import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { simulateFlow } from '../src/simulator.ts';
import { validateFlow } from '../src/validator.ts';
import type { DeliverRequest, DeliverResult } from '../src/nodes/deliver.ts';
import type { MonitorCheck, OpenAlert } from '../src/nodes/monitor.ts';
import type { AlertView } from '../src/nodes/escalate.ts';
import type { AlertState } from '../src/monitoring/alert-state.ts';

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const ROBOT = '00000000-0000-4000-8000-0000000000c1';

const at = (id: string, type: string, config: Record<string, unknown>) => ({ id, type, position: { x: 0, y: 0 }, config });
const rule = (id: string, metric: string) => ({ id, kind: 'threshold', metric, op: 'above', value: 10 });

/** The message names what it tells, so the robot's side can check it: the lead alert, why, and every alert in it. */
const TEXT =
  '{{ alert.ruleLabel }}{{ group.more }} {{ alert.alertId }}|{{ group.reason }}|{% for a in alerts %}{{ a.alertId }},{% endfor %}';

/** A watch over three rules; an unanswered escalation goes back to the monitor, which tells a still-firing group again. */
const flow = (grouping?: unknown, ackLoops = false) => ({
  nodes: [
    at('start', 'trigger.manual', {}),
    at('monitor', 'monitoring.monitor', {
      rules: [rule('neg', 'negative_mentions'), rule('cpa', 'cpa'), rule('cpm', 'cpm')],
      // One group per campaign with a minute's wait unless a test says otherwise (the defaults: per rule, no wait).
      grouping: grouping === undefined ? { by: 'campaign', wait: '1m' } : grouping,
    }),
    at('escalate', 'monitoring.escalate', { monitor: 'monitor', levels: [{ connection: ROBOT, ackWithin: '1h' }], text: TEXT }),
    at('cool', 'control.delay', { duration: '1s' }),
    ...(ackLoops ? [] : [at('acked', 'control.end', {})]),
    at('over', 'control.end', {}),
  ],
  edges: [
    ...['neg', 'cpa', 'cpm'].map((h) => ({ id: `m-${h}`, source: 'monitor', sourceHandle: h, target: 'escalate' })),
    { id: 'e1', source: 'start', sourceHandle: 'next', target: 'monitor' },
    { id: 'e2', source: 'monitor', sourceHandle: 'ended', target: 'over' },
    { id: 'e3', source: 'escalate', sourceHandle: 'acknowledged', target: ackLoops ? 'cool' : 'acked' },
    { id: 'e4', source: 'escalate', sourceHandle: 'resolved', target: 'cool' },
    { id: 'e5', source: 'escalate', sourceHandle: 'exhausted', target: 'cool' },
    { id: 'e6', source: 'cool', sourceHandle: 'next', target: 'monitor' },
  ],
});

interface Story {
  /** Relative to the attach: when each alert opens (and, optionally, resolves). */
  alerts: { id: string; ruleId: string; channel: string | null; opensAt: number; resolvesAt?: number }[];
  /** When the lead alert is acknowledged, if ever. */
  ackAt?: number;
  endsAt: number;
}

/**
 * The monitor service on the virtual clock: alerts open at their times (each opening signals the run, as the
 * ingest path does), and the check lists the open ones. Records what reached the robot, and when.
 */
function simulate(story: Story, grouping?: unknown, ackLoops = false) {
  const sends: { at: number; lead: string; alerts: string[]; reason: string; text: string }[] = [];
  let start = 0;
  let attached = false;
  const stateOf = (a: Story['alerts'][number], now: number): AlertState | null => {
    const t = now - start;
    if (t < a.opensAt || (a.resolvesAt !== undefined && t >= a.resolvesAt)) return null;
    return a === story.alerts[0] && story.ackAt !== undefined && t >= story.ackAt ? 'acknowledged' : 'firing';
  };
  const check = (now: number): MonitorCheck => ({
    monitorId: 'm1',
    statuses: [],
    watermark: null,
    open: story.alerts.flatMap((a): OpenAlert[] => {
      const state = stateOf(a, now);
      if (!state) return [];
      return [
        {
          alertId: a.id,
          ruleId: a.ruleId,
          ruleLabel: `${a.ruleId} above 10`,
          ruleText: null,
          channel: a.channel,
          severity: 'warning',
          state,
          firedAt: new Date(Date.UTC(2026, 5, 1) + a.opensAt).toISOString(),
          value: 12,
          threshold: 10,
          unit: '',
          since: start + a.opensAt,
          silenced: false,
        },
      ];
    }),
    nextWakeMs: null,
    ended: now - start >= story.endsAt,
  });
  const opened = story.alerts.flatMap((a) => [a.opensAt, ...(a.resolvesAt === undefined ? [] : [a.resolvesAt])]);
  return simulateFlow(flow(grouping, ackLoops), {
    campaign: { id: 'c1', name: '618', timezone: 'Asia/Shanghai', department: 'E-commerce' },
    notices: [
      ...opened.map((atMs) => ({ atMs, key: 'monitor:m1' })),
      ...(story.ackAt === undefined ? [] : [{ atMs: story.ackAt, key: `alert:${story.alerts[0]!.id}` }]),
      { atMs: story.endsAt, key: 'monitor:m1' },
    ],
    activities: {
      attachMonitor: (_args, _attempt, now) => (attached || ((attached = true), (start = now)), check(now)),
      checkMonitor: (_args, _attempt, now) => check(now),
      detachMonitor: () => undefined,
      readAlert: ([req], _attempt, now): AlertView => {
        const lead = story.alerts.find((a) => a.id === req.alertId)!;
        return {
          alertId: req.alertId,
          state: stateOf(lead, now) ?? 'resolved',
          snoozedUntil: null,
          pageUrl: `https://fd.example/#/alerts/${req.alertId}`,
          ackUrls: {},
          chatAckUrl: null,
        };
      },
      deliverMessages: ([req], _attempt, now): DeliverResult => {
        const r = req as DeliverRequest;
        const vars = r.variables as { alert: { alertId: string }; alerts: { alertId: string }[]; group: { reason: string; more: string } };
        sends.push({
          at: now - start,
          lead: vars.alert.alertId,
          alerts: vars.alerts.map((a) => a.alertId),
          reason: vars.group.reason,
          text: vars.group.more,
        });
        return { kind: 'wecom', sent: 1, failed: 0, outcomes: [] };
      },
    },
  }).then((result) => ({ result, sends }));
}

describe('alert grouping in the monitor node (virtual clock)', () => {
  it('three rules firing within the group wait go out as one message, told again at the repeat interval', async () => {
    const { result, sends } = await simulate({
      alerts: [
        { id: 'a1', ruleId: 'neg', channel: 'douyin_ads', opensAt: 0 },
        { id: 'a2', ruleId: 'cpa', channel: null, opensAt: 20 * S },
        { id: 'a3', ruleId: 'cpm', channel: 'xhs_kol', opensAt: 40 * S },
      ],
      ackAt: 5 * HOUR,
      endsAt: 24 * HOUR,
    });
    expect(result.issues).toBeUndefined();
    // One message at the end of the group wait (1 min from the first alert) with all three; the ladder (1 h) runs out,
    // the monitor watches again, and the unchanged group is told again 4 h after its first message.
    expect(sends.map((s) => [s.at / MIN, s.lead, s.alerts, s.reason])).toEqual([
      [1, 'a1', ['a1', 'a2', 'a3'], 'new'],
      [241, 'a1', ['a1', 'a2', 'a3'], 'repeat'],
    ]);
    expect(result.state!.nodes.monitor!.handle).toBe('neg');
    expect(result.state!.nodes.acked!.status).toBe('completed');
    // Each repeat is one timer of the node, not one per evaluation: two check-ins between the messages at most.
    const t0 = result.calls[0]!.at;
    const between = result.calls.filter((c) => c.name === 'checkMonitor' && c.at - t0 > 62 * MIN && c.at - t0 < 240 * MIN);
    expect(between).toEqual([]);
  });

  it('an alert joining a told group is told after the group interval; one that resolved inside the wait is never told', async () => {
    const { sends } = await simulate(
      {
        alerts: [
          { id: 'a1', ruleId: 'neg', channel: 'douyin_ads', opensAt: 0, resolvesAt: 3 * HOUR },
          { id: 'a0', ruleId: 'cpm', channel: 'xhs_kol', opensAt: 10 * S, resolvesAt: 30 * S },
          { id: 'a2', ruleId: 'cpa', channel: null, opensAt: 70 * MIN, resolvesAt: 3 * HOUR },
        ],
        endsAt: 24 * HOUR,
      },
      { by: 'campaign', wait: '2m', interval: '90m', repeat: '6h' },
    );
    // a0 came and went within the wait. a2 joins at 70 min (the monitor watches again since the ladder ran out at 62);
    // the changed group is told 90 min after its first message, not at once.
    expect(sends.map((s) => [s.at / MIN, s.alerts, s.reason])).toEqual([
      [2, ['a1'], 'new'],
      [92, ['a1', 'a2'], 'changed'],
    ]);
    // The message lists the alerts besides the lead, in plain words.
    expect(sends[1]!.text).toBe('\nFiring with it (1):\n- cpa above 10 on the campaign: 12 against 10\n');
    expect(sends[0]!.text).toBe('');
  });

  it("an ack of the message's first alert quiets the group; the others are reminded at the repeat", async () => {
    const { sends, result } = await simulate(
      {
        alerts: [
          { id: 'a1', ruleId: 'neg', channel: 'douyin_ads', opensAt: 0 },
          { id: 'a2', ruleId: 'cpa', channel: null, opensAt: 20 * S },
          { id: 'a3', ruleId: 'cpm', channel: 'xhs_kol', opensAt: 40 * S },
        ],
        ackAt: 30 * MIN,
        endsAt: 5 * HOUR,
      },
      undefined,
      true,
    );
    expect(result.issues).toBeUndefined();
    // The ack ends the escalation and the monitor watches again: a1 left the group, which is no news; a2 and a3 still
    // fire unanswered, so the repeat (4 h after the first message) tells them, a2 leading.
    expect(sends.map((s) => [s.at / MIN, s.lead, s.alerts, s.reason])).toEqual([
      [1, 'a1', ['a1', 'a2', 'a3'], 'new'],
      [241, 'a2', ['a2', 'a3'], 'repeat'],
    ]);
  });

  it('by rule: each rule is its own group and its own message', async () => {
    const { sends } = await simulate(
      {
        alerts: [
          { id: 'a1', ruleId: 'neg', channel: 'douyin_ads', opensAt: 0, resolvesAt: 2 * HOUR },
          { id: 'a2', ruleId: 'neg', channel: 'xhs_kol', opensAt: 5 * S, resolvesAt: 2 * HOUR },
          { id: 'a3', ruleId: 'cpa', channel: null, opensAt: 10 * S, resolvesAt: 2 * HOUR },
        ],
        endsAt: 24 * HOUR,
      },
      { by: 'rule', wait: '1m' },
    );
    expect(sends.map((s) => [s.at / MIN, s.alerts])).toEqual([
      [1, ['a1', 'a2']],
      [61 + 1 / 60, ['a3']],
    ]);
  });

  it('hostile grouping configs are refused by the validator, never thrown', () => {
    const duration = fc.oneof(fc.string(), fc.constantFrom('0s', '1m', '59s', '2d', '400d', '-1m', '1h30m'), fc.integer(), fc.jsonValue());
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record(
            {
              by: fc.oneof(fc.constantFrom('campaign', 'rule', 'channel'), fc.jsonValue()),
              wait: duration,
              interval: duration,
              repeat: duration,
            },
            { requiredKeys: [] },
          ),
        ),
        (grouping) => {
          const checked = validateFlow(flow(grouping));
          expect(typeof checked.ok).toBe('boolean');
        },
      ),
      { numRuns: 300 },
    );
    const issues = (g: unknown) => (validateFlow(flow(g)) as { issues?: { message: string }[] }).issues?.map((i) => i.message) ?? [];
    expect(issues({ interval: '30s' })).toEqual([expect.stringContaining('At least 1m')]);
    expect(issues({ interval: '1h', repeat: '30m' })).toEqual([expect.stringContaining('At least the group interval')]);
    expect(issues({ wait: '2d' })).toEqual([expect.stringContaining('At most 1d')]);
    expect(issues({ by: 'rule', wait: '0s' })).toEqual([]);
  });
});
