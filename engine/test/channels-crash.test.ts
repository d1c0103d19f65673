import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startStack, startWorker, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { startWeCom } from '../../activities/test/channels/receivers.ts';

/** The worker is killed after WeCom answered and the delivery was recorded, before Temporal heard of it. */
describe('exactly once across a worker crash', () => {
  let stack: TestStack;
  let wecom: Awaited<ReturnType<typeof startWeCom>>;
  beforeAll(async () => {
    stack = await startStack('crash', { worker: false });
    wecom = await startWeCom('crash-key');
  });
  afterAll(async () => {
    await wecom?.close();
    await stack?.close();
  });

  it('the retried attempt on a new worker sends nothing again', async () => {
    const connection = (await stack.api.post('/api/connections', { kind: 'wecom', name: 'Crash robot', secrets: { url: wecom.webhookUrl } })).body.id;
    const graph = flow(
      [node('start', 'trigger.manual'), node('announce', 'channel.send', { connection, text: 'Launch is live', timeout: '3s', retry: { maximumAttempts: 5, initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '1s' } }), node('done', 'control.end')],
      [edge('start', 'next', 'announce'), edge('announce', 'sent', 'done')],
    );
    const { flowId } = await stack.api.publishFlow('crash', graph);

    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./support/crashing-worker.ts', import.meta.url))], {
      env: {
        ...process.env,
        DATABASE_URL: (stack.server.db.pool as unknown as { options: { connectionString: string } }).options.connectionString,
        FLIGHTDECK_SECRET: stack.secret,
        FLIGHTDECK_ENCRYPTION_KEY: stack.encryptionKey.toString('base64'),
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TASK_QUEUE: stack.taskQueue,
        BUNDLE_PATH: inject('workflowBundlePath'),
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
    expect(wecom.requests).toHaveLength(1);

    // A healthy worker picks the run up once the dead attempt times out.
    stack.worker = await startWorker(stack.taskQueue, stack.deps);
    const run = await stack.api.waitForRun(runId, 30_000);
    expect(run.status).toBe('completed');
    expect(run.state.nodes.announce.output.deliveries[0]).toMatchObject({ status: 'sent', deduplicated: true });
    expect(wecom.requests).toHaveLength(1);
    expect(wecom.deliveries).toHaveLength(1);
    const rows = await stack.server.db.pool.query(`select status, attempts from deliveries where run_id = $1`, [`run-${runId}`]);
    // The killed attempt is the only one that reached WeCom; the retry read "sent" from the ledger.
    expect(rows.rows).toEqual([{ status: 'sent', attempts: 1 }]);
  });
});
