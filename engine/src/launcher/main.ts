import { lazyNotifier } from '../temporal/client.ts';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { HOW_TO_GET_TEMPORAL, buildTemporalCli, downloadTemporalCli, findTemporalCli, startTemporalDevServer } from './temporal-cli.ts';
import { createFlowWorker } from '../worker/create-worker.ts';
import { EDITOR_DIST, startServer } from '../server/start-server.ts';
import { buildActivityDeps } from '../worker/activity-deps.ts';
import { openDatabase, migrateDatabase } from '../db/client.ts';
import { loadOrCreateSecret } from '../seed/secret.ts';
import { parseEncryptionKey } from '../auth/encryption.ts';
import { randomBytes } from 'node:crypto';
import { ensureFirstAdmin, FIRST_ADMIN_EMAIL } from '../seed/first-admin.ts';
import { DEMO_PASSWORD, DEMO_USERS, seedDemo } from '../seed/demo.ts';

/**
 * `npm start`: the whole stack on embedded defaults. PostgreSQL and the Temporal dev server
 * are child processes with their data under ./.data; the worker and the API run here.
 * DATABASE_URL or TEMPORAL_ADDRESS replace the embedded parts with real services.
 */
const config = loadConfig();
const log = createLogger(config.logLevel);
const stops: { name: string; stop: () => Promise<unknown> }[] = [];
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    log.info('stopping…');
    for (const { name, stop } of stops.reverse()) {
      try {
        await stop();
        log.info(`${name} stopped`);
      } catch (err) {
        log.warn({ err }, `${name} did not stop cleanly`);
      }
    }
  }
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

try {
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    log.info(`starting embedded PostgreSQL (data in ${join(config.dataDir, 'pg')})`);
    const pg = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPostgresPort, log: (l) => log.debug(l) });
    stops.push({ name: 'PostgreSQL', stop: () => pg.stop() });
    databaseUrl = pg.url;
  }

  let temporalAddress = config.temporalAddress;
  let temporalUi: string | undefined;
  if (!temporalAddress) {
    const binary = findTemporalCli() ?? (await downloadTemporalCli((l) => log.info(l))) ?? buildTemporalCli((l) => log.info(l));
    if (!binary) {
      console.error(`\n${HOW_TO_GET_TEMPORAL}\n`);
      await shutdown(1);
    }
    const dbFile = join(config.dataDir, 'temporal.db');
    log.info(`starting the Temporal dev server (${binary}, history in ${dbFile})`);
    const temporal = await startTemporalDevServer({ binary: binary!, port: config.temporalPort, uiPort: config.temporalUiPort, dbFile, log: (l) => log.debug(l) });
    stops.push({ name: 'Temporal dev server', stop: () => temporal.stop() });
    temporalAddress = temporal.address;
    temporalUi = temporal.uiUrl;
  }

  const secret = loadOrCreateSecret(config.dataDir, config.secret);
  const encryptionKey = parseEncryptionKey(loadOrCreateSecret(config.dataDir, config.encryptionKey, 'encryption-key', () => randomBytes(32).toString('base64')));
  const publicUrl = config.publicUrl ?? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  // Migrate before the worker's activities touch the database.
  const migrator = openDatabase(databaseUrl, 2);
  await migrateDatabase(migrator);
  await migrator.close();
  const workerDb = openDatabase(databaseUrl);
  stops.push({ name: 'worker database pool', stop: () => workerDb.close() });
  const deps = buildActivityDeps({ db: workerDb.db, secret, encryptionKey, publicUrl, smtpUrl: config.smtpUrl, mailFrom: config.mailFrom, log: (l) => log.info(l), notifyRun: lazyNotifier(temporalAddress, config.temporalNamespace) });
  const { worker } = await createFlowWorker({ address: temporalAddress, namespace: config.temporalNamespace, taskQueue: config.taskQueue, deps });
  const workerDone = worker.run();
  // The Temporal runtime also reacts to Ctrl-C and may already be draining the worker.
  stops.push({ name: 'worker', stop: async () => { if (worker.getState() === 'RUNNING') worker.shutdown(); await workerDone; } });

  const server = await startServer({ databaseUrl, temporalAddress, namespace: config.temporalNamespace, taskQueue: config.taskQueue, host: config.host, port: config.port, log, secret, encryptionKey });
  stops.push({ name: 'API', stop: () => server.close() });

  const admin = await ensureFirstAdmin(server.app.people);
  let signIn = admin
    ? `  First start: sign in as ${admin.email} with password ${admin.password}
  (shown once; set FLIGHTDECK_ADMIN_PASSWORD to choose it)
`
    : `  Sign in as ${FIRST_ADMIN_EMAIL} with the password shown at the first start.
`;
  if (process.env.FLIGHTDECK_DEMO !== '0') {
    const adminRow = await server.app.people.userByEmail(FIRST_ADMIN_EMAIL);
    const { created } = await seedDemo(server.db.db, server.app, await server.app.people.actorFor(adminRow!, 'system'));
    signIn += `  Demo people (password "${DEMO_PASSWORD}"): ${DEMO_USERS.map((u) => u.email).join(', ')}${created ? '' : ' (already there)'}
`;
  }

  if (!existsSync(join(EDITOR_DIST, 'index.html'))) log.warn('editor/dist is missing: run `npm run build` (npm start does it for you)');
  console.log(`\n  Flightdeck is running:  ${server.url}\n${temporalUi ? `  (Temporal UI: ${temporalUi})\n` : ''}${signIn}  Press Ctrl-C to stop.\n`);
} catch (err) {
  log.error({ err }, 'start-up failed');
  await shutdown(1);
}
