import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { simulateFlow } from '../src/simulator.ts';
import { validateFlow } from '../src/validator.ts';
import type { DeliverRequest, DeliverResult } from '../src/nodes/deliver.ts';
import type { FlowAlert, MonitorCheck } from '../src/nodes/monitor.ts';
import type { AlertView, RecordAlertEventRequest } from '../src/nodes/escalate.ts';
import type { AlertState } from '../src/monitoring/alert-state.ts';

const MIN = 60_000;
const ROBOT = '00000000-0000-4000-8000-0000000000c1';
const ALERT: FlowAlert = {
  alertId: 'a1',
  ruleId: 'negative_spike',
  ruleLabel: 'Negative mentions up 50 %',
  ruleText: null,
  channel: null,
  severity: 'critical',
  state: 'firing',
  firedAt: '2026-06-09T14:00:00.000Z',
  value: 27,
  threshold: 3.3,
  unit: 'count',
};

const at = (id: string, type: string, config: Record<string, unknown>) => ({ id, type, position: { x: 0, y: 0 }, config });
const flow = (escalate: Record<string, unknown>) => ({
  nodes: [
    at('start', 'trigger.manual', {}),
    at('monitor', 'monitoring.monitor', {
      rules: [{ id: 'negative_spike', kind: 'threshold', metric: 'negative_mentions', op: 'above', value: 10 }],
    }),
    at('escalate', 'monitoring.escalate', { monitor: 'monitor', ...escalate }),
    at('acked', 'control.end', {}),
    at('resolved', 'control.end', {}),
    at('exhausted', 'control.end', { status: 'failed', reason: 'nobody acknowledged' }),
    at('over', 'control.end', {}),
  ],
  edges: [
    { id: 'e1', source: 'start', sourceHandle: 'next', target: 'monitor' },
    { id: 'e2', source: 'monitor', sourceHandle: 'negative_spike', target: 'escalate' },
    { id: 'e3', source: 'monitor', sourceHandle: 'ended', target: 'over' },
    { id: 'e4', source: 'escalate', sourceHandle: 'acknowledged', target: 'acked' },
    { id: 'e5', source: 'escalate', sourceHandle: 'resolved', target: 'resolved' },
    { id: 'e6', source: 'escalate', sourceHandle: 'exhausted', target: 'exhausted' },
  ],
});
const levels = [
  { connection: ROBOT, ackWithin: '1h' },
  { people: [{ kind: 'department_head', department: 'campaign' }], ackWithin: '1h' },
  { people: [{ kind: 'role', role: 'admin' }], ackWithin: '2h' },
];
// Opened long before the run looks: its group's wait is over, so the ladder starts at once.
const open = [{ ...ALERT, since: 0, silenced: false }];
const fired: MonitorCheck = { monitorId: 'm1', statuses: [], watermark: null, open, nextWakeMs: null, ended: false };

/** The alert's state over virtual time (relative to the start), and when the server signalled the run about it. */
function simulate(
  escalate: Record<string, unknown>,
  story: { atMs: number; state: AlertState; snoozedUntil?: number }[] = [],
  /** The rate limit holds the first message this long before it goes out. */
  opts: { holdFirstMs?: number } = {},
) {
  const sends: { at: number; level: number; recipients: number; text: string }[] = [];
  const events: RecordAlertEventRequest[] = [];
  let start = 0;
  let held = false;
  return simulateFlow(flow(escalate), {
    campaign: { id: 'c1', name: '618', timezone: 'Asia/Shanghai', department: 'E-commerce' },
    notices: story.map((s) => ({ atMs: s.atMs, key: 'alert:a1' })),
    activities: {
      attachMonitor: (_args, _attempt, now) => ((start = now), fired),
      readAlert: ([req], _attempt, now): AlertView => {
        const latest = story.filter((s) => s.atMs <= now - start).at(-1);
        const snoozedUntil = latest?.snoozedUntil === undefined ? null : new Date(start + latest.snoozedUntil).toISOString();
        const ackUrls = Object.fromEntries((req.people ?? []).map((p) => [p, `https://fd.example/alert-ack?token=${p}`]));
        const chatAckUrl = req.connection ? `https://fd.example/alert-ack?token=room-${req.connection}` : null;
        return {
          alertId: 'a1',
          state: latest?.state ?? 'firing',
          snoozedUntil,
          pageUrl: 'https://fd.example/#/alerts/a1',
          ackUrls,
          chatAckUrl,
        };
      },
      resolveApprovers: ([req]) =>
        req.refs.flatMap((r) =>
          r.kind === 'department_head'
            ? [{ id: 'head', name: 'Hana Head', email: 'hana@example.com' }]
            : [
                { id: 'ad1', name: 'Ada Admin', email: 'ada@example.com' },
                { id: 'ad2', name: 'Abe Admin', email: 'abe@example.com' },
              ],
        ),
      recordAlertEvent: ([req]) => {
        events.push(req as RecordAlertEventRequest);
      },
      deliverMessages: ([req], _attempt, now): DeliverResult => {
        const r = req as DeliverRequest;
        if (opts.holdFirstMs && !held) {
          held = true;
          const until = now + opts.holdFirstMs;
          const kind = 'connectionId' in r.target ? 'wecom' : 'email';
          return { kind, sent: 0, failed: 0, outcomes: [], held: { reason: 'rate_limit', until, waitMs: opts.holdFirstMs, pending: 1 } };
        }
        const level = (r.variables.escalation as { level: number }).level;
        sends.push({ at: now - start, level, recipients: r.recipients.length, text: JSON.stringify(r.variables.alert) });
        return { kind: 'connectionId' in r.target ? 'wecom' : 'email', sent: 1, failed: 0, outcomes: [] };
      },
    },
  }).then((result) => ({ result, sends, events }));
}

describe('escalation policy (PagerDuty semantics, on the virtual clock)', () => {
  it('walks the levels at their ack times and takes `exhausted` after the repeats', async () => {
    const { result, sends } = await simulate({ levels, repeat: 1 });
    expect(result.issues).toBeUndefined();
    expect(result.state!.status).toBe('failed');
    expect(result.state!.nodes.escalate!.output).toMatchObject({ by: null });
    // Level 1 at once, level 2 an hour later, level 3 (two admins, one mail each) an hour after, then the ladder again.
    expect(sends.map((s) => [s.at / MIN, s.level])).toEqual([
      [0, 1],
      [60, 2],
      [120, 3],
      [120, 3],
      [240, 1],
      [300, 2],
      [360, 3],
      [360, 3],
    ]);
  });

  it('an ack stops it at once: no later level hears of it', async () => {
    const { result, sends } = await simulate({ levels, repeat: 2 }, [{ atMs: 75 * MIN, state: 'acknowledged' }]);
    expect(result.state!.status).toBe('completed');
    expect(result.state!.nodes.acked!.status).toBe('completed');
    expect(sends.map((s) => s.level)).toEqual([1, 2]);
    expect(result.virtualMs).toBe(75 * MIN);
  });

  it("a rate-limit hold rides on the ladder's step, with when it began and until when, for the alert's timeline", async () => {
    const { sends, events } = await simulate({ levels: levels.slice(0, 1) }, [{ atMs: 10 * MIN, state: 'acknowledged' }], {
      holdFirstMs: 37_000,
    });
    expect(sends.map((s) => s.at)).toEqual([37_000]);
    expect(events).toHaveLength(1);
    const step = events[0]!;
    expect(step.held).toEqual([{ reason: 'rate_limit', since: expect.any(String), until: expect.any(String) }]);
    expect(Date.parse(step.held![0]!.until!) - Date.parse(step.held![0]!.since)).toBe(37_000);
    expect(step.at - Date.parse(step.held![0]!.since)).toBe(37_000);
  });

  it('a rule that resolves the alert ends the ladder on `resolved`', async () => {
    const { result, sends } = await simulate({ levels }, [{ atMs: 10 * MIN, state: 'resolved' }]);
    expect(result.state!.nodes.resolved!.status).toBe('completed');
    expect(sends).toHaveLength(1);
  });

  it('a snooze holds the ladder until it ends', async () => {
    const { sends } = await simulate({ levels: levels.slice(0, 2) }, [{ atMs: 5 * MIN, state: 'snoozed', snoozedUntil: 180 * MIN }]);
    // Level 2 would have been called at 60 min; the snooze holds it to 180.
    expect(sends.map((s) => [s.at / MIN, s.level])).toEqual([
      [0, 1],
      [180, 2],
    ]);
  });

  it('each person gets a link that acknowledges as them; the robot one that acknowledges for its room', async () => {
    const { sends } = await simulate({ levels }, [{ atMs: 150 * MIN, state: 'acknowledged' }]);
    expect(sends[0]!.text).toContain(`alert-ack?token=room-${ROBOT}`);
    expect(sends[1]!.text).toContain('alert-ack?token=head');
    expect(sends.slice(2).map((s) => s.text.match(/token=(\w+)/)?.[1])).toEqual(['ad1', 'ad2']);
  });

  it('severity picks its own ladder', async () => {
    const { sends } = await simulate({ levels, bySeverity: { critical: [levels[2]] } }, [{ atMs: 30 * MIN, state: 'acknowledged' }]);
    expect(sends.map((s) => [s.level, s.recipients])).toEqual([
      [1, 1],
      [1, 1],
    ]);
  });

  it('hostile configs are refused by the validator, never thrown', () => {
    fc.assert(
      fc.property(
        fc.record({
          monitor: fc.oneof(fc.string(), fc.constant('monitor'), fc.integer()),
          levels: fc.oneof(fc.constant([]), fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 12 }), fc.jsonValue()),
          repeat: fc.oneof(fc.integer(), fc.double(), fc.string()),
          bySeverity: fc.oneof(fc.jsonValue(), fc.constant({ urgent: levels })),
        }),
        (config) => {
          const checked = validateFlow(flow(config));
          expect(typeof checked.ok).toBe('boolean');
        },
      ),
      { numRuns: 200 },
    );
  });
});
