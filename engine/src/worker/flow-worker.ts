import { Worker as NodeThread } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Worker, type CompiledWorkerOptions, type Logger } from '@temporalio/worker';
import type { Workflow, WorkflowCreator } from '@temporalio/worker/lib/workflow/interface.js';
import { ThreadedVMWorkflowCreator, WorkerThreadClient } from '@temporalio/worker/lib/workflow/threaded-vm.js';
import type { WorkflowBundleWithSourceMapAndFilename } from '@temporalio/worker/lib/workflow/workflow-worker-thread/input.js';

/** Temporal's workflow thread module, entered through ours (see the file for why). */
const WORKFLOW_THREAD_ENTRY = fileURLToPath(new URL('./workflow-thread.mjs', import.meta.url));

/**
 * How long one activation may take before the worker gives up on its process. Nothing in a flow runs unbounded (the
 * expression budget keeps an activation near 0.5 s of one core), so only a loop in our own code reaches this.
 */
export const ACTIVATION_BACKSTOP_MS = 30_000;

/** What the backstop does when it fires; a test swaps it. Exiting lets the supervisor (the launcher, systemd, k8s) restart. */
let onStuckActivation = (runId: string, ms: number): void => {
  process.stderr.write(`workflow activation of run ${runId} has not returned in ${ms} ms: a loop in workflow code; exiting\n`);
  process.exit(70);
};
export function setStuckActivationHandler(handler: (runId: string, ms: number) => void): () => void {
  const before = onStuckActivation;
  onStuckActivation = handler;
  return () => {
    onStuckActivation = before;
  };
}

/**
 * The SDK runs every call into the workflow sandbox with a `vm` timeout (its backstop for a looping workflow), and
 * Node starts and joins a watchdog thread for each such call: about 70 µs of CPU and 0.8–4 ms of wall time per call on
 * this 2-core machine under load, with several calls per workflow task (`engine/bench/webhook-flow.ts` profiles:
 * `runInContext` was the workflow thread's largest item). When that timeout fires inside a promise callback, Node
 * aborts the whole process anyway (nodejs/node#38503). So the sandbox runs without it, and one timer per activation in
 * the worker's own thread keeps the backstop.
 */
export class FlowWorker extends Worker {
  protected static override async createWorkflowCreator(
    bundle: WorkflowBundleWithSourceMapAndFilename,
    compiledOptions: CompiledWorkerOptions,
    logger: Logger,
  ): Promise<WorkflowCreator> {
    const untimed = { ...compiledOptions, isolateExecutionTimeoutMs: undefined as unknown as number };
    // Debug mode runs workflows on this thread; otherwise the threads are the SDK's, started through our entry module.
    const creator = compiledOptions.debugMode
      ? await super.createWorkflowCreator(bundle, untimed, logger)
      : await startWorkflowThreads(bundle, untimed, logger);
    return withActivationBackstop(creator, ACTIVATION_BACKSTOP_MS);
  }
}

/** What `ThreadedVMWorkflowCreator.create` does (SDK 1.24), with our thread entry. */
async function startWorkflowThreads(bundle: WorkflowBundleWithSourceMapAndFilename, options: CompiledWorkerOptions, logger: Logger) {
  const clients = Array.from(
    { length: options.workflowThreadPoolSize },
    () => new WorkerThreadClient(new NodeThread(WORKFLOW_THREAD_ENTRY), logger, options.patchActivationCallback),
  );
  await Promise.all(
    clients.map((client) =>
      client.send({
        type: 'init',
        workflowBundle: bundle,
        isolateExecutionTimeoutMs: options.isolateExecutionTimeoutMs,
        reuseV8Context: options.reuseV8Context ?? true,
        registeredActivityNames: new Set(options.activities.keys()),
        hasPatchActivationCallback: options.patchActivationCallback !== undefined,
      }),
    ),
  );
  return new ThreadedVMWorkflowCreator(clients);
}

/** One activation's time on the worker: from the call into the workflow thread until its commands came back. */
export interface ActivationTiming {
  workflowType: string;
  runId: string;
  /** The first activation of this workflow object (a run's start, or its replay after the cache let it go). */
  first: boolean;
  ms: number;
}
let activationObserver: ((timing: ActivationTiming) => void) | undefined;
/**
 * Hears every activation's time, for the benches: a workflow task's span in history also holds the dev server's
 * hand-over and, since webhook calls are local activities, the calls themselves, so it is not the worker's time.
 */
export function observeActivations(observer: (timing: ActivationTiming) => void): () => void {
  activationObserver = observer;
  return () => {
    activationObserver = undefined;
  };
}

export function withActivationBackstop(creator: WorkflowCreator, limitMs: number): WorkflowCreator {
  return {
    destroy: () => creator.destroy(),
    async createWorkflow(options) {
      const workflow: Workflow = await creator.createWorkflow(options);
      const { runId, workflowType } = options.info;
      let activations = 0;
      return {
        getAndResetSinkCalls: () => workflow.getAndResetSinkCalls(),
        dispose: () => workflow.dispose(),
        async activate(activation) {
          const timer = setTimeout(() => onStuckActivation(runId, limitMs), limitMs);
          timer.unref();
          const startedAt = performance.now();
          try {
            return await workflow.activate(activation);
          } finally {
            clearTimeout(timer);
            activationObserver?.({ workflowType, runId, first: activations++ === 0, ms: performance.now() - startedAt });
          }
        },
      };
    },
  };
}
