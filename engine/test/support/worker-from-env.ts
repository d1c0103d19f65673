/**
 * A worker in a process of its own, configured from the environment, so a test can kill it
 * with SIGKILL (no goodbye) the way a machine dies. `adjust` lets a test wire a fault into
 * its activity dependencies first.
 */
import { readFileSync } from 'node:fs';
import { createOutboundGuard, type ActivityDeps } from '@flightdeck/activities';
import { TEST_OUTBOUND_ALLOW } from './stack.ts';
import { openDatabase } from '../../src/db/client.ts';
import { lazyNotifier } from '../../src/temporal/client.ts';
import { buildActivityDeps } from '../../src/worker/activity-deps.ts';
import { createFlowWorker, installWorkerRuntime } from '../../src/worker/create-worker.ts';

const env = (k: string) =>
  process.env[k] ??
  (() => {
    throw new Error(`${k} missing`);
  })();

export async function runWorkerFromEnv(adjust?: (deps: ActivityDeps) => void): Promise<void> {
  installWorkerRuntime('ERROR');
  const db = openDatabase(env('DATABASE_URL'));
  const address = env('TEMPORAL_ADDRESS');
  const deps = buildActivityDeps({
    db: db.db,
    secret: env('FLIGHTDECK_SECRET'),
    encryptionKey: Buffer.from(env('FLIGHTDECK_ENCRYPTION_KEY'), 'base64'),
    // The links in messages (a one-click ack) point at the test's API when it says where that is.
    publicUrl: process.env.PUBLIC_URL ?? 'http://127.0.0.1',
    ...(process.env.SMTP_URL ? { smtpUrl: process.env.SMTP_URL } : {}),
    notifyRun: lazyNotifier(address, 'default'),
    outbound: createOutboundGuard({ allow: TEST_OUTBOUND_ALLOW }),
  });
  adjust?.(deps);
  const { worker } = await createFlowWorker({
    address,
    namespace: 'default',
    taskQueue: env('TASK_QUEUE'),
    workflowBundle: { code: readFileSync(env('BUNDLE_PATH'), 'utf8') },
    deps,
  });
  process.stdout.write('ready\n');
  await worker.run();
}
