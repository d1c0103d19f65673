import { DefaultLogger, NativeConnection, Runtime, bundleWorkflowCode, type BundleOptions, type Worker } from '@temporalio/worker';
import { FlowWorker } from './flow-worker.ts';
import { DomainErrorsAreFinal } from './domain-failures.ts';
import { AnnounceActivityEnds } from './announce-activity-ends.ts';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  InjectedSinks,
  LogEntry,
  Next,
  WorkflowBundle,
} from '@temporalio/worker';
import type { RunProgressSinks } from '../../../workflows/src/temporal/interceptors.ts';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { scrubText, scrubValue } from '../logger.ts';
import { scrubDatabaseError } from '../services/db-errors.ts';
import { createActivities, type ActivityDeps } from '@flightdeck/activities';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../../../workflows/src/temporal/index.ts', import.meta.url));
/** Shares one expression budget per activation (see the module). */
export const WORKFLOW_INTERCEPTORS_PATH = fileURLToPath(new URL('../../../workflows/src/temporal/interceptors.ts', import.meta.url));

/**
 * Evaluated once per reusable V8 context instead of once per workflow run: the libraries our workflow modules use and
 * every module of ours (see the module for why it is a module of ours and not the packages' names, and what keeps
 * sharing them safe).
 */
export const PRELOADED_LIBRARIES = [fileURLToPath(new URL('../../../workflows/src/temporal/preload.ts', import.meta.url))] as const;

/** Bundling takes seconds; tests and the bench bundle once and share it. */
/** `webpackConfigHook`: for tests that build a worker whose code differs (a changed default) to prove replay does not care. */
export async function bundleFlowWorkflows(opts: Pick<BundleOptions, 'webpackConfigHook'> = {}): Promise<WorkflowBundle> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: [WORKFLOW_INTERCEPTORS_PATH],
    preloadModules: [...PRELOADED_LIBRARIES],
    logger: quietBundlerLogger,
    ...opts,
  });
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

/** Where the worker's log lines go; a test swaps it to read them. */
let workerLogSink: (line: string) => void = (line) => process.stderr.write(line);
export function setWorkerLogSink(sink: (line: string) => void): () => void {
  const before = workerLogSink;
  workerLogSink = sink;
  return () => {
    workerLogSink = before;
  };
}

/** Temporal's log lines (activity failures quote the error) pass the same scrubbing as the API's. */
export function scrubbedLogFunction(entry: LogEntry): void {
  const at = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const meta = entry.meta === undefined ? '' : ` ${inspect(scrubValue(entry.meta), { depth: 6, breakLength: Infinity })}`;
  workerLogSink(`${at} [${entry.level}] ${scrubText(entry.message)}${meta}\n`);
}

/**
 * A database error leaving an activity becomes the failure Temporal stores, shows in the run and
 * logs: it goes out without drizzle's SQL parameters (recipients' phone numbers, sealed secrets).
 */
class ScrubDatabaseErrors implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) {
    try {
      return await next(input);
    } catch (err) {
      throw scrubDatabaseError(err) ?? err;
    }
  }
}

let runtimeReady = false;
/** Temporal's Rust core logs through this; WARN keeps the bundler's chatter out of the console. Once per process. */
export function installWorkerRuntime(level: 'ERROR' | 'WARN' | 'INFO' = 'WARN'): void {
  if (runtimeReady) return;
  runtimeReady = true;
  try {
    Runtime.install({ logger: new DefaultLogger(level, scrubbedLogFunction) });
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
  /** Wakes the run view's streams after each activity (gatheredRunChanges on the worker's database). */
  announceRunChange?: (workflowId: string) => void;
}

/**
 * The workflow's "what a watcher sees may have changed" (workflows/src/temporal/interceptors.ts), turned into the run
 * view's wake-up. Registered even without an announcer: a workflow calling a sink the worker lacks logs an error.
 */
export function runProgressSinks(announce?: (workflowId: string) => void): InjectedSinks<RunProgressSinks> {
  return { runProgress: { changed: { fn: (info) => announce?.(info.workflowId), callDuringReplay: false } } };
}

export async function createFlowWorker(opts: FlowWorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  installWorkerRuntime();
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await FlowWorker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle
      ? { workflowBundle: opts.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { preloadModules: [...PRELOADED_LIBRARIES] } }),
    // A prebuilt bundle carries the workflow interceptors already (bundleFlowWorkflows puts them in).
    interceptors: {
      ...(opts.workflowBundle ? {} : { workflowModules: [WORKFLOW_INTERCEPTORS_PATH] }),
      activity: [
        () => ({ inbound: new ScrubDatabaseErrors() }),
        () => ({ inbound: new DomainErrorsAreFinal() }),
        ...(opts.announceRunChange ? [() => ({ inbound: new AnnounceActivityEnds(opts.announceRunChange!) })] : []),
      ],
    },
    activities: { ...createActivities(opts.deps), ...(opts.activities ?? {}) },
    sinks: runProgressSinks(opts.announceRunChange),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 200,
    // No per-call sandbox timeout: FlowWorker keeps the backstop with one timer per activation (see flow-worker.ts).
    // A stopped worker hands its tasks back quickly, so a restarted one picks up the run.
    shutdownGraceTime: '5s',
  });
  return { worker, connection };
}
