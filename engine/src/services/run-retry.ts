import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
// The package is CommonJS: Node's ESM loader (npm start, tsx) gives it a default export only, so values come from
// that and the named import is for types.
import proto from '@temporalio/proto';
import type { temporal } from '@temporalio/proto';
import type { RunState } from '@flightdeck/workflows';
import type { RunRow } from '../db/schema.ts';
import { conflict } from './errors.ts';
import { localActivityOf } from './local-activity-marker.ts';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/*
 * Why a retry is a Temporal reset and not a new run that resumes from the failed node:
 *
 * - The interpreter is deterministic and its node state lives in the workflow, so replaying the history up to the
 *   workflow task that scheduled the failed node's activity rebuilds exactly what the run knew then: every node's
 *   output, dead edges, join gates, open approvals, continue-as-new positions, notice counts. A new run seeded
 *   with outputs would need the interpreter to take a foreign snapshot mid-wave, which it only does for parked
 *   nodes at a quiet moment (continue-as-new), and would lose join gates and loop counts.
 * - What ran before that point is kept in the history and is not run again: sends that completed earlier are
 *   never repeated. What ran after it (the failed activity, and any parallel branch's later steps) runs again
 *   with the same execution keys (`run-<id>/<node>/<n>`, the workflow id is unchanged by a reset), so the delivery
 *   ledger finds its messages already sent and a webhook repeats its Idempotency-Key.
 * - It is one run: the same row, workflow id and run page; Temporal keeps the failed attempt as the reset run.
 *
 * Limits, refused or documented: a sub-flow's run is retried through its parent (the parent went on without it);
 * a node that failed without calling out (an expression error, a timeout of a wait) would fail the same way, so
 * it is refused; a history Temporal no longer keeps (past the namespace's retention) cannot be reset.
 */

const { EventType } = proto.temporal.api.enums.v1;
const EVENT = {
  WORKFLOW_TASK_COMPLETED: EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  ACTIVITY_TASK_SCHEDULED: EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  ACTIVITY_TASK_FAILED: EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
  ACTIVITY_TASK_TIMED_OUT: EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
  MARKER_RECORDED: EventType.EVENT_TYPE_MARKER_RECORDED,
};

const toNumber = (v: { toNumber(): number } | number | null | undefined): number =>
  v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber();

/** The failed node of a run's final state, and its execution key (the same one the reset replays into). */
export function failedNode(workflowId: string, state: RunState | null): { nodeId: string; key: string; error: string } | null {
  if (!state) return null;
  for (const [nodeId, s] of Object.entries(state.nodes)) {
    if (s.status === 'failed') return { nodeId, key: `${workflowId}/${nodeId}/${s.executions}`, error: s.error ?? '' };
  }
  return null;
}

/** The activity's arguments as JSON text, or null when they cannot be read. */
function argumentsText(scheduled: HistoryEvent): string | null {
  try {
    const payloads = scheduled.activityTaskScheduledEventAttributes?.input?.payloads ?? [];
    return JSON.stringify(payloads.map((p) => defaultPayloadConverter.fromPayload(p)));
  } catch {
    return null;
  }
}

/** Whether the arguments carry the execution key (webhook, delivery, task, review and monitor calls do), or one under it. */
const carriesKey = (text: string, key: string) =>
  text.includes(JSON.stringify(key)) || text.includes(JSON.stringify(`${key}/`).slice(0, -1));

/** A failed call of the history: its arguments' text (null when unreadable), its failure, and the task that called it. */
interface FailedCall {
  text: string | null;
  message: string | null | undefined;
  timedOut: boolean;
  taskId: number;
}

/** Whether the failure is the one the node reported: the activity's own message, or a timeout (the shell words those). */
function isNodesFailure(call: FailedCall, error: string): boolean {
  if (call.timedOut) return error.startsWith('Timed out');
  return !!call.message && call.message === error;
}

/** Every activity that failed for good: scheduled ones by their failed or timed-out event, local ones by their marker. */
function failedCalls(events: HistoryEvent[], byId: Map<number, HistoryEvent>): FailedCall[] {
  const calls: FailedCall[] = [];
  for (const e of events) {
    if (e.eventType === EVENT.MARKER_RECORDED) {
      const local = localActivityOf(e);
      if (!local?.failure) continue;
      calls.push({
        // Its summary is the execution key, the one text of it that a key can be found in.
        text: local.executionKey === null ? null : JSON.stringify(local.executionKey),
        message: local.failure.message,
        timedOut: !!local.failure.timeoutFailureInfo,
        // The task that ran it: a reset to it runs the call again, as a reset to a scheduling task does.
        taskId: toNumber(e.markerRecordedEventAttributes?.workflowTaskCompletedEventId),
      });
      continue;
    }
    if (e.eventType !== EVENT.ACTIVITY_TASK_FAILED && e.eventType !== EVENT.ACTIVITY_TASK_TIMED_OUT) continue;
    const scheduledId = toNumber(
      e.activityTaskFailedEventAttributes?.scheduledEventId ?? e.activityTaskTimedOutEventAttributes?.scheduledEventId,
    );
    const scheduled = byId.get(scheduledId);
    if (scheduled?.eventType !== EVENT.ACTIVITY_TASK_SCHEDULED) continue;
    calls.push({
      text: argumentsText(scheduled),
      message: e.activityTaskFailedEventAttributes?.failure?.message,
      timedOut: !!e.activityTaskTimedOutEventAttributes,
      taskId: toNumber(scheduled.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId),
    });
  }
  return calls;
}

/**
 * The workflow task to reset to: the one whose commands scheduled the failed node's last failed activity (or, for
 * a local activity, the task that ran it). Its activity is the last failed one carrying the node execution's key;
 * else, for activities that carry no key, the last failed one whose failure is the node's error and that carries no
 * other node's key.
 */
export function resetPoint(events: HistoryEvent[], node: { key: string; error: string }): number | null {
  const byId = new Map<number, HistoryEvent>();
  for (const e of events) byId.set(toNumber(e.eventId), e);
  const otherKey = JSON.stringify(`${node.key.slice(0, node.key.indexOf('/') + 1)}`).slice(0, -1);
  const failures = failedCalls(events, byId);
  const found =
    failures.findLast((f) => f.text !== null && carriesKey(f.text, node.key)) ??
    failures.findLast((f) => isNodesFailure(f, node.error) && !(f.text ?? '').includes(otherKey));
  if (!found) return null;
  return byId.get(found.taskId)?.eventType === EVENT.WORKFLOW_TASK_COMPLETED ? found.taskId : null;
}

/**
 * Resets the run's workflow (the latest of its continue-as-new chain) to the workflow task before its failed
 * node's activity was scheduled; Temporal starts a new run of the same workflow id from there. Refusals are 409s.
 */
export async function resetToFailedNode(client: Client, row: RunRow, reason: string): Promise<{ runId: string; nodeId: string }> {
  const node = failedNode(row.workflowId, row.state as RunState | null);
  if (!node)
    throw conflict('id', 'No node failed in this run (it failed before or after its nodes ran): re-run it instead', 'no_failed_node');
  const handle = client.workflow.getHandle(row.workflowId);
  let runId: string;
  let events: HistoryEvent[];
  try {
    const described = await handle.describe();
    if (described.status.name !== 'FAILED')
      throw conflict('id', `Temporal has this run as ${described.status.name.toLowerCase()}, not failed: re-run it instead`, 'not_failed');
    runId = described.runId;
    events = (await client.workflow.getHandle(row.workflowId, runId).fetchHistory()).events ?? [];
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw conflict('id', 'Temporal no longer keeps this run (past its retention): re-run it instead', 'history_gone');
    throw err;
  }
  const point = resetPoint(events, node);
  if (point === null)
    throw conflict(
      'id',
      `"${node.nodeId}" did not fail calling out (an expression or a wait), so a retry would fail the same way: fix the flow and re-run`,
      'not_retryable',
    );
  const taskEvent = events.find((e) => toNumber(e.eventId) === point)!;
  const reset = await client.workflowService.resetWorkflowExecution({
    namespace: client.options.namespace,
    workflowExecution: { workflowId: row.workflowId, runId },
    reason: reason.slice(0, 500),
    // The history's own Long, so no number conversion can shift it.
    workflowTaskFinishEventId: taskEvent.eventId!,
    requestId: randomUUID(),
  });
  return { runId: reset.runId ?? '', nodeId: node.nodeId };
}
