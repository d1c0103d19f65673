import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from './support/stack.ts';
import { startReceiver } from './support/receiver.ts';
import { edge, fastRetry, flow, node } from './support/flows.ts';
import { postSignedEvent } from './support/hooks.ts';
import { waitFor } from './support/wait-for.ts';
import { HookAdmission } from '../src/api/hook-admission.ts';

/**
 * Overload pushback on POST /api/hooks/:id with the bounds lowered to one open run and one waiting event: while the
 * first event's run is held open (its receiver has not answered), the second waits for room and the third is refused
 * with 503, Retry-After and problem+json, and nothing starts for it. Once the first run ends, the waiting event is
 * answered 202 and runs, and the third's retry is accepted. No timing: every step waits on an event (the receiver's
 * call, the gate's queue, the run's end); the queue's own time limit is an hour, out of the way.
 */
describe('webhook overload pushback', () => {
  let stack: TestStack;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let flowId: string;
  let secret: string;
  const held: (() => void)[] = [];
  const gate = new HookAdmission({ maxOpen: 1, maxQueued: 2, queueMs: 3_600_000, holdMs: 3_600_000 });

  beforeAll(async () => {
    stack = await startStack('hooks-overload', { hookAdmission: gate });
    receiver = await startReceiver(() => new Promise((resolve) => held.push(() => resolve({ status: 200, body: { ok: true } }))));
    const graph = flow(
      [
        node('event', 'trigger.webhook'),
        node('forward', 'channel.webhook', { url: `${receiver.url}/order`, body: { order: '{{ input.order }}' }, retry: fastRetry() }),
        node('done', 'control.end'),
      ],
      [edge('event', 'next', 'forward'), edge('forward', 'sent', 'done')],
    );
    ({ flowId } = await stack.api.publishFlow('overload', graph));
    secret = (await stack.api.post(`/api/flows/${flowId}/hook-secret`, {})).body.secret;
  });
  afterAll(async () => {
    for (const release of held) release();
    await receiver?.close();
    await stack?.close();
  });

  const deliver = (id: string, body: unknown, signal?: AbortSignal) => postSignedEvent(stack.url, { flowId, secret }, id, body, { signal });
  const runsOf = async (order: string) =>
    (await stack.api.get(`/api/runs?flowId=${flowId}`)).body.items.filter((r: { input: { order?: string } }) => r.input.order === order);

  it('holds an event while the bound is full, refuses past its queue with 503 + Retry-After, and admits in turn', async () => {
    const first = await deliver('evt_a', { order: 'A' });
    expect(first.status).toBe(202);
    const { runId } = await first.json();
    // The run is open: its delivery reached the receiver, which holds its answer.
    await waitFor('the first delivery to arrive', () => held.length === 1);

    const waiting = deliver('evt_b', { order: 'B' });
    await waitFor('the second event to wait for room', () => gate.queued === 1);
    const hangUp = new AbortController();
    const abandoned = deliver('evt_d', { order: 'D' }, hangUp.signal).catch((e: unknown) => e);
    await waitFor('the third event to wait for room', () => gate.queued === 2);
    const refused = await deliver('evt_c', { order: 'C' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const problem = await refused.json();
    expect(problem).toMatchObject({ status: 503, title: 'Busy' });
    expect(problem.detail).toMatch(/still open/);
    expect(await runsOf('B')).toHaveLength(0);
    expect(await runsOf('C')).toHaveLength(0);

    // The sender of D hangs up: its place is given back.
    hangUp.abort();
    expect(await abandoned).toMatchObject({ name: 'AbortError' });
    await waitFor('the hung-up event to leave the queue', () => gate.queued === 1);
    // Unsigned, while a signed event would wait: answered at once, and it takes no place.
    const unsigned = await fetch(`${stack.url}/api/hooks/${flowId}`, { method: 'POST', body: '{"order":"E"}' });
    expect(unsigned.status).toBe(401);
    expect(gate.queued).toBe(1);

    held.shift()!();
    expect((await stack.api.waitForRun(runId)).status).toBe('completed');
    // The slot frees when Temporal reports the run closed: the waiting event is answered then, and its run starts.
    const admitted = await waiting;
    expect(admitted.status).toBe(202);
    expect((await admitted.json()).duplicate).toBe(false);
    await waitFor('the second delivery to arrive', () => held.length === 1);
    held.shift()!();
    const [b] = await runsOf('B');
    expect((await stack.api.waitForRun(b.id)).status).toBe('completed');

    // The refused sender's retries end in a 202 once there is room again.
    const retried = await waitFor('the retry to be accepted', async () => {
      const res = await deliver('evt_c', { order: 'C' });
      return res.status === 202 ? res : res.status === 503 ? undefined : expect.fail(`answered ${res.status}`);
    });
    expect((await retried.json()).duplicate).toBe(false);
    await waitFor('the third delivery to arrive', () => held.length === 1);
    held.shift()!();
    const [c] = await runsOf('C');
    expect((await stack.api.waitForRun(c.id)).status).toBe('completed');
    expect(receiver.calls.map((call) => (call.body as { order: string }).order)).toEqual(['A', 'B', 'C']);
    expect(await runsOf('D')).toHaveLength(0);
  });
});
