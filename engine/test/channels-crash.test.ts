import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startStack, startWorker, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { startStandardWebhook, startWeCom, type Receiver } from '../../activities/test/channels/receivers.ts';

const WH_SECRET = 'whsec_' + Buffer.from('a signing secret of thirty two bytes!').toString('base64');

/**
 * A real worker process is killed (SIGKILL) after the provider answered: once after the ledger
 * recorded the answer, once before it could. Either way the receiver must not see the message twice.
 */
describe('exactly once across a worker crash', () => {
  let stack: TestStack;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    stack = await startStack('crash', { worker: false });
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await stack?.close();
  });

  /** Publishes a one-send flow, runs it on a worker that dies at `crashAt`, then lets a healthy worker finish it. */
  async function runThroughCrash(
    name: string,
    connection: string,
    crashAt: 'after-record' | 'before-record',
    beforeRecovery?: () => Promise<void>,
  ) {
    const graph = flow(
      [
        node('start', 'trigger.manual'),
        node('announce', 'channel.send', {
          connection,
          text: 'Launch is live',
          timeout: '3s',
          retry: { maximumAttempts: 5, initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '1s' },
        }),
        node('done', 'control.end'),
      ],
      [edge('start', 'next', 'announce'), edge('announce', 'sent', 'done')],
    );
    const { flowId } = await stack.api.publishFlow(name, graph);
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./support/crashing-worker.ts', import.meta.url))], {
      env: {
        ...process.env,
        DATABASE_URL: (stack.server.db.pool as unknown as { options: { connectionString: string } }).options.connectionString,
        FLIGHTDECK_SECRET: stack.secret,
        FLIGHTDECK_ENCRYPTION_KEY: stack.encryptionKey.toString('base64'),
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TASK_QUEUE: stack.taskQueue,
        BUNDLE_PATH: inject('workflowBundlePath'),
        CRASH_AT: crashAt,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', () => reject(new Error('the crashing worker exited before it was ready')));
    });
    const runId = await stack.api.startRun(flowId);
    expect(await exited).toBe('SIGKILL');
    const afterCrash = { runId };
    await beforeRecovery?.();
    // A healthy worker picks the run up once the dead attempt times out.
    stack.worker = await startWorker(stack.taskQueue, stack.deps);
    const run = await stack.api.waitForRun(runId);
    await stack.worker.stop();
    const rows = await stack.server.db.pool.query(`select status, attempts, error from deliveries where run_id = $1`, [`run-${runId}`]);
    return { ...afterCrash, run, rows: rows.rows as { status: string; attempts: number; error: string | null }[] };
  }

  it('killed after the answer was recorded: the retry on a new worker reads "sent" and sends nothing', async () => {
    const wecom = await startWeCom('crash-key');
    receivers.push(wecom);
    const connection = (
      await stack.api.post('/api/connections', { kind: 'wecom', name: 'Crash robot', secrets: { url: wecom.webhookUrl } })
    ).body.id;
    const { run, rows } = await runThroughCrash('crash-after', connection, 'after-record');
    expect(run.status).toBe('completed');
    expect(run.state.nodes.announce.output.deliveries[0]).toMatchObject({ status: 'sent', deduplicated: true });
    expect(wecom.requests).toHaveLength(1);
    // The killed attempt is the only one that reached WeCom; the retry read "sent" from the ledger.
    expect(rows).toMatchObject([{ status: 'sent', attempts: 1 }]);
  });

  it('killed before the answer was recorded: a chat robot is not sent to again, and the run says "unconfirmed"', async () => {
    const wecom = await startWeCom('crash-key-2');
    receivers.push(wecom);
    const connection = (
      await stack.api.post('/api/connections', { kind: 'wecom', name: 'Crash robot 2', secrets: { url: wecom.webhookUrl } })
    ).body.id;
    const { run, runId, rows } = await runThroughCrash('crash-before', connection, 'before-record');
    expect(wecom.requests).toHaveLength(1);
    expect(run.status).toBe('completed');
    expect(run.state.nodes.announce.output.deliveries[0]).toMatchObject({ status: 'sent', unconfirmed: true });
    expect(rows).toMatchObject([{ status: 'unconfirmed', attempts: 1 }]);
    expect(rows[0]!.error).toMatch(/not sent again/);
    // The run view reads it from the ledger, with the reason.
    const listed = (await stack.api.get(`/api/runs/${runId}/deliveries`)).body;
    expect(listed.counts).toEqual({ unconfirmed: 1 });
    expect(listed.items[0]).toMatchObject({ status: 'unconfirmed', channel: 'wecom' });
  });

  it('killed before the answer was recorded: a signed webhook goes again with the same webhook-id, which the receiver drops', async () => {
    const hook = await startStandardWebhook(WH_SECRET);
    receivers.push(hook);
    const connection = (
      await stack.api.post('/api/connections', { kind: 'webhook', name: 'Crash partner', secrets: { url: hook.url, secret: WH_SECRET } })
    ).body.id;
    const { run, rows } = await runThroughCrash('crash-webhook', connection, 'before-record');
    expect(run.status).toBe('completed');
    expect(hook.requests).toHaveLength(2);
    expect(hook.requests[0]!.headers['webhook-id']).toBe(hook.requests[1]!.headers['webhook-id']);
    expect(hook.deliveries).toHaveLength(1);
    expect(hook.duplicates).toBe(1);
    expect(rows).toMatchObject([{ status: 'sent', attempts: 2 }]);
  });

  it('killed before the answer was recorded, channel paused meanwhile: the hold does not hide the crash; nothing sent twice', async () => {
    const wecom = await startWeCom('crash-key-3');
    receivers.push(wecom);
    const connection = (
      await stack.api.post('/api/connections', { kind: 'wecom', name: 'Crash robot 3', secrets: { url: wecom.webhookUrl } })
    ).body.id;
    const { run, rows } = await runThroughCrash('crash-paused', connection, 'before-record', async () => {
      expect((await stack.api.post(`/api/connections/${connection}/pause`, { reason: 'checking what went out' })).status).toBe(200);
    });
    // The interrupted message is settled as unconfirmed before any hold could reset it, so the run ends even while paused.
    expect(run.status).toBe('completed');
    expect(run.state.nodes.announce.output.deliveries[0]).toMatchObject({ status: 'sent', unconfirmed: true });
    expect(rows).toMatchObject([{ status: 'unconfirmed', attempts: 1 }]);
    // Resuming wakes no run (none holds a message for it), so nothing more can go out: no wait needed to see that.
    const resumed = await stack.api.post(`/api/connections/${connection}/resume`, {});
    expect(resumed.status).toBe(200);
    expect(resumed.body.resumedRuns).toBe(0);
    expect(wecom.requests).toHaveLength(1);
  });

  it('an unconfirmed delivery is resent by hand once: same message, a new linked delivery, in the audit log', async () => {
    const wecom = await startWeCom('crash-key-resend');
    receivers.push(wecom);
    const connection = (
      await stack.api.post('/api/connections', { kind: 'wecom', name: 'Crash robot resend', secrets: { url: wecom.webhookUrl } })
    ).body.id;
    const { runId } = await runThroughCrash('crash-resend', connection, 'before-record');
    expect(wecom.requests).toHaveLength(1);
    const listed = (await stack.api.get(`/api/runs/${runId}/deliveries`)).body.items as {
      id: string;
      status: string;
      resendable: boolean;
    }[];
    expect(listed).toMatchObject([{ status: 'unconfirmed', resendable: true }]);
    const original = listed[0]!.id;

    // Someone who may read every run, but neither started this one nor administers: not theirs to resend, nor to know of.
    const stranger = await stack.user('Sam Stranger', [{ role: 'viewer', department: null }]);
    const refused = await stranger.api.post(`/api/deliveries/${original}/resend`);
    expect(refused.status, JSON.stringify(refused.body)).toBe(404);
    expect(wecom.requests).toHaveLength(1);

    const resent = await stack.api.post(`/api/deliveries/${original}/resend`);
    expect(resent.status, JSON.stringify(resent.body)).toBe(201);
    expect(resent.body).toMatchObject({ status: 'sent', resendOf: original, channel: 'wecom', resendable: false });
    expect(wecom.requests).toHaveLength(2);
    // The very message the crashed attempt sent, rendered then, not again.
    expect(wecom.requests[1]!.body).toBe(wecom.requests[0]!.body);

    // Once: a second press, and a resend of a delivery that is not unconfirmed, are both 409.
    const again = await stack.api.post(`/api/deliveries/${original}/resend`);
    expect(again.status).toBe(409);
    expect(again.body.errors).toMatchObject([{ path: 'id', code: 'already_resent' }]);
    const ofSent = await stack.api.post(`/api/deliveries/${resent.body.id}/resend`);
    expect(ofSent.status).toBe(409);
    expect(ofSent.body.errors).toMatchObject([{ path: 'id', code: 'not_unconfirmed' }]);
    expect(wecom.requests).toHaveLength(2);

    const after = (await stack.api.get(`/api/runs/${runId}/deliveries`)).body.items as {
      id: string;
      status: string;
      resendOf: string | null;
    }[];
    // The original is no longer offered for a resend.
    expect(after.find((d) => d.id === original)).toMatchObject({ status: 'unconfirmed', resendable: false });
    expect(after.map((d) => [d.status, d.resendOf]).sort()).toEqual([
      ['sent', original],
      ['unconfirmed', null],
    ]);
    const audit = (await stack.api.get(`/api/audit?entityId=${original}`)).body.items as { action: string; after: { resendId: string } }[];
    expect(audit).toMatchObject([{ action: 'delivery.resent', after: { resendId: resent.body.id } }]);
  });

  it('the resend route takes only a UUID: anything else is a 400 naming the id, an unknown one a 404, never a 5xx', async () => {
    const notUuid = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constantFrom('..', '../../etc/passwd', '%00', '1 or 1=1', 'ffffffff-ffff-ffff-ffff-fffffffffffff', '０'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          notUuid.map((v) => ({ v, uuid: false })),
          fc.uuid().map((v) => ({ v, uuid: true })),
        ),
        async ({ v, uuid }) => {
          const r = await stack.api.post(`/api/deliveries/${encodeURIComponent(v)}/resend`);
          expect(r.status, `${v}: ${JSON.stringify(r.body)}`).toBeLessThan(500);
          if (uuid) expect(r.status).toBe(404);
          else if (r.status === 400) expect(JSON.stringify(r.body.errors)).toContain('id');
          else expect(r.status).toBe(404); // an empty or slash-bearing id reaches no route at all
        },
      ),
      { numRuns: 80 },
    );
  });
});
