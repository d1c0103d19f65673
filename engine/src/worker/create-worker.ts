import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities, type ActivityDeps } from '@flightdeck/activities';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../../../workflows/src/temporal/index.ts', import.meta.url));
/** Shares one expression budget per activation (see the module). */
export const WORKFLOW_INTERCEPTORS_PATH = fileURLToPath(new URL('../../../workflows/src/temporal/interceptors.ts', import.meta.url));

/** Bundling takes seconds; tests and the bench bundle once and share it. */
export async function bundleFlowWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: [WORKFLOW_INTERCEPTORS_PATH], logger: quietBundlerLogger });
}

const quietBundlerLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error(message: string, meta?: unknown) {
    console.error(message, meta ?? '');
  },
};

let runtimeReady = false;
/** Temporal's Rust core logs through this; WARN keeps the bundler's chatter out of the console. Once per process. */
export function installWorkerRuntime(level: 'ERROR' | 'WARN' | 'INFO' = 'WARN'): void {
  if (runtimeReady) return;
  runtimeReady = true;
  try {
    Runtime.install({ logger: new DefaultLogger(level) });
  } catch {
    /* another module installed it first */
  }
}

export interface FlowWorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  workflowBundle?: WorkflowBundle;
  deps: ActivityDeps;
  /** Extra activities, for tests and the benchmark's hand-written baseline. */
  activities?: Record<string, (...args: never[]) => Promise<unknown>>;
  maxConcurrentActivityTaskExecutions?: number;
}

export async function createFlowWorker(opts: FlowWorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  installWorkerRuntime();
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    interceptors: { workflowModules: [WORKFLOW_INTERCEPTORS_PATH] },
    activities: { ...createActivities(opts.deps), ...(opts.activities ?? {}) },
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 200,
    // A stopped worker hands its tasks back quickly, so a restarted one picks up the run.
    shutdownGraceTime: '5s',
  });
  return { worker, connection };
}
