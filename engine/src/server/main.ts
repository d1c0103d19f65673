import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { startServer } from './start-server.ts';

/** The API alone, against external PostgreSQL and Temporal (docker-compose, production). */
const config = loadConfig();
const log = createLogger(config.logLevel);
if (!config.databaseUrl || !config.temporalAddress) {
  log.error('DATABASE_URL and TEMPORAL_ADDRESS must be set for the standalone API; use `npm start` for the embedded stack');
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
});
log.info({ url: server.url }, 'API listening');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
