/** A healthy worker process (see worker-from-env.ts); the chaos test kills and restarts it. */
import { runWorkerFromEnv } from './worker-from-env.ts';

await runWorkerFromEnv();
// A worker whose connection to Temporal broke ends its run(); exit so the supervisor starts a new one.
process.exit(1);
