import type { Server } from 'node:http';
import type { HookAdmission, HookAdmissionLimits } from '../api/hook-admission.ts';
import type { OutboundGuard } from '@flightdeck/activities';
import { fileURLToPath } from 'node:url';
import { openDatabase, migrateDatabase, type DatabaseHandle } from '../db/client.ts';
import { connectTemporal, type TemporalHandle } from '../temporal/client.ts';
import { createApp } from '../api/app.ts';
import type { Logger } from '../logger.ts';
import type { HOOK_LIMITS } from '../auth/throttle.ts';
import { RunChangeFeed } from '../services/run-changes.ts';
import { startLocalWorker, type LocalWorker, type LocalWorkerOptions } from './local-worker.ts';
import type { RunStreamLimits } from '../api/run-stream-admission.ts';

export const EDITOR_DIST = fileURLToPath(new URL('../../../editor/dist', import.meta.url));
/** The editor built with its end-to-end test hooks (`npm run build:test -w @flightdeck/editor`); only tests serve it. */
export const EDITOR_TEST_DIST = fileURLToPath(new URL('../../../editor/dist-test', import.meta.url));

export interface ServerOptions {
  databaseUrl: string;
  /** The server's own mailer, as the worker's (SMTP_URL, MAIL_FROM). */
  mail?: { smtpUrl?: string; from?: string };
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  host: string;
  port: number;
  log: Logger;
  editorDist?: string;
  /** Chromium for review PDFs (default CHROMIUM_PATH, then /usr/bin/chromium). */
  chromiumPath?: string;
  /** How often runs that closed unobserved get their final state written; 0 turns it off. */
  syncIntervalMs?: number;
  secret: string;
  encryptionKey: Buffer;
  /** Tests inject one for sign-in limits and token expiry. */
  clock?: () => number;
  outbound?: OutboundGuard;
  /** Raised only by the benchmarks for their loopback sender; the product keeps HOOK_LIMITS. */
  hookLimits?: typeof HOOK_LIMITS;
  /** The hook endpoint's backpressure bounds; tests and the bench's overload phase lower them. */
  hookAdmission?: HookAdmissionLimits | HookAdmission;
  /** The tests check every answer against its declared schema. */
  checkResponses?: boolean;
  /** Bounds on the run view's open streams; tests lower them. */
  runStreams?: RunStreamLimits;
  /** How long an approval decision waits for its run to take it; tests lower it. */
  decisionDeadlineMs?: number;
  /** The Temporal web UI the run page links to; no link without it. */
  temporalUiUrl?: string;
  /** A flow worker in this process that runs start on eagerly (local-worker.ts); none without it. */
  worker?: LocalWorkerOptions;
}

export interface RunningServer {
  url: string;
  port: number;
  db: DatabaseHandle;
  temporal: TemporalHandle;
  /** The worker in this process, when `worker` was given. */
  localWorker?: LocalWorker;
  app: ReturnType<typeof createApp>;
  close(): Promise<void>;
}

/** Migrates the database, connects to Temporal and serves the API and the editor. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const db = openDatabase(opts.databaseUrl);
  await migrateDatabase(db);
  const temporal = await connectTemporal(opts.temporalAddress, opts.namespace).catch(async (err: unknown) => {
    await db.close();
    throw err;
  });
  // Started once the API listens (the links in its messages need the address); runs start as before until then.
  let localWorker: LocalWorker | undefined;
  const runChanges = new RunChangeFeed(opts.databaseUrl, opts.log);
  const app = createApp({
    runChanges,
    mail: opts.mail,
    runStreams: opts.runStreams,
    decisionDeadlineMs: opts.decisionDeadlineMs,
    db: db.db,
    temporal: () => temporal.client,
    starter: () => localWorker?.starter(),
    temporalAddress: opts.temporalAddress,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    log: opts.log,
    editorDist: opts.editorDist ?? EDITOR_DIST,
    chromiumPath: opts.chromiumPath,
    secret: opts.secret,
    encryptionKey: opts.encryptionKey,
    clock: opts.clock,
    outbound: opts.outbound,
    hookLimits: opts.hookLimits,
    hookAdmission: opts.hookAdmission,
    checkResponses: opts.checkResponses,
    temporalUiUrl: opts.temporalUiUrl,
  });
  const server: Server = await new Promise<Server>((resolve, reject) => {
    // Express 5 hands a listen error (EADDRINUSE) to this callback instead of only emitting it.
    const s = app.app.listen(opts.port, opts.host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  }).catch(async (err: unknown) => {
    await temporal.close();
    await db.close();
    throw err;
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = `http://${opts.host === '0.0.0.0' ? 'localhost' : opts.host}:${port}`;
  if (opts.worker) {
    const worker = { publicUrl: url, ...opts.worker };
    localWorker = await startLocalWorker({ ...opts, address: opts.temporalAddress, db: db.db, worker }).catch(async (err: unknown) => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runChanges.close();
      await app.reviewPdf.close();
      await temporal.close();
      await db.close();
      throw err;
    });
  }

  // Each round in flight, if any: closing waits for them, or their Temporal calls would be retried on a closed channel
  // (an uncaught error from inside the gRPC client's retry timer). The held decisions go apart from the runs' sync:
  // with no worker, a held decision's send waits out its deadline.
  const syncRuns = oneRoundAtATime(
    () => app.runs.syncRunning(),
    (err) => opts.log.warn({ err }, 'run sync failed'),
  );
  const sendHeld = oneRoundAtATime(
    () => app.approvals.deliverHeld(),
    (err) => opts.log.warn({ err }, 'held decisions not sent'),
  );
  const interval = opts.syncIntervalMs ?? 2000;
  const timer =
    interval > 0
      ? setInterval(() => {
          syncRuns.tick();
          sendHeld.tick();
        }, interval)
      : undefined;
  timer?.unref();

  return {
    url,
    port,
    db,
    temporal,
    get localWorker() {
      return localWorker;
    },
    app,
    async close() {
      if (timer) clearInterval(timer);
      app.runs.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await syncRuns.settled();
      await sendHeld.settled();
      await runChanges.close();
      await app.reviewPdf.close();
      // After the HTTP server: a start still in flight may have been handed this worker's task.
      await localWorker?.close();
      await temporal.close();
      await db.close();
    },
  };
}

/** A periodic job that starts a round only when the last one has ended; `settled` waits for the one in flight. */
function oneRoundAtATime(round: () => Promise<unknown>, onError: (err: unknown) => void) {
  let running: Promise<void> | undefined;
  return {
    tick() {
      running ??= round()
        .then(() => undefined, onError)
        .finally(() => {
          running = undefined;
        });
    },
    settled: () => running,
  };
}
