import { Client } from '@temporalio/client';
import type { WorkflowBundle } from '@temporalio/worker';
import type { OutboundGuard } from '@flightdeck/activities';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { buildActivityDeps } from '../worker/activity-deps.ts';
import { createFlowWorker } from '../worker/create-worker.ts';
import { gatheredRunChanges } from '../services/run-changes.ts';
import { signalNotice } from '../temporal/client.ts';

export interface LocalWorkerOptions {
  /** The address links in messages point to (FLIGHTDECK_PUBLIC_URL), as for the worker process; default the API's. */
  publicUrl?: string;
  /** The launcher's bundle, shared with its worker process; bundled here when absent. */
  workflowBundle?: WorkflowBundle;
}

export interface LocalWorker {
  /**
   * A client on the worker's own connection, while the worker runs: a start through it may be answered with the run's
   * first task. None once the worker has stopped or failed (the API's own client starts runs then).
   */
  starter(): Client | undefined;
  close(): Promise<void>;
}

/**
 * A flow worker in the API's own process, whose connection the API starts runs through with eager start: Temporal
 * answers the start with the run's first workflow task and this worker runs it at once, instead of storing the task
 * for matching to hand to a poller (the dev server's share of a run's CPU falls by about a fifth, and the wait for
 * a poll goes; engine/bench/webhook-flow.ts measures it). A webhook flow's run is often that one task.
 *
 * It is a whole worker: it also polls, and a run it started goes on wherever Temporal sends the next task, so the
 * worker process (the launcher's child, compose's worker service) keeps taking the rest and a run survives either
 * one stopping. A start finds no free slot here when this worker is busy or gone, and then goes through matching as
 * before. If the worker fails, the API goes on without it.
 */
export async function startLocalWorker(opts: {
  address: string;
  namespace: string;
  taskQueue: string;
  db: Database;
  secret: string;
  encryptionKey: Buffer;
  mail?: { smtpUrl?: string; from?: string };
  outbound?: OutboundGuard;
  log: Logger;
  worker: LocalWorkerOptions & { publicUrl: string };
}): Promise<LocalWorker> {
  const deps = buildActivityDeps({
    db: opts.db,
    secret: opts.secret,
    encryptionKey: opts.encryptionKey,
    publicUrl: opts.worker.publicUrl,
    smtpUrl: opts.mail?.smtpUrl,
    mailFrom: opts.mail?.from,
    log: (line) => opts.log.info(line),
    // The client below: activities run only once the worker does, after it exists.
    notifyRun: signalNotice(() => client),
    outbound: opts.outbound,
  });
  const { worker, connection } = await createFlowWorker({
    address: opts.address,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    deps,
    workflowBundle: opts.worker.workflowBundle,
    announceRunChange: gatheredRunChanges(opts.db),
  });
  const client = new Client({ connection, namespace: opts.namespace });
  let closed: Promise<void> | undefined;
  const running = worker.run().catch((err: unknown) => opts.log.error({ err }, 'the API process worker stopped'));
  return {
    starter: () => (worker.getState() === 'RUNNING' ? client : undefined),
    close() {
      closed ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await connection.close();
      })();
      return closed;
    },
  };
}
