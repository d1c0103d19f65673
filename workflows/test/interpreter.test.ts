import { describe, expect, it } from 'vitest';
import { simulateFlow, type SimulatedActivities, type SimulationOptions, type SimulationResult } from '../src/simulator.ts';
import { FlowInterpreter, MAX_NODE_EXECUTIONS } from '../src/interpreter/interpreter.ts';
import type { RuntimePorts } from '../src/interpreter/ports.ts';
import type { RunState } from '../src/interpreter/state.ts';
import { TERMINAL_RUN_STATUSES } from '../src/interpreter/state.ts';
import { validateFlow } from '../src/validator.ts';
import { WEBHOOK_ACTIVITY, type WebhookRequest, type WebhookResponse } from '../src/nodes/webhook.ts';
import { getNodeType } from '../src/nodes/index.ts';
import type { FlowDocumentInput } from '../src/flow.ts';
import { condition, delay, edge, end, flow, trigger, webhook } from './helpers.ts';

const START = Date.UTC(2026, 5, 1);
const SECOND = 1_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const WEEK = 7 * DAY;

async function run(doc: FlowDocumentInput, options: SimulationOptions = {}): Promise<SimulationResult & { state: RunState }> {
  const result = await simulateFlow(doc, options);
  if (!result.ok || !result.state) throw new Error(`Simulation did not finish: ${JSON.stringify(result.issues ?? result)}`);
  return result as SimulationResult & { state: RunState };
}

function webhookFake(answer: (req: WebhookRequest, attempt: number) => WebhookResponse | Promise<WebhookResponse>): SimulatedActivities {
  return { [WEBHOOK_ACTIVITY]: ([req], attempt) => answer(req, attempt) };
}

const branchFlow = () =>
  flow(
    [
      trigger(),
      condition('c', 'input.amount > 100'),
      webhook('big'),
      webhook('big_followup'),
      end('big_end'),
      webhook('small'),
      delay('small_wait', '1d'),
      end('small_end'),
    ],
    [
      edge('t', 'c'),
      edge('c', 'big', 'true'),
      edge('big', 'big_followup', 'sent'),
      edge('big_followup', 'big_end', 'sent'),
      edge('c', 'small', 'false'),
      edge('small', 'small_wait', 'sent'),
      edge('small_wait', 'small_end'),
    ],
  );

describe('interpreter: a linear flow', () => {
  const doc = flow(
    [trigger(), webhook('w'), delay('d', '2h'), end('e', { reason: 'All done' })],
    [edge('t', 'w'), edge('w', 'd', 'sent'), edge('d', 'e')],
  );

  it('completes with every node completed, its handle, output and timing', async () => {
    const { state, calls, virtualMs } = await run(doc, {
      activities: webhookFake(() => ({ status: 200, body: { ok: true }, attempt: 1, durationMs: 12 })),
    });
    expect(state.status).toBe('completed');
    expect(state.reason).toBe('All done');
    expect(state.startedAt).toBe(START);
    expect(state.endedAt).toBe(START + 2 * HOUR);
    expect(virtualMs).toBe(2 * HOUR);
    expect(state.nodes.t).toMatchObject({
      status: 'completed',
      executions: 1,
      handle: 'next',
      startedAt: START,
      endedAt: START,
      durationMs: 0,
    });
    expect(state.nodes.w).toMatchObject({
      status: 'completed',
      handle: 'sent',
      output: { status: 200, body: { ok: true }, attempt: 1, durationMs: 12 },
      startedAt: START,
      durationMs: 0,
    });
    expect(state.nodes.d).toMatchObject({
      status: 'completed',
      handle: 'next',
      output: { waitedMs: 2 * HOUR },
      startedAt: START,
      endedAt: START + 2 * HOUR,
      durationMs: 2 * HOUR,
    });
    expect(state.nodes.e).toMatchObject({ status: 'completed', output: { status: 'completed' }, startedAt: START + 2 * HOUR });
    expect(calls).toHaveLength(1);
  });

  it('sends the webhook request built from the node config', async () => {
    const { calls } = await run(doc);
    expect(calls[0]).toMatchObject({ name: WEBHOOK_ACTIVITY, attempt: 1, at: START, outcome: 'ok' });
    expect(calls[0]!.args).toEqual([
      {
        url: 'https://hooks.example.test/w',
        method: 'POST',
        headers: {},
        body: {},
        timeoutMs: 10 * SECOND,
        idempotencyKey: 'simulation/w/1',
      },
    ]);
  });

  it('ends as completed without an end node, when the last token finishes', async () => {
    const { state } = await run(flow([trigger(), webhook('w')], [edge('t', 'w')]));
    expect(state.status).toBe('completed');
    expect(state.reason).toBeUndefined();
    expect(state.nodes.w!.status).toBe('completed');
  });

  it('honours startAt', async () => {
    const { state } = await run(doc, { startAt: 0 });
    expect(state.startedAt).toBe(0);
    expect(state.endedAt).toBe(2 * HOUR);
  });
});

describe('interpreter: conditions', () => {
  it('takes the true branch and skips the whole false branch', async () => {
    const { state } = await run(branchFlow(), { input: { amount: 150 } });
    expect(state.status).toBe('completed');
    expect(state.nodes.c).toMatchObject({ status: 'completed', handle: 'true', output: { result: true } });
    for (const id of ['big', 'big_followup', 'big_end']) expect(state.nodes[id]!.status, id).toBe('completed');
    for (const id of ['small', 'small_wait', 'small_end']) expect(state.nodes[id], id).toEqual({ status: 'skipped', executions: 0 });
  });

  it('takes the false branch and skips the whole true branch', async () => {
    const { state, virtualMs } = await run(branchFlow(), { input: { amount: 50 } });
    expect(state.nodes.c).toMatchObject({ handle: 'false', output: { result: false } });
    for (const id of ['small', 'small_wait', 'small_end']) expect(state.nodes[id]!.status, id).toBe('completed');
    for (const id of ['big', 'big_followup', 'big_end']) expect(state.nodes[id]!.status, id).toBe('skipped');
    expect(virtualMs).toBe(DAY);
  });

  it('marks the branch not taken as skipped while the run is still going (live view)', async () => {
    const validated = validateFlow(branchFlow());
    if (!validated.ok) throw new Error('invalid');
    let wake: (() => void) | undefined;
    const ports: RuntimePorts = {
      now: () => START,
      sleep: () => new Promise<void>((resolve) => (wake = resolve)),
      callActivity: async <T>() => ({ status: 200 }) as T,
      waitUntil: async () => true,
      waitForNotice: async () => true,
      noticeCount: () => 0,
      runChildFlow: async () => ({ status: 'started' }),
    };
    const interpreter = new FlowInterpreter(
      validated.flow,
      { runId: 'r', flowId: 'f', versionId: 'v', version: 1, input: { amount: 1 } },
      ports,
      getNodeType,
    );
    const done = interpreter.run();
    for (let i = 0; i < 20 && !wake; i++) await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(wake).toBeDefined();
    expect(interpreter.state.status).toBe('running');
    expect(interpreter.state.nodes.small_wait!.status).toBe('running');
    for (const id of ['big', 'big_followup', 'big_end']) expect(interpreter.state.nodes[id]!.status, id).toBe('skipped');
    expect(interpreter.state.nodes.small_end!.status).toBe('pending');
    wake!();
    const state = await done;
    expect(state.status).toBe('completed');
    expect(state.nodes.small_end!.status).toBe('completed');
  });

  it('does not skip a node where a taken branch merges back', async () => {
    const doc = flow(
      [trigger(), condition('c', 'input.vip'), webhook('gift'), webhook('plain'), webhook('merge')],
      [
        edge('t', 'c'),
        edge('c', 'gift', 'true'),
        edge('c', 'plain', 'false'),
        edge('gift', 'merge', 'sent'),
        edge('plain', 'merge', 'sent'),
      ],
    );
    const { state } = await run(doc, { input: { vip: true } });
    expect(state.nodes.plain!.status).toBe('skipped');
    expect(state.nodes.merge).toMatchObject({ status: 'completed', executions: 1 });
  });

  it('fails the node and the run with a readable error when the condition is not a bool', async () => {
    const doc = flow([trigger(), condition('c', 'input.amount'), end('e')], [edge('t', 'c'), edge('c', 'e', 'true')]);
    const { state } = await run(doc, { input: { amount: 7 } });
    expect(state.status).toBe('failed');
    expect(state.nodes.c!.status).toBe('failed');
    expect(state.nodes.c!.error).toBe('Condition "input.amount" gave 7, not true or false');
    expect(state.reason).toBe('"c" failed: Condition "input.amount" gave 7, not true or false');
    expect(state.nodes.e!.status).toBe('skipped');
  });

  it('fails the run when the condition reads a missing field', async () => {
    const doc = flow([trigger(), condition('c', 'input.missing.deeper == 1')], [edge('t', 'c')]);
    const { state } = await run(doc, { input: {} });
    expect(state.status).toBe('failed');
    expect(state.nodes.c!.error).toMatch(/input.missing.deeper == 1.*failed/);
  });

  it('uses the node label in the reason', async () => {
    const doc = flow([trigger(), { ...condition('c', '"yes"'), label: 'Budget check' }], [edge('t', 'c')]);
    const { state } = await run(doc);
    expect(state.reason).toMatch(/^"Budget check" failed: /);
  });

  it('reads previous node outputs and run metadata', async () => {
    const doc = flow(
      [
        trigger(),
        webhook('crm'),
        condition('c', 'nodes.crm.output.status == 201 && nodes.crm.status == "completed" && run.id == "simulation"'),
        end('yes'),
        end('no', { status: 'failed' }),
      ],
      [edge('t', 'crm'), edge('crm', 'c', 'sent'), edge('c', 'yes', 'true'), edge('c', 'no', 'false')],
    );
    const { state } = await run(doc, { activities: webhookFake(() => ({ status: 201, body: null, attempt: 1, durationMs: 1 })) });
    expect(state.nodes.c!.handle).toBe('true');
    expect(state.status).toBe('completed');
  });
});

describe('interpreter: delays', () => {
  it('waits three weeks in virtual time, at once', async () => {
    const doc = flow([trigger(), delay('d', '3w'), end('e')], [edge('t', 'd'), edge('d', 'e')]);
    // Three real weeks would time the test out; the virtual clock moved by exactly the delay.
    const { state, virtualMs } = await run(doc);
    expect(virtualMs).toBe(3 * WEEK);
    expect(state.nodes.d!.output).toEqual({ waitedMs: 3 * WEEK });
    expect(state.endedAt! - state.startedAt).toBe(3 * WEEK);
    expect(state.status).toBe('completed');
  });

  it('runs stacked delays one after the other', async () => {
    const doc = flow(
      [trigger(), delay('a', '1h30m'), delay('b', '2d'), delay('c', '45s')],
      [edge('t', 'a'), edge('a', 'b'), edge('b', 'c')],
    );
    const { state, virtualMs } = await run(doc);
    expect(virtualMs).toBe(90 * 60_000 + 2 * DAY + 45 * SECOND);
    expect(state.nodes.b!.startedAt).toBe(START + 90 * 60_000);
    expect(state.nodes.c!.endedAt).toBe(START + virtualMs);
  });

  it('runs parallel delays side by side', async () => {
    const doc = flow(
      [trigger(), delay('short', '1h'), delay('long', '1d'), webhook('after_short')],
      [edge('t', 'short'), edge('t', 'long'), edge('short', 'after_short')],
    );
    const { state, virtualMs, calls } = await run(doc);
    expect(virtualMs).toBe(DAY);
    expect(calls[0]!.at).toBe(START + HOUR);
    expect(state.nodes.after_short!.startedAt).toBe(START + HOUR);
  });

  it('stops the simulation at maxVirtualMs and reports the run as still waiting', async () => {
    const doc = flow([trigger(), delay('d', '30d')], [edge('t', 'd')]);
    const result = await simulateFlow(doc, { maxVirtualMs: 7 * DAY });
    expect(result.ok).toBe(false);
    expect(result.issues?.[0]?.message).toMatch(/still waiting/);
    expect(result.state?.status).toBe('running');
    expect(result.state?.nodes.d!.status).toBe('running');
  });
});

describe('interpreter: webhook retries and failures', () => {
  const retrying = (maximumAttempts: number, failedEdge: boolean) =>
    flow(
      [
        trigger(),
        webhook('w', { retry: { maximumAttempts, initialInterval: '10s', backoffCoefficient: 3, maximumInterval: '1m' } }),
        end('ok'),
        ...(failedEdge ? [end('bad', { status: 'failed', reason: 'Webhook gave up' })] : []),
      ],
      [edge('t', 'w'), edge('w', 'ok', 'sent'), ...(failedEdge ? [edge('w', 'bad', 'failed')] : [])],
    );

  it('retries a failing call with backoff and completes on the third attempt', async () => {
    const { state, calls } = await run(retrying(3, true), {
      activities: webhookFake((_, attempt) => {
        if (attempt < 3) throw { message: `503 on attempt ${attempt}` };
        return { status: 200, body: {}, attempt, durationMs: 5 };
      }),
    });
    expect(state.status).toBe('completed');
    expect(calls.map((c) => [c.attempt, c.at - START, c.outcome])).toEqual([
      [1, 0, 'error'],
      [2, 10 * SECOND, 'error'],
      [3, 40 * SECOND, 'ok'],
    ]);
    expect(state.nodes.w).toMatchObject({
      status: 'completed',
      handle: 'sent',
      durationMs: 40 * SECOND,
      output: { status: 200, attempt: 3 },
    });
    expect(state.nodes.bad!.status).toBe('skipped');
  });

  it('caps the backoff at maximumInterval', async () => {
    const { calls } = await run(retrying(5, true), { activities: webhookFake(() => Promise.reject({ message: 'down' })) });
    expect(calls.map((c) => c.at - START)).toEqual([0, 10 * SECOND, 40 * SECOND, 100 * SECOND, 160 * SECOND]);
  });

  it('takes the failed path when retries run out', async () => {
    const { state, calls } = await run(retrying(2, true), {
      activities: webhookFake(() => {
        throw { message: 'still 503' };
      }),
    });
    expect(calls).toHaveLength(2);
    expect(state.nodes.w).toMatchObject({ status: 'completed', handle: 'failed', output: { error: 'still 503', nonRetryable: false } });
    expect(state.status).toBe('failed');
    expect(state.reason).toBe('Webhook gave up');
    expect(state.nodes.ok!.status).toBe('skipped');
  });

  it('does not retry a non-retryable failure and takes the failed path', async () => {
    const { state, calls } = await run(retrying(5, true), {
      activities: webhookFake(() => {
        throw { message: '404 Not Found', nonRetryable: true };
      }),
    });
    expect(calls).toHaveLength(1);
    expect(state.nodes.w).toMatchObject({ handle: 'failed', output: { error: '404 Not Found', nonRetryable: true } });
    expect(state.nodes.bad!.status).toBe('completed');
  });

  it('fails the run, naming the node, when there is no failed edge', async () => {
    const { state, calls } = await run(retrying(3, false), {
      activities: webhookFake(() => {
        throw { message: '410 Gone', nonRetryable: true };
      }),
    });
    expect(calls).toHaveLength(1);
    expect(state.status).toBe('failed');
    expect(state.reason).toBe('"w" failed: 410 Gone');
    expect(state.nodes.w).toMatchObject({ status: 'failed', error: '410 Gone' });
    expect(state.nodes.w!.handle).toBeUndefined();
    expect(state.nodes.ok!.status).toBe('skipped');
  });

  it('fails the run when an async fake rejects with an Error', async () => {
    const { state } = await run(retrying(1, false), { activities: webhookFake(async () => Promise.reject(new Error('ECONNREFUSED'))) });
    expect(state.reason).toBe('"w" failed: ECONNREFUSED');
  });
});

describe('interpreter: end nodes', () => {
  it.each(['completed', 'failed', 'cancelled'] as const)('ends the run as %s', async (status) => {
    const doc = flow([trigger(), end('e', { status, reason: `Stopped as ${status}` })], [edge('t', 'e')]);
    const { state } = await run(doc);
    expect(state.status).toBe(status);
    expect(state.reason).toBe(`Stopped as ${status}`);
    expect(state.nodes.e).toMatchObject({ status: 'completed', output: { status } });
  });

  it('gives a default reason naming the end node', async () => {
    const { state } = await run(flow([trigger(), { ...end('e', { status: 'cancelled' }), label: 'Campaign withdrawn' }], [edge('t', 'e')]));
    expect(state.reason).toBe('Ended at "Campaign withdrawn"');
  });

  it('skips nodes that had not started when the run ended', async () => {
    const doc = flow(
      [trigger(), end('stop', { status: 'cancelled' }), delay('d', '1h'), webhook('later')],
      [edge('t', 'stop'), edge('t', 'd'), edge('d', 'later')],
    );
    const { state } = await run(doc);
    expect(state.status).toBe('cancelled');
    expect(state.nodes.later!.status).toBe('skipped');
    expect(state.endedAt).toBe(START);
  });

  it('leaves no node running once the run has ended', async () => {
    const doc = flow([trigger(), end('stop', { status: 'failed' }), delay('d', '1h')], [edge('t', 'stop'), edge('t', 'd')]);
    const { state } = await run(doc);
    expect(state.status).toBe('failed');
    expect(state.nodes.d!.status).not.toBe('running');
  });

  it('starts no node after an end node has stopped the run', async () => {
    const doc = flow(
      [trigger(), end('stop', { status: 'failed' }), webhook('w1'), webhook('w2'), webhook('w3')],
      [edge('t', 'stop'), edge('t', 'w1'), edge('w1', 'w2', 'sent'), edge('w2', 'w3', 'sent')],
    );
    const { state, calls } = await run(doc);
    expect(state.status).toBe('failed');
    // w1 was started in the same step as the end node; nothing after it may run (or send).
    expect(calls.map((c) => (c.args[0] as WebhookRequest).url)).not.toContain('https://hooks.example.test/w2');
    expect(state.nodes.w3!.status).toBe('skipped');
  });
});

describe('interpreter: templates', () => {
  it('renders the input and earlier outputs into the webhook request, keeping types', async () => {
    const doc = flow(
      [
        trigger(),
        webhook('first'),
        webhook('second', {
          url: 'https://hooks.example.test/{{ input.region }}/orders',
          headers: { 'X-Campaign': '{{ input.campaign }}' },
          body: {
            n: '{{ input.n }}',
            next: '{{ input.n + 1 }}',
            ratio: '{{ input.ratio }}',
            upstream: '{{ nodes.first.output.status }}',
            text: 'Order {{ input.n }} got {{ nodes.first.output.status }} at {{ run.startedAt }}',
            tags: ['{{ input.tags }}', 'fixed'],
            nested: { flag: '{{ input.n > 3 }}', obj: '{{ nodes.first.output.body }}' },
            literal: 42,
          },
        }),
      ],
      [edge('t', 'first'), edge('first', 'second', 'sent')],
    );
    const { state, calls } = await run(doc, {
      input: { region: 'cn-east', campaign: '618', n: 5, ratio: 0.25, tags: ['a', 'b'] },
      activities: webhookFake((req) => ({ status: req.url.endsWith('/first') ? 202 : 200, body: { id: 9 }, attempt: 1, durationMs: 1 })),
    });
    expect(state.status).toBe('completed');
    const req = calls[1]!.args[0] as WebhookRequest;
    expect(req.url).toBe('https://hooks.example.test/cn-east/orders');
    expect(req.headers).toEqual({ 'X-Campaign': '618' });
    expect(req.idempotencyKey).toBe('simulation/second/1');
    expect(req.body).toEqual({
      n: 5,
      next: 6,
      ratio: 0.25,
      upstream: 202,
      text: `Order 5 got 202 at ${new Date(START).toISOString()}`,
      tags: [['a', 'b'], 'fixed'],
      nested: { flag: true, obj: { id: 9 } },
      literal: 42,
    });
  });

  it('fails the node when a template expression fails at run time', async () => {
    const doc = flow([trigger(), webhook('w', { body: { x: '{{ nodes.never.output }}' } })], [edge('t', 'w')]);
    const { state, calls } = await run(doc);
    expect(calls).toHaveLength(0);
    expect(state.status).toBe('failed');
    expect(state.nodes.w!.error).toMatch(/nodes.never.output/);
  });
});

describe('interpreter: loops', () => {
  it('loops through a delay until a condition on an output lets it out', async () => {
    let polls = 0;
    const doc = flow(
      [trigger(), webhook('poll'), condition('ready', 'nodes.poll.output.body.ready'), delay('wait', '15m'), end('done')],
      [
        edge('t', 'poll'),
        edge('poll', 'ready', 'sent'),
        edge('ready', 'wait', 'false'),
        edge('wait', 'poll'),
        edge('ready', 'done', 'true'),
      ],
    );
    const { state, calls, virtualMs } = await run(doc, {
      activities: webhookFake(() => ({ status: 200, body: { ready: ++polls >= 4 }, attempt: 1, durationMs: 1 })),
    });
    expect(state.status).toBe('completed');
    expect(calls).toHaveLength(4);
    expect(virtualMs).toBe(3 * 15 * 60_000);
    expect(state.nodes.poll!.executions).toBe(4);
    expect(state.nodes.ready).toMatchObject({ executions: 4, handle: 'true' });
    expect(state.nodes.wait!.executions).toBe(3);
    expect(state.nodes.done).toMatchObject({ status: 'completed', executions: 1 });
    // Each execution has its own idempotency key.
    expect(calls.map((c) => (c.args[0] as WebhookRequest).idempotencyKey)).toEqual([
      'simulation/poll/1',
      'simulation/poll/2',
      'simulation/poll/3',
      'simulation/poll/4',
    ]);
  });

  it(`stops an endless loop after ${MAX_NODE_EXECUTIONS} node executions with a clear reason`, async () => {
    const chain = Array.from({ length: 49 }, (_, i) => condition(`c${i}`, 'true'));
    const doc = flow(
      [trigger(), delay('d', '1s'), ...chain],
      [edge('t', 'd'), edge('d', 'c0'), ...chain.slice(1).map((c, i) => edge(`c${i}`, c.id, 'true')), edge('c48', 'd', 'true')],
    );
    expect(validateFlow(doc).ok).toBe(true);
    const { state } = await run(doc, { maxVirtualMs: DAY });
    expect(state.status).toBe('failed');
    expect(state.reason).toBe(`The run executed more than ${MAX_NODE_EXECUTIONS} nodes; is a loop missing its exit?`);
    const total = Object.values(state.nodes).reduce((n, s) => n + s.executions, 0);
    expect(total).toBe(MAX_NODE_EXECUTIONS);
  });
});

describe('interpreter: determinism', () => {
  it('gives identical state and calls when the same flow runs twice', async () => {
    const doc = () =>
      flow(
        [
          trigger(),
          webhook('a', { retry: { maximumAttempts: 3, initialInterval: '1s' } }),
          delay('d1', '1d'),
          delay('d2', '1d'),
          condition('c', 'nodes.a.output.status == 200'),
          webhook('b', { body: { s: '{{ nodes.a.output.status }}' } }),
          webhook('x'),
          end('e'),
        ],
        [
          edge('t', 'a'),
          edge('t', 'd1'),
          edge('t', 'd2'),
          edge('a', 'c', 'sent'),
          edge('c', 'b', 'true'),
          edge('c', 'x', 'false'),
          edge('d1', 'e'),
          edge('b', 'e', 'sent'),
        ],
      );
    const opts = (): SimulationOptions => ({
      input: { n: 1 },
      activities: webhookFake((req, attempt) => {
        if (req.url.endsWith('/a') && attempt === 1) throw { message: 'flaky' };
        return { status: 200, body: {}, attempt, durationMs: 3 };
      }),
    });
    const first = await run(doc(), opts());
    const second = await run(doc(), opts());
    expect(second.state).toEqual(first.state);
    expect(JSON.stringify(second.state)).toBe(JSON.stringify(first.state));
    expect(second.calls).toEqual(first.calls);
    expect(second.virtualMs).toBe(first.virtualMs);
    expect(TERMINAL_RUN_STATUSES).toContain(first.state.status);
  });

  it('refuses an invalid flow with issues and no run', async () => {
    const result = await simulateFlow(flow([webhook('w')], []));
    expect(result).toMatchObject({ ok: false, calls: [], virtualMs: 0 });
    expect(result.state).toBeUndefined();
    expect(result.issues?.some((i) => i.code === 'trigger_count')).toBe(true);
  });
});
