import { lazyNotifier } from '../temporal/client.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { createFlowWorker } from './create-worker.ts';
import { buildActivityDeps } from './activity-deps.ts';
import { openDatabase } from '../db/client.ts';
import { parseEncryptionKey } from '../auth/encryption.ts';
import { createOutboundGuard } from '@flightdeck/activities';

/** The worker as its own process, for docker-compose and horizontal scaling. */
const config = loadConfig();
const log = createLogger(config.logLevel);
if (!config.temporalAddress || !config.databaseUrl || !config.secret || !config.publicUrl || !config.encryptionKey) {
  log.error('The standalone worker needs TEMPORAL_ADDRESS, DATABASE_URL, FLIGHTDECK_SECRET, FLIGHTDECK_ENCRYPTION_KEY and FLIGHTDECK_PUBLIC_URL');
  process.exit(1);
}
const db = openDatabase(config.databaseUrl);
const deps = buildActivityDeps({ db: db.db, secret: config.secret, encryptionKey: parseEncryptionKey(config.encryptionKey), publicUrl: config.publicUrl, smtpUrl: config.smtpUrl, mailFrom: config.mailFrom, log: (l) => log.info(l), notifyRun: lazyNotifier(config.temporalAddress, config.temporalNamespace), outbound: createOutboundGuard({ allow: config.outboundAllow }) });
const { worker } = await createFlowWorker({ address: config.temporalAddress, namespace: config.temporalNamespace, taskQueue: config.taskQueue, deps });
log.info({ taskQueue: config.taskQueue, address: config.temporalAddress }, 'worker started');
await worker.run();
