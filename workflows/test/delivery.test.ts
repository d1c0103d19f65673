import { describe, expect, it } from 'vitest';
import { simulateFlow } from '../src/simulator.ts';
import type { DeliverRequest, DeliverResult } from '../src/nodes/deliver.ts';

const CONNECTION = '00000000-0000-4000-8000-0000000000c1';
const HOUR = 3_600_000;

const graph = (node: Record<string, unknown>, ok = 'sent') => ({
  nodes: [
    { id: 'start', type: 'trigger.manual', position: { x: 0, y: 0 }, config: {} },
    { id: 'send', position: { x: 0, y: 0 }, ...node },
    { id: 'done', type: 'control.end', position: { x: 0, y: 0 }, config: {} },
    { id: 'oops', type: 'control.end', position: { x: 0, y: 0 }, config: { status: 'failed', reason: 'send failed' } },
  ],
  edges: [
    { id: 'e1', source: 'start', sourceHandle: 'next', target: 'send' },
    { id: 'e2', source: 'send', sourceHandle: ok, target: 'done' },
    { id: 'e3', source: 'send', sourceHandle: 'failed', target: 'oops' },
  ],
});
const sendNode = { type: 'channel.send', config: { connection: CONNECTION, text: 'Hi {{ campaign.name }}' } };
const sent = (_req: DeliverRequest): DeliverResult => ({
  kind: 'wecom',
  sent: 1,
  failed: 0,
  outcomes: [{ recipient: 'channel', status: 'sent', deduplicated: false }],
});

/** The workflow side of delivery on a virtual clock: holds become durable waits, never failures. */
describe('delivery loop', () => {
  it('a message held by quiet hours waits until the window opens, then asks again', async () => {
    const calls: number[] = [];
    const r = await simulateFlow(graph(sendNode), {
      campaign: { id: 'c1', name: '618', timezone: 'Asia/Shanghai' },
      activities: {
        deliverMessages: (args, _attempt, now) => {
          calls.push(now);
          return calls.length === 1
            ? ({
                kind: 'wecom',
                sent: 0,
                failed: 0,
                outcomes: [],
                held: { reason: 'quiet_hours', until: now + 9 * HOUR, pending: 1 },
              } satisfies DeliverResult)
            : sent(args[0] as DeliverRequest);
        },
      },
    });
    expect(r.state!.status).toBe('completed');
    expect(calls).toHaveLength(2);
    expect(calls[1]! - calls[0]!).toBe(9 * HOUR);
    expect(r.state!.nodes.send!.output).toMatchObject({ sent: 1, held: [{ reason: 'quiet_hours' }] });
    // Only what the template reads travels with the delivery.
    const req = r.calls[0]!.args[0] as DeliverRequest;
    expect(req.variables).toEqual({ campaign: { name: '618' } });
    expect(req.timezone).toBe('Asia/Shanghai');
  });

  it("waits as long as the activity's own clock said was left, whatever the run's clock reads", async () => {
    const calls: number[] = [];
    // A worker clock a day behind the run's: `until` is in the run's past, yet the window is still 2 h away.
    const r = await simulateFlow(graph(sendNode), {
      activities: {
        deliverMessages: (args, _attempt, now) => {
          calls.push(now);
          const held = { reason: 'quiet_hours', until: now - 22 * HOUR, pending: 1, waitMs: 2 * HOUR } as const;
          return calls.length === 1
            ? ({ kind: 'wecom', sent: 0, failed: 0, outcomes: [], held } satisfies DeliverResult)
            : sent(args[0] as DeliverRequest);
        },
      },
    });
    expect(r.state!.status).toBe('completed');
    expect(calls[1]! - calls[0]!).toBe(2 * HOUR);
  });

  it('a paused channel waits for the resume notice, not for a timer', async () => {
    const calls: number[] = [];
    const r = await simulateFlow(graph(sendNode), {
      notices: [{ atMs: 5 * 60_000, key: `connection:${CONNECTION}` }],
      activities: {
        deliverMessages: (args, _attempt, now) => {
          calls.push(now);
          return calls.length === 1
            ? ({
                kind: 'wecom',
                sent: 0,
                failed: 0,
                outcomes: [],
                held: { reason: 'paused', until: null, pending: 1 },
              } satisfies DeliverResult)
            : sent(args[0] as DeliverRequest);
        },
      },
    });
    expect(r.state!.status).toBe('completed');
    expect(calls[1]! - calls[0]!).toBe(5 * 60_000);
  });

  it('without a resume it looks again every hour', async () => {
    const calls: number[] = [];
    const r = await simulateFlow(graph(sendNode), {
      activities: {
        deliverMessages: (args, _attempt, now) => {
          calls.push(now);
          return calls.length < 3
            ? ({
                kind: 'wecom',
                sent: 0,
                failed: 0,
                outcomes: [],
                held: { reason: 'paused', until: null, pending: 1 },
              } satisfies DeliverResult)
            : sent(args[0] as DeliverRequest);
        },
      },
    });
    expect(r.state!.status).toBe('completed');
    expect(calls.map((c) => c - calls[0]!)).toEqual([0, HOUR, 2 * HOUR]);
  });

  it('a broadcast sends in batches and keeps only counts for big lists', async () => {
    const recipients = Array.from({ length: 1234 }, (_, i) => `+86138${String(i).padStart(8, '0')}`);
    const r = await simulateFlow(
      graph({ type: 'channel.broadcast', config: { connection: CONNECTION, recipients: 'input.recipients', text: 'Hi', batchSize: 500 } }),
      { input: { recipients } },
    );
    expect(r.state!.status).toBe('completed');
    const batches = r.calls.filter((c) => c.name === 'deliverMessages').map((c) => (c.args[0] as DeliverRequest).recipients.length);
    expect(batches).toEqual([500, 500, 234]);
    expect(r.state!.nodes.send!.output).toMatchObject({ sent: 1234, failed: 0, batches: 3, deliveries: [] });
    // The recipient list is not copied into each batch's variables.
    expect((r.calls[0]!.args[0] as DeliverRequest).variables).toEqual({});
  });

  it('a failed recipient takes the failed path with the provider message; sent ones stay sent', async () => {
    const r = await simulateFlow(
      graph({ type: 'channel.send', config: { connection: CONNECTION, text: 'Hi', to: '+8613800000001, +8613800000002' } }),
      {
        activities: {
          deliverMessages: (): DeliverResult => ({
            kind: 'sms',
            sent: 1,
            failed: 1,
            outcomes: [
              { recipient: '+8613800000001', status: 'sent', deduplicated: false },
              { recipient: '+8613800000002', status: 'failed', deduplicated: false, error: "sms: The 'To' number is not valid (HTTP 400)" },
            ],
          }),
        },
      },
    );
    expect(r.state!.nodes.send).toMatchObject({
      handle: 'failed',
      output: { sent: 1, failed: 1, error: "sms: The 'To' number is not valid (HTTP 400)" },
    });
  });

  it('a dry run with nothing scripted assumes delivery and a successful launch', async () => {
    const r = await simulateFlow(graph({ type: 'campaign.launch', config: { announce: [CONNECTION] } }, 'next'), {
      campaign: { id: 'c1', name: '618', owner: { id: 'u1', name: 'Evan', email: 'evan@x' } },
    });
    expect(r.state!.nodes.send).toMatchObject({ status: 'completed', handle: 'next', output: { status: 'live' } });
  });
});
