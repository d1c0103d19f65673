import { join } from 'node:path';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { HOW_TO_GET_TEMPORAL, buildTemporalCli, downloadTemporalCli, findTemporalCli, startTemporalDevServer } from './temporal-cli.ts';
import { EDITOR_DIST, startServer } from '../server/start-server.ts';
import { openDatabase, migrateDatabase } from '../db/client.ts';
import { loadOrCreateSecret } from '../seed/secret.ts';
import { parseEncryptionKey } from '../auth/encryption.ts';
import { ensureFirstAdmin, FIRST_ADMIN_EMAIL } from '../seed/first-admin.ts';
import { DEMO_PASSWORD, DEMO_USERS, seedDemo } from '../seed/demo.ts';
import { Supervisor } from './supervise.ts';
import { clearLeftovers, launcherPidFiles, workerDataDirArg } from './leftovers.ts';
import { StartFailure, describeStartFailure } from './start-failure.ts';
import { bundleFlowWorkflows } from '../worker/create-worker.ts';

/**
 * `npm start`: the whole stack on embedded defaults. PostgreSQL, the Temporal dev server and the worker
 * are child processes, each in its own process group (Ctrl-C reaches only this process, which stops them
 * in order); the API runs here. The worker is restarted with backoff whenever it dies, so a crash there
 * never takes the API down. A launcher that was killed outright leaves pid files in the data directory,
 * and the next start stops what they name. DATABASE_URL or TEMPORAL_ADDRESS replace the embedded parts.
 */
const WORKER_MAIN = fileURLToPath(new URL('../worker/main.ts', import.meta.url));
const config = loadConfig();
const log = createLogger(config.logLevel);
const pidFiles = launcherPidFiles(config.dataDir);
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
    if (pidFiles.launcher.read() === process.pid) pidFiles.launcher.remove();
  }
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void shutdown(0));
// A bug in the API must not leave the children behind either: stop them in order, then exit non-zero.
process.once('uncaughtException', (err) => {
  log.fatal({ err }, 'the launcher crashed');
  void shutdown(1);
});
process.once('unhandledRejection', (err) => {
  log.fatal({ err }, 'the launcher crashed');
  void shutdown(1);
});

let stage = 'launcher';
try {
  await clearLeftovers(config.dataDir, (l) => log.warn(l));

  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    stage = 'postgres';
    log.info(`starting embedded PostgreSQL (data in ${join(config.dataDir, 'pg')})`);
    const pg = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPostgresPort, log: (l) => log.debug(l) });
    stops.push({ name: 'PostgreSQL', stop: () => pg.stop() });
    databaseUrl = pg.url;
  }

  let temporalAddress = config.temporalAddress;
  let temporalUi: string | undefined;
  if (!temporalAddress) {
    stage = 'temporal';
    const binary = findTemporalCli() ?? (await downloadTemporalCli((l) => log.info(l))) ?? buildTemporalCli((l) => log.info(l));
    if (!binary) throw new StartFailure('No Temporal CLI was found, and none could be built or downloaded.', `\n${HOW_TO_GET_TEMPORAL}`);
    const dbFile = join(config.dataDir, 'temporal.db');
    log.info(`starting the Temporal dev server (${binary}, history in ${dbFile})`);
    const temporal = await startTemporalDevServer({
      binary,
      port: config.temporalPort,
      uiPort: config.temporalUiPort,
      dbFile,
      log: (l) => log.debug(l),
    });
    if (temporal.process.pid) pidFiles.temporal.write(temporal.process.pid);
    stops.push({ name: 'Temporal dev server', stop: async () => (await temporal.stop(), pidFiles.temporal.remove()) });
    temporalAddress = temporal.address;
    temporalUi = temporal.uiUrl;
  }

  const secret = loadOrCreateSecret(config.dataDir, config.secret);
  const encryptionKey = loadOrCreateSecret(config.dataDir, config.encryptionKey, 'encryption-key', () =>
    randomBytes(32).toString('base64'),
  );
  const publicUrl = config.publicUrl ?? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  // Migrate before the worker's activities touch the database.
  stage = 'database migrations';
  const migrator = openDatabase(databaseUrl, 2);
  try {
    await migrateDatabase(migrator);
  } finally {
    await migrator.close();
  }

  stage = 'worker';
  const bundle = join(config.dataDir, 'workflow-bundle.js');
  rmSync(bundle, { force: true });
  // With a worker in the API's process too, the launcher bundles the workflows once for both; the worker process
  // reads the file (and so does each restart of it), as it reads the one it wrote itself otherwise.
  const workflowBundle = config.apiWorker ? await bundleFlowWorkflows() : undefined;
  if (workflowBundle) writeFileSync(bundle, workflowBundle.code);
  const worker = new Supervisor({
    name: 'worker',
    module: WORKER_MAIN,
    args: [workerDataDirArg(config.dataDir)],
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: config.temporalNamespace,
      FLIGHTDECK_TASK_QUEUE: config.taskQueue,
      FLIGHTDECK_SECRET: secret,
      FLIGHTDECK_ENCRYPTION_KEY: encryptionKey,
      FLIGHTDECK_PUBLIC_URL: publicUrl,
      FLIGHTDECK_WORKFLOW_BUNDLE: bundle,
    },
    pidFile: pidFiles.worker,
    log: { info: (m) => log.info(m), warn: (m) => log.warn(m) },
  });
  const firstReady = once(worker, 'ready');
  worker.start();
  stops.push({ name: 'worker', stop: async () => (await worker.stop(), rmSync(bundle, { force: true })) });

  stage = 'api';
  const server = await startServer({
    databaseUrl,
    temporalAddress,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    host: config.host,
    port: config.port,
    log,
    secret,
    encryptionKey: parseEncryptionKey(encryptionKey),
    mail: { smtpUrl: config.smtpUrl, from: config.mailFrom },
    temporalUiUrl: config.temporalUiUrl ?? temporalUi,
    ...(workflowBundle ? { worker: { publicUrl, workflowBundle } } : {}),
  });
  stops.push({ name: 'API', stop: () => server.close() });

  stage = 'first start';
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
  // Runs only move once the worker polls; its restarts are logged if it cannot start.
  await firstReady;
  console.log(
    `\n  Flightdeck is running:  ${server.url}\n${temporalUi ? `  (Temporal UI: ${temporalUi})\n` : ''}${signIn}  Press Ctrl-C to stop.\n`,
  );
} catch (err) {
  log.debug({ err }, 'start-up failed');
  console.error(`\n  Flightdeck could not start.\n  ${describeStartFailure(err, stage)}\n`);
  await shutdown(1);
}
