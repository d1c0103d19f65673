import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { startServer } from './start-server.ts';
import { ensureFirstAdmin } from '../seed/first-admin.ts';
import { parseEncryptionKey } from '../auth/encryption.ts';
import { createOutboundGuard } from '@flightdeck/activities';

/** The API alone, against external PostgreSQL and Temporal (docker-compose, production). */
const config = loadConfig();
const log = createLogger(config.logLevel);
if (!config.databaseUrl || !config.temporalAddress || !config.secret || !config.encryptionKey) {
  log.error(
    'DATABASE_URL, TEMPORAL_ADDRESS, FLIGHTDECK_SECRET and FLIGHTDECK_ENCRYPTION_KEY ' +
      'must be set for the standalone API; use `npm start` for the embedded stack',
  );
  process.exit(1);
}
const server = await startServer({
  databaseUrl: config.databaseUrl,
  temporalAddress: config.temporalAddress,
  namespace: config.temporalNamespace,
  taskQueue: config.taskQueue,
  host: process.env.HOST || '0.0.0.0',
  port: config.port,
  log,
  secret: config.secret,
  encryptionKey: parseEncryptionKey(config.encryptionKey),
  outbound: createOutboundGuard({ allow: config.outboundAllow }),
  mail: { smtpUrl: config.smtpUrl, from: config.mailFrom },
  temporalUiUrl: config.temporalUiUrl,
  ...(config.apiWorker ? { worker: { publicUrl: config.publicUrl } } : {}),
});
const admin = await ensureFirstAdmin(server.app.people);
if (admin) log.warn({ email: admin.email }, `first administrator created; password: ${admin.password}`);
log.info({ url: server.url }, 'API listening');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
