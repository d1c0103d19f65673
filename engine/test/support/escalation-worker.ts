/**
 * A worker process that dies (SIGKILL, no goodbye) right after an escalation step reached the
 * alert's timeline, before the activity reports completion: CRASH_AFTER_EVENT names the step's
 * kind ('notified' or 'escalated'). Without it, a healthy worker. Started by escalation-crash.test.ts.
 */
import { runWorkerFromEnv } from './worker-from-env.ts';

const crashAfter = process.env.CRASH_AFTER_EVENT;
await runWorkerFromEnv((deps) => {
  const record = deps.monitors.recordEvent;
  deps.monitors.recordEvent = async (req) => {
    await record(req);
    if (req.kind === crashAfter) process.kill(process.pid, 'SIGKILL');
  };
});
