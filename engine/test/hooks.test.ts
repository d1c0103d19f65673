import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from './support/stack.ts';
import { startReceiver } from './support/receiver.ts';
import { edge, fastRetry, flow, node } from './support/flows.ts';
import { signStandardWebhook } from '../src/services/hooks.ts';
import { postSignedEvent } from './support/hooks.ts';
import { verifyAuditChain } from '../src/services/audit.ts';

/** Inbound events: Standard Webhooks signatures, one run per event id, 202 with the run. */
describe('webhook / event trigger', () => {
  let stack: TestStack;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let flowId: string;
  let secret: string;

  beforeAll(async () => {
    stack = await startStack('hooks');
    receiver = await startReceiver();
    const graph = flow(
      [
        node('event', 'trigger.webhook'),
        node('forward', 'channel.webhook', {
          url: `${receiver.url}/order`,
          body: { order: '{{ input.order }}', amount: '{{ input.amount }}' },
          retry: fastRetry(),
        }),
        node('done', 'control.end'),
      ],
      [edge('event', 'next', 'forward'), edge('forward', 'sent', 'done')],
    );
    ({ flowId } = await stack.api.publishFlow('order paid', graph));
    const rotated = await stack.api.post(`/api/flows/${flowId}/hook-secret`, {});
    expect(rotated.status).toBe(201);
    secret = rotated.body.secret;
    expect(secret).toMatch(/^whsec_/);
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  const deliver = (id: string, body: unknown, opts: { secret?: string; timestamp?: number; flow?: string } = {}) =>
    postSignedEvent(stack.url, { flowId: opts.flow ?? flowId, secret: opts.secret ?? secret }, id, body, opts);

  it('a signed event starts a run and answers 202 with its id; a redelivery starts nothing new', async () => {
    const first = await deliver('evt_1', { order: 'A-1001', amount: 299 });
    expect(first.status).toBe(202);
    const { runId, duplicate } = await first.json();
    expect(duplicate).toBe(false);
    const run = await stack.api.waitForRun(runId);
    expect(run.status).toBe('completed');
    expect(run.input).toEqual({ order: 'A-1001', amount: 299 });

    const again = await deliver('evt_1', { order: 'A-1001', amount: 299 });
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ runId, duplicate: true });
    expect(receiver.calls.filter((c) => (c.body as { order: string }).order === 'A-1001')).toHaveLength(1);
  });

  it('the run of an event is recorded with it: the run row, the event pointing at it, and its audit entry in the chain', async () => {
    const answer = await deliver('evt_audit', ['an', { array: 'body' }]);
    expect(answer.status).toBe(202);
    const { runId } = await answer.json();
    const { pool } = stack.server.db;
    const run = await pool.query('select workflow_id, temporal_run_id, status, input from runs where id = $1', [runId]);
    expect(run.rows[0]).toMatchObject({ workflow_id: `run-${runId}`, status: expect.any(String), input: ['an', { array: 'body' }] });
    expect(run.rows[0].temporal_run_id).toEqual(expect.any(String));
    const event = await pool.query('select run_id from hook_events where flow_id = $1 and event_id = $2', [flowId, 'evt_audit']);
    expect(event.rows).toEqual([{ run_id: runId }]);
    const entries = await pool.query(
      "select actor_id, actor, action, entity_type, after from audit_log where entity_type = 'run' and entity_id = $1",
      [runId],
    );
    expect(entries.rows).toEqual([
      {
        actor_id: null,
        actor: 'system',
        action: 'run.started',
        entity_type: 'run',
        after: { flowId, version: 1, campaignId: null, input: ['an', { array: 'body' }] },
      },
    ]);
    expect(await verifyAuditChain(pool)).toMatchObject({ ok: true });

    // Its end, written when the API first sees it closed: the row's final state, the audit entry, the chain still whole.
    const ended = await stack.api.waitForRun(runId);
    const closed = await pool.query('select status, state, ended_at from runs where id = $1', [runId]);
    expect(closed.rows[0]).toMatchObject({ status: ended.status, state: { status: ended.status }, ended_at: expect.any(Date) });
    const actions = await pool.query(
      "select action, before, after from audit_log where entity_type = 'run' and entity_id = $1 order by seq",
      [runId],
    );
    expect(actions.rows.map((r) => r.action)).toEqual(['run.started', `run.${ended.status}`]);
    expect(actions.rows[1]).toMatchObject({ before: { status: 'running' }, after: { status: ended.status } });
    expect(await verifyAuditChain(pool)).toMatchObject({ ok: true });
  });

  it('two concurrent deliveries of one event start exactly one run', async () => {
    const answers = await Promise.all([
      deliver('evt_2', { order: 'B-2' }),
      deliver('evt_2', { order: 'B-2' }),
      deliver('evt_2', { order: 'B-2' }),
    ]);
    const bodies = await Promise.all(answers.map((a) => a.json()));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(new Set(bodies.map((b) => b.runId)).size).toBe(1);
    expect(bodies.filter((b) => !b.duplicate)).toHaveLength(1);
    const runs = await stack.api.get(`/api/runs?flowId=${flowId}`);
    expect(runs.body.items.filter((r: { input: { order?: string } }) => r.input.order === 'B-2')).toHaveLength(1);
  });

  it('refuses bad signatures, stale timestamps, unsigned calls, and flows that are not event-triggered', async () => {
    expect((await deliver('evt_3', { x: 1 }, { secret: 'whsec_' + Buffer.from('wrong secret').toString('base64') })).status).toBe(401);
    expect((await deliver('evt_4', { x: 1 }, { timestamp: Math.floor(Date.now() / 1000) - 3600 })).status).toBe(401);
    const unsigned = await fetch(`${stack.url}/api/hooks/${flowId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers.get('content-type')).toContain('application/problem+json');
    // The signature covers the exact bytes: a changed body fails.
    const ts = Math.floor(Date.now() / 1000);
    const tampered = await fetch(`${stack.url}/api/hooks/${flowId}`, {
      method: 'POST',
      headers: {
        'webhook-id': 'evt_5',
        'webhook-timestamp': String(ts),
        'webhook-signature': signStandardWebhook(secret, 'evt_5', ts, '{"amount":1}'),
      },
      body: '{"amount":1000}',
    });
    expect(tampered.status).toBe(401);

    const manual = await stack.api.publishFlow(
      'manual only',
      flow([node('start', 'trigger.manual'), node('done', 'control.end')], [edge('start', 'next', 'done')]),
    );
    const manualSecret = (await stack.api.post(`/api/flows/${manual.flowId}/hook-secret`, {})).body.secret;
    expect((await deliver('evt_6', {}, { flow: manual.flowId, secret: manualSecret })).status).toBe(409);
    // An unknown flow gets the same answer as a bad signature: the endpoint does not tell which flows exist.
    expect((await deliver('evt_7', { x: 1 }, { flow: '00000000-0000-4000-8000-000000000000' })).status).toBe(401);
  });

  it('a rotated secret replaces the old one', async () => {
    const old = secret;
    secret = (await stack.api.post(`/api/flows/${flowId}/hook-secret`, {})).body.secret;
    expect((await deliver('evt_8', { order: 'C-3' }, { secret: old })).status).toBe(401);
    expect((await deliver('evt_8', { order: 'C-3' })).status).toBe(202);
  });
});
