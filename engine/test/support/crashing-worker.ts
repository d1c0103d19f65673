/**
 * A worker process that dies (SIGKILL, no goodbye) once a provider has answered a delivery:
 * with CRASH_AT=after-record right after the ledger recorded it as sent, before the activity
 * reports completion; with CRASH_AT=before-record before the ledger heard the answer at all.
 * Started by channels-crash.test.ts; everything comes from the environment.
 */
import { runWorkerFromEnv } from './worker-from-env.ts';

const crashAt = process.env.CRASH_AT ?? 'after-record';
await runWorkerFromEnv((deps) => {
  const recordSent = deps.deliveries.sent;
  deps.deliveries.sent = async (key, result) => {
    if (crashAt === 'after-record') await recordSent(key, result);
    process.kill(process.pid, 'SIGKILL');
  };
});
