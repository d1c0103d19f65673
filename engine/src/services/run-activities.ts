import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
// The package is CommonJS: Node's ESM loader (npm start, tsx) gives it a default export only, so values come from
// that and the named import is for types.
import proto from '@temporalio/proto';
import type { temporal } from '@temporalio/proto';
import type { z } from 'zod';
import type { runActivitiesSchema } from '../api/contracts/runs.ts';
import { localActivityOf } from './local-activity-marker.ts';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type RunActivities = z.output<typeof runActivitiesSchema>;
type Activity = RunActivities['items'][number];

const { EventType } = proto.temporal.api.enums.v1;
/** A history is bounded by continue-as-new (8,000 events); the view lists at most this many calls of it. */
export const ACTIVITIES_SHOWN = 1_000;

const num = (v: { toNumber(): number } | number | null | undefined): number =>
  v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber();

function iso(t: temporal.api.history.v1.IHistoryEvent['eventTime']): string | null {
  if (!t) return null;
  return new Date(num(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();
}

/** The node execution a text names by its execution key (`run-<id>/<node>/<n>`): an activity's arguments or summary. */
function executionIn(text: string, workflowId: string): { nodeId: string; execution: number } | null {
  const prefix = JSON.stringify(`${workflowId}/`).slice(0, -1);
  const at = text.indexOf(prefix);
  if (at < 0) return null;
  const m = /^([^/"\\]+)\/(\d+)/.exec(text.slice(at + prefix.length));
  return m ? { nodeId: m[1]!, execution: Number(m[2]) } : null;
}

/** The node execution a scheduled activity belongs to, from the execution key in its arguments. */
function executionOf(scheduled: HistoryEvent, workflowId: string): { nodeId: string; execution: number } | null {
  try {
    const payloads = scheduled.activityTaskScheduledEventAttributes?.input?.payloads ?? [];
    return executionIn(JSON.stringify(payloads.map((p) => defaultPayloadConverter.fromPayload(p))), workflowId);
  } catch {
    return null;
  }
}

/** A local activity, whole in its one marker: the attempt it ended on, its outcome and the execution in its summary. */
function localActivity(e: HistoryEvent, workflowId: string): Activity | null {
  const record = localActivityOf(e);
  if (!record) return null;
  const execution = record.executionKey === null ? null : executionIn(JSON.stringify(record.executionKey), workflowId);
  const failure = record.failure;
  return {
    activityType: record.activityType,
    nodeId: execution?.nodeId ?? null,
    execution: execution?.execution ?? null,
    status: !failure ? 'completed' : failure.timeoutFailureInfo ? 'timed_out' : 'failed',
    attempts: record.attempt,
    error: failure ? (failure.message ?? (failure.timeoutFailureInfo ? 'Timed out' : null)) : null,
    scheduledAt: record.scheduledAt === null ? null : new Date(record.scheduledAt).toISOString(),
    closedAt: iso(e.eventTime),
  };
}

/**
 * Every activity the run's workflow called (its latest run, after any continue-as-new or retry), with the node
 * execution it belongs to where its arguments say, its attempts, outcome, error and times: the run view's
 * "attempts". Read from Temporal's history; a run Temporal no longer keeps has none to show.
 */
export async function runActivities(client: Client, workflowId: string): Promise<RunActivities> {
  let events: HistoryEvent[];
  try {
    events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { items: [], available: false, truncated: false };
    throw err;
  }
  // By the event that opened each: a scheduled activity's ActivityTaskScheduled, a local activity's marker.
  const byScheduled = new Map<number, Activity>();
  let calls = 0;
  for (const e of events) {
    const type = e.eventType;
    if (type === EventType.EVENT_TYPE_MARKER_RECORDED) {
      const local = localActivity(e, workflowId);
      if (local && calls++ < ACTIVITIES_SHOWN) byScheduled.set(num(e.eventId), local);
      continue;
    }
    if (type === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      if (calls++ >= ACTIVITIES_SHOWN) continue;
      const execution = executionOf(e, workflowId);
      byScheduled.set(num(e.eventId), {
        activityType: e.activityTaskScheduledEventAttributes?.activityType?.name ?? '',
        nodeId: execution?.nodeId ?? null,
        execution: execution?.execution ?? null,
        status: 'scheduled',
        attempts: 0,
        error: null,
        scheduledAt: iso(e.eventTime),
        closedAt: null,
      });
      continue;
    }
    const ref =
      e.activityTaskStartedEventAttributes?.scheduledEventId ??
      e.activityTaskCompletedEventAttributes?.scheduledEventId ??
      e.activityTaskFailedEventAttributes?.scheduledEventId ??
      e.activityTaskTimedOutEventAttributes?.scheduledEventId ??
      e.activityTaskCanceledEventAttributes?.scheduledEventId;
    const activity = ref === undefined || ref === null ? undefined : byScheduled.get(num(ref));
    if (!activity) continue;
    if (type === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      // Recorded once, when the activity closes, with the attempt it closed on.
      activity.attempts = e.activityTaskStartedEventAttributes?.attempt ?? 1;
      if (activity.status === 'scheduled') activity.status = 'running';
      continue;
    }
    activity.closedAt = iso(e.eventTime);
    if (type === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) activity.status = 'completed';
    else if (type === EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED) {
      activity.status = 'failed';
      activity.error = e.activityTaskFailedEventAttributes?.failure?.message ?? null;
    } else if (type === EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT) {
      activity.status = 'timed_out';
      activity.error = e.activityTaskTimedOutEventAttributes?.failure?.message ?? 'Timed out';
    } else if (type === EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED) activity.status = 'cancelled';
  }
  return { items: [...byScheduled.values()], available: true, truncated: calls > ACTIVITIES_SHOWN };
}
