/**
 * A worker process that dies (SIGKILL, no goodbye) once a provider has answered a delivery:
 * with CRASH_AT=after-record right after the ledger recorded it as sent, before the activity
 * reports completion; with CRASH_AT=before-record before the ledger heard the answer at all.
 * Started by channels-crash.test.ts; everything comes from the environment.
 */
import { readFileSync } from 'node:fs';
import { openDatabase } from '../../src/db/client.ts';
import { buildActivityDeps } from '../../src/worker/activity-deps.ts';
import { createFlowWorker, installWorkerRuntime } from '../../src/worker/create-worker.ts';
import { createOutboundGuard } from '@flightdeck/activities';
import { TEST_OUTBOUND_ALLOW } from './stack.ts';

installWorkerRuntime('ERROR');
const env = (k: string) => process.env[k] ?? (() => { throw new Error(`${k} missing`); })();
const db = openDatabase(env('DATABASE_URL'));
const deps = buildActivityDeps({ db: db.db, secret: env('FLIGHTDECK_SECRET'), encryptionKey: Buffer.from(env('FLIGHTDECK_ENCRYPTION_KEY'), 'base64'), publicUrl: 'http://127.0.0.1', outbound: createOutboundGuard({ allow: TEST_OUTBOUND_ALLOW }) });
const recordSent = deps.deliveries.sent;
const crashAt = process.env.CRASH_AT ?? 'after-record';
deps.deliveries.sent = async (key, result) => {
  if (crashAt === 'after-record') await recordSent(key, result);
  process.kill(process.pid, 'SIGKILL');
};
const { worker } = await createFlowWorker({ address: env('TEMPORAL_ADDRESS'), namespace: 'default', taskQueue: env('TASK_QUEUE'), workflowBundle: { code: readFileSync(env('BUNDLE_PATH'), 'utf8') }, deps });
process.stdout.write('ready\n');
await worker.run();
