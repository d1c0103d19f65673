import { lazyNotifier } from '../temporal/client.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { bundleFlowWorkflows, createFlowWorker } from './create-worker.ts';
import { buildActivityDeps } from './activity-deps.ts';
import { openDatabase } from '../db/client.ts';
import { parseEncryptionKey } from '../auth/encryption.ts';
import { createOutboundGuard } from '@flightdeck/activities';
import { gatheredRunChanges } from '../services/run-changes.ts';

/**
 * The worker as its own process: for docker-compose and horizontal scaling, and under `npm start`, where
 * the launcher runs it as a child (an IPC channel: "ready" goes up; the channel closing means the launcher
 * is gone, even by kill -9, and the worker stops rather than live on as an orphan).
 */
const config = loadConfig();
const log = createLogger(config.logLevel);
if (!config.temporalAddress || !config.databaseUrl || !config.secret || !config.publicUrl || !config.encryptionKey) {
  log.error(
    'The standalone worker needs TEMPORAL_ADDRESS, DATABASE_URL, FLIGHTDECK_SECRET, FLIGHTDECK_ENCRYPTION_KEY and FLIGHTDECK_PUBLIC_URL',
  );
  process.exit(1);
}
const db = openDatabase(config.databaseUrl);
const deps = buildActivityDeps({
  db: db.db,
  secret: config.secret,
  encryptionKey: parseEncryptionKey(config.encryptionKey),
  publicUrl: config.publicUrl,
  smtpUrl: config.smtpUrl,
  mailFrom: config.mailFrom,
  log: (l) => log.info(l),
  notifyRun: lazyNotifier(config.temporalAddress, config.temporalNamespace),
  outbound: createOutboundGuard({ allow: config.outboundAllow }),
});
const { worker } = await createFlowWorker({
  address: config.temporalAddress,
  namespace: config.temporalNamespace,
  taskQueue: config.taskQueue,
  deps,
  workflowBundle: await cachedBundle(),
  announceRunChange: gatheredRunChanges(db.db),
});
if (process.send) {
  process.once('disconnect', () => {
    log.warn('the launcher is gone; stopping the worker');
    if (worker.getState() === 'RUNNING') worker.shutdown();
  });
}
const running = worker.run();
log.info({ taskQueue: config.taskQueue, address: config.temporalAddress, pid: process.pid }, 'worker started');
process.send?.({ type: 'ready', pid: process.pid });
await running;
await db.close();
process.exit(0);

/**
 * Bundling the workflows takes most of a start. The launcher names a file for this launch
 * (FLIGHTDECK_WORKFLOW_BUNDLE, removed when it starts and stops): the first worker writes it, a restarted one reads it.
 */
async function cachedBundle(): Promise<{ code: string } | undefined> {
  const path = process.env.FLIGHTDECK_WORKFLOW_BUNDLE;
  if (!path) return undefined;
  if (existsSync(path)) return { code: readFileSync(path, 'utf8') };
  const { code } = await bundleFlowWorkflows();
  writeFileSync(`${path}.tmp`, code);
  renameSync(`${path}.tmp`, path);
  return { code };
}
