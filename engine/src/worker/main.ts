import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { createFlowWorker } from './create-worker.ts';

/** The worker as its own process, for docker-compose and horizontal scaling. */
const config = loadConfig();
const log = createLogger(config.logLevel);
if (!config.temporalAddress) {
  log.error('TEMPORAL_ADDRESS is not set; the standalone worker needs a Temporal server');
  process.exit(1);
}
const { worker } = await createFlowWorker({ address: config.temporalAddress, namespace: config.temporalNamespace, taskQueue: config.taskQueue });
log.info({ taskQueue: config.taskQueue, address: config.temporalAddress }, 'worker started');
await worker.run();
