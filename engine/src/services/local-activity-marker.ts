import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The marker Temporal's core SDK records for a local activity (one, when it ends, after any in-task retries). */
export const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** What a local activity's marker says: no arguments, so the execution it belongs to is its summary (see run-flow.ts). */
export interface LocalActivityRecord {
  activityType: string;
  attempt: number;
  /** The node execution's key (`run-<id>/<node>/<n>`) the workflow gave as its summary, or null. */
  executionKey: string | null;
  failure: temporal.api.failure.v1.IFailure | null;
  scheduledAt: number | null;
}

const epochMs = (t: { seconds?: number | string; nanos?: number } | null | undefined) =>
  t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : null;

function decode(payload: temporal.api.common.v1.IPayload | null | undefined): unknown {
  if (!payload) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(payload);
  } catch {
    return undefined;
  }
}

/** The local activity this event records, or null when it is not a local activity's marker (or one it cannot read). */
export function localActivityOf(event: HistoryEvent): LocalActivityRecord | null {
  const marker = event.markerRecordedEventAttributes;
  if (marker?.markerName !== LOCAL_ACTIVITY_MARKER) return null;
  const data = decode(marker.details?.data?.payloads?.[0]) as
    { activity_type?: string; attempt?: number; original_schedule_time?: { seconds?: number; nanos?: number } } | undefined;
  if (!data || typeof data.activity_type !== 'string') return null;
  const summary = decode(event.userMetadata?.summary);
  return {
    activityType: data.activity_type,
    attempt: typeof data.attempt === 'number' ? data.attempt : 1,
    executionKey: typeof summary === 'string' ? summary : null,
    failure: marker.failure ?? null,
    scheduledAt: epochMs(data.original_schedule_time),
  };
}
