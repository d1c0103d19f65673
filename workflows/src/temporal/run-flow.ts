import {
  ActivityFailure,
  allHandlersFinished,
  continueAsNew,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ChildWorkflowFailure,
  ParentClosePolicy,
  condition,
  TimeoutFailure,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { JsonValue } from '../json.ts';
import { thawFlow } from '../frozen.ts';
import { loadNodeTypes } from '../nodes/load.ts';
import type { FlowDocument } from '../flow.ts';
import { FlowInterpreter } from '../interpreter/interpreter.ts';
import { ActivityCallError, TaskRejection, type ActivityCallOptions, type RuntimePorts } from '../interpreter/ports.ts';
import type { InterpreterSnapshot, Requester } from '../interpreter/interpreter.ts';
import type { RunState } from '../interpreter/state.ts';
import type { ChildFlowOutcome } from '../nodes/subflow.ts';
import type { ActivityArgs, ActivityName, ActivityResult, FlowActivities, RegisterRunRequest } from '../activities.ts';

/** What a run carries: the published version's graph itself, so the run is pinned to it. */
export interface RunFlowInput {
  flowId: string;
  versionId: string;
  version: number;
  graph: unknown;
  /** Set on frozen versions: the graph is trusted as published once its hash checks out. Absent on runs started before freezing. */
  format?: number;
  contentHash?: string;
  input: JsonValue;
  campaign?: JsonValue;
  requester?: Requester | null;
  /** Started by a Temporal Schedule: the run must first be recorded, since no API call created it. */
  scheduled?: boolean;
  /** Set when this run continues an earlier one of the same workflow id as new (its history had grown long). */
  resume?: { interpreter: InterpreterSnapshot; notices: Record<string, number>; handovers: number };
  /**
   * The activities this run calls as local activities, fixed when it started (LOCAL_ACTIVITIES then) and kept
   * through continue-as-new and into its sub-flows. Absent on runs started before local activities: none.
   */
  localActivities?: ActivityName[];
  /** The patch ids this run is past from its start (CURRENT_PATCHES then): answered without `patched()`'s marker. */
  patches?: string[];
}

/**
 * Well under Temporal's warnings (10,240 events, 10 MB), in case a server never suggests it; a server that
 * suggests earlier (limit.historyCount.suggestContinueAsNew) is followed.
 */
const HANDOVER_EVENTS = 8_000;
const HANDOVER_BYTES = 8 * 1024 * 1024;

function historyIsLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > HANDOVER_EVENTS || info.historySize > HANDOVER_BYTES;
}

export const REGISTER_RUN_ACTIVITY = 'registerScheduledRun' satisfies ActivityName;
export type { RegisterRunRequest };

/** Input from a person to an open task (an approver's decision), addressed by task id. */
export interface TaskInput {
  taskId: string;
  input: unknown;
}

export const runStateQuery = defineQuery<RunState | null>('runState');
export const submitTaskUpdate = defineUpdate<unknown, [TaskInput]>('submitTask');
/** An outside event a node may be waiting for, by key ("connection:<id>" when a paused channel resumes). */
export const noticeSignal = defineSignal<[string]>('notice');

/** Temporal's side of the ports: durable timers and activities with the node's own retry policy. */
function temporalPorts(notices: Map<string, number>, args: Pick<RunFlowInput, 'localActivities' | 'patches'>): RuntimePorts {
  const local: ReadonlySet<string> = new Set(args.localActivities);
  const startedPast: ReadonlySet<string> = new Set(args.patches);
  const proxies = new Map<string, FlowActivities>();
  const temporalOptions = (options: ActivityCallOptions) => ({
    startToCloseTimeout: options.startToCloseTimeoutMs,
    retry: {
      maximumAttempts: options.retry.maximumAttempts,
      initialInterval: options.retry.initialIntervalMs,
      backoffCoefficient: options.retry.backoffCoefficient,
      maximumInterval: options.retry.maximumIntervalMs,
    },
  });
  const proxyFor = (name: ActivityName, options: ActivityCallOptions): FlowActivities => {
    // A local activity's marker does not keep its arguments, so the execution it belongs to rides in its summary
    // (the run's activity list reads it there): one proxy per call, a plain object.
    if (local.has(name)) return proxyLocalActivities<FlowActivities>({ ...temporalOptions(options), summary: options.executionKey });
    const key = JSON.stringify([options.startToCloseTimeoutMs, options.retry]);
    let proxy = proxies.get(key);
    if (!proxy) {
      proxy = proxyActivities<FlowActivities>(temporalOptions(options));
      proxies.set(key, proxy);
    }
    return proxy;
  };
  return {
    now: () => Date.now(),
    sleep: (ms) => sleep(ms),
    async waitUntil(predicate, timeoutMs) {
      if (timeoutMs === undefined) {
        await condition(predicate);
        return true;
      }
      return condition(predicate, Math.max(1, timeoutMs));
    },
    async waitForNotice(key, timeoutMs, since) {
      const seen = since ?? notices.get(key) ?? 0;
      return condition(() => (notices.get(key) ?? 0) > seen, Math.max(1, timeoutMs));
    },
    noticeCount: (key) => notices.get(key) ?? 0,
    patched: (id) => startedPast.has(id) || patched(id),
    runChildFlow: ({ workflowId, args: childArgs, wait }) =>
      runChild(workflowId, childArgs, wait, { localActivities: args.localActivities, patches: args.patches }),
    async callActivity<K extends ActivityName>(name: K, args: ActivityArgs<K>, options: ActivityCallOptions): Promise<ActivityResult<K>> {
      // TypeScript cannot tie FlowActivities[K] to ActivityArgs<K> for a generic K; the port's signature checks callers.
      const activity = proxyFor(name, options)[name] as unknown as (...a: ActivityArgs<K>) => Promise<ActivityResult<K>>;
      try {
        return await activity(...args);
      } catch (err) {
        if (isCancellation(err)) throw err;
        if (err instanceof ActivityFailure) throw toActivityCallError(err.cause, err.message);
        // A local activity's failure reaches the workflow unwrapped: core resolves it with the activity's own failure.
        if (local.has(name) && (err instanceof ApplicationFailure || err instanceof TimeoutFailure))
          throw toActivityCallError(err, err.message);
        throw err;
      }
    },
  };
}

/**
 * One child per node execution: the id is the execution's, and a replay finds the start in history. A child the
 * parent does not wait for outlives it (abandoned); one it waits for is cancelled with it.
 */
async function runChild(
  workflowId: string,
  args: RunFlowInput,
  wait: boolean,
  inherited: Pick<RunFlowInput, 'localActivities' | 'patches'>,
): Promise<ChildFlowOutcome> {
  const handle = await startChild(runFlow, {
    workflowId,
    // A sub-flow runs the way its parent started: the same local activities, past the same patches.
    args: [{ ...args, ...inherited }],
    parentClosePolicy: wait ? ParentClosePolicy.REQUEST_CANCEL : ParentClosePolicy.ABANDON,
  });
  if (!wait) return { status: 'started' };
  try {
    const state = await handle.result();
    return state.status === 'completed'
      ? { status: 'completed' }
      : { status: 'failed', reason: state.reason ?? `The run was ${state.status}` };
  } catch (err) {
    // A child cancelled on its own is its outcome; only this run's own cancellation goes on up.
    if (CancellationScope.current().consideredCancelled) throw err;
    if (err instanceof ChildWorkflowFailure) return { status: 'failed', reason: err.cause?.message ?? err.message };
    throw err;
  }
}

/** What a node sees of a failed call: the activity's own failure (the cause), or the wrapper's message without one. */
function toActivityCallError(cause: Error | undefined, message: string): ActivityCallError {
  if (cause instanceof ApplicationFailure) {
    return new ActivityCallError(cause.message, {
      nonRetryable: !!cause.nonRetryable,
      type: cause.type ?? undefined,
      data: cause.details?.[0],
    });
  }
  if (cause instanceof TimeoutFailure)
    return new ActivityCallError(`Timed out (${cause.timeoutType})`, { nonRetryable: false, type: 'Timeout' });
  return new ActivityCallError(cause?.message ?? message, { nonRetryable: false });
}

/** A TaskRejection becomes an ApplicationFailure whose type is the rejection code, which the API maps to 403/409/422. */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof TaskRejection) throw ApplicationFailure.nonRetryable(err.message, err.code);
    throw err;
  }
}

/**
 * The graph this run executes. A frozen version is used exactly as published (its hash checked),
 * never re-validated or re-defaulted, so its meaning and its replay cannot change under it. Runs
 * started before versions were frozen carry a raw graph and keep the path they started on; only they
 * load the validator (webpack's eager mode: in the bundle, evaluated on first use), so a run of a
 * frozen version does not pay for evaluating every node type's schemas.
 */
async function pinnedFlow(args: RunFlowInput): Promise<FlowDocument> {
  if (args.contentHash !== undefined) {
    try {
      return thawFlow({ format: args.format, hash: args.contentHash, graph: args.graph });
    } catch (err) {
      throw ApplicationFailure.nonRetryable((err as Error).message, 'InvalidFlow');
    }
  }
  const { validateFlow } = await import(/* webpackMode: "eager" */ '../validator.ts');
  const checked = validateFlow(args.graph);
  if (!checked.ok) {
    const first = checked.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`);
    throw ApplicationFailure.nonRetryable(`The flow version is invalid: ${first.join('; ')}`, 'InvalidFlow', checked.issues);
  }
  return checked.flow;
}

/**
 * The thin Temporal shell around the interpreter. It never lets a malformed graph or an
 * unexpected error escape as a plain Error: that would fail the workflow task and retry it
 * forever. Everything becomes a non-retryable ApplicationFailure with a readable reason.
 */
export async function runFlow(args: RunFlowInput): Promise<RunState> {
  let interpreter: FlowInterpreter | undefined;
  // Notice counts carry over a continue-as-new, so a node resumed with "seen n" compares against the same count.
  const notices = new Map<string, number>(Object.entries(args.resume?.notices ?? {}));
  setHandler(noticeSignal, (key) => void notices.set(key, (notices.get(key) ?? 0) + 1));
  setHandler(runStateQuery, () => interpreter?.state ?? null);
  // The validator refuses without touching history, so ineligible or late decisions leave no trace in the run.
  setHandler(submitTaskUpdate, ({ taskId, input }) => guard(() => interpreter!.submitTask(taskId, input)), {
    validator: ({ taskId, input }) => {
      if (!interpreter) throw ApplicationFailure.nonRetryable('The run is not ready for decisions yet', 'closed');
      guard(() => interpreter!.validateTaskInput(taskId, input));
    },
  });

  const flow = await pinnedFlow(args);
  const nodeTypes = await loadNodeTypes(flow.nodes.map((n) => n.type));

  const info = workflowInfo();
  if (args.scheduled && !args.resume) {
    const registerOptions = { startToCloseTimeout: 30_000, retry: { maximumAttempts: 20 } };
    const register = proxyActivities<Pick<FlowActivities, typeof REGISTER_RUN_ACTIVITY>>(registerOptions);
    await register[REGISTER_RUN_ACTIVITY]({
      workflowId: info.workflowId,
      temporalRunId: info.runId,
      flowId: args.flowId,
      versionId: args.versionId,
      version: args.version,
      input: args.input ?? {},
    });
  }
  interpreter = new FlowInterpreter(
    flow,
    {
      runId: info.workflowId,
      flowId: args.flowId,
      versionId: args.versionId,
      version: args.version,
      input: args.input ?? {},
      campaign: args.campaign,
      requester: args.requester ?? null,
    },
    temporalPorts(notices, args),
    nodeTypes,
    args.resume?.interpreter,
  );
  const running = interpreter;
  const ran = interpreter.run();
  let handOver = false;
  let state: RunState | undefined;
  try {
    for (;;) {
      // Re-checked after every activation: hand over once the history is long and every running node is parked.
      const longAndParked = condition(() => historyIsLong() && running.canHandOver());
      state = await Promise.race([ran, longAndParked.then(() => undefined)]);
      if (state !== undefined) break;
      // Signals that came meanwhile have run their handlers (Temporal completes no task while some are buffered)...
      await condition(allHandlersFinished);
      // ...and a node they woke in the same activation has left its wait by now: then this is not the moment yet.
      if (running.canHandOver()) {
        handOver = true;
        break;
      }
    }
  } catch (err) {
    if (isCancellation(err) || err instanceof CancelledFailure) {
      interpreter.markCancelled('Cancelled by request');
      throw err;
    }
    const message = err instanceof Error ? err.message : String(err);
    throw ApplicationFailure.nonRetryable(`Interpreter error: ${message}`, 'InterpreterError');
  }
  if (state === undefined && handOver) {
    return continueAsNew<typeof runFlow>({
      ...args,
      resume: {
        interpreter: interpreter.snapshot(),
        notices: Object.fromEntries(notices),
        handovers: (args.resume?.handovers ?? 0) + 1,
      },
    });
  }
  if (state === undefined) throw ApplicationFailure.nonRetryable('The run stopped without a state', 'InterpreterError');
  // Failed runs fail the workflow, so Temporal's own UI and metrics tell the truth too. An end
  // node with outcome "cancelled" completes the workflow; the state it returns says cancelled.
  if (state.status === 'failed') throw ApplicationFailure.nonRetryable(state.reason ?? 'The run failed', 'RunFailed', state);
  return state;
}
