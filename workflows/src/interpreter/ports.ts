import type { JsonValue } from '../json.ts';
import type { ActivityArgs, ActivityName, ActivityResult } from '../activities.ts';
import type { ChildFlowOutcome, PreparedSubflow } from '../nodes/subflow.ts';

/**
 * The interpreter's only contact with the outside world. Temporal implements these in the
 * workflow (durable timers, activities); the simulator implements them on a virtual clock.
 */
export interface RetryPolicy {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
}

export interface ActivityCallOptions {
  startToCloseTimeoutMs: number;
  retry: RetryPolicy;
  /** The node execution the call belongs to, where its arguments do not say (a local activity's record keeps none). */
  executionKey?: string;
}

export interface RuntimePorts {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Name, arguments and result are checked against FlowActivities, the one contract with the activities package. */
  callActivity<K extends ActivityName>(name: K, args: ActivityArgs<K>, options: ActivityCallOptions): Promise<ActivityResult<K>>;
  /** Resolves true once `predicate` holds (re-checked after every event), or false when `timeoutMs` passes first. */
  waitUntil(predicate: () => boolean, timeoutMs?: number): Promise<boolean>;
  /**
   * Waits for an outside event named `key` (a channel resumed), or for `timeoutMs`. Resolves true
   * when one came: after this call, or, given `since`, once more than `since` have arrived in
   * the whole run. In Temporal the event is a signal.
   */
  waitForNotice(key: string, timeoutMs: number, since?: number): Promise<boolean>;
  /** How many `key` events this run has received so far. */
  noticeCount(key: string): number;
  /**
   * Starts a sub-flow's run under this one (in Temporal a child workflow with this id, so one per id) and,
   * with `wait`, resolves when it ends. Never rejects for the child's own failure: that is an outcome.
   */
  runChildFlow(req: { workflowId: string; args: PreparedSubflow['args']; wait: boolean }): Promise<ChildFlowOutcome>;
  /**
   * Temporal's patched(): true unless this run's history was recorded before the change `id` names, so an old
   * history replays on the old path. Absent (as in the simulator) means every change applies.
   */
  patched?(id: string): boolean;
  /** Told of each node execution's start and end; only a simulation listens (it changes nothing the run does). */
  observe?(step: StepEvent): void;
}

/** One node execution starting (with the outputs it can read) or ending (with its handle and output, or error). */
export type StepEvent =
  | { kind: 'start'; nodeId: string; execution: number; at: number; input: JsonValue }
  | {
      kind: 'end';
      nodeId: string;
      execution: number;
      at: number;
      status: 'completed' | 'failed';
      handle?: string;
      output?: JsonValue;
      error?: string;
    };

/** Why a human's input to a waiting task was refused; the API maps the code to 403, 409 or 422. */
export type TaskRejectionCode = 'not_found' | 'not_eligible' | 'duplicate' | 'closed' | 'invalid';

export class TaskRejection extends Error {
  constructor(
    readonly code: TaskRejectionCode,
    message: string,
  ) {
    super(message);
    this.name = 'TaskRejection';
  }
}

/** A wait for people (an approval), opened by a node and fed by the shell's Update handler. */
export interface HumanTask<I = unknown> {
  id: string;
  nodeId: string;
  /** Must not change anything; throws TaskRejection. Runs as the Temporal Update validator. */
  validate(input: I): void;
  /** Applies accepted input and returns the task's view. */
  apply(input: I): unknown;
}

/** An activity failed for good (retries exhausted or non-retryable). Nodes decide what that means. */
export class ActivityCallError extends Error {
  constructor(
    message: string,
    readonly details: { nonRetryable: boolean; type?: string; attempts?: number; data?: unknown },
  ) {
    super(message);
    this.name = 'ActivityCallError';
  }
}

/**
 * Thrown out of a node's waits when its branch was cancelled (a join in `any` mode went on without it). A node may
 * catch it to close what it opened (an approval, a task), and must then let it go on without waiting again.
 */
export class BranchCancelled extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'BranchCancelled';
  }
}
