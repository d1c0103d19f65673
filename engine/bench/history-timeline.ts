/**
 * A run's Temporal history as a timeline for a bench's console: each event's type, its time after the
 * first event and the gap since the one before, with attempts and the task queue a task went to. A
 * latency tail shows here as the gap it sits in (signal → workflow task, scheduled → started, a retry).
 */
import type { Client } from '@temporalio/client';
// CommonJS: Node's ESM loader gives it a default export only (see engine/src/services/run-activities.ts).
import proto from '@temporalio/proto';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = proto.temporal.api.enums.v1;

const num = (v: { toNumber(): number } | number | null | undefined): number =>
  v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber();
const ms = (t: HistoryEvent['eventTime']) => (t ? num(t.seconds) * 1000 + (t.nanos ?? 0) / 1e6 : 0);

/** What is worth a glance beside the type: attempts, the task queue (sticky or not), a signal's name, a failure. */
function detail(e: HistoryEvent): string {
  const parts: string[] = [];
  const a =
    e.activityTaskScheduledEventAttributes ??
    e.workflowTaskScheduledEventAttributes ??
    e.activityTaskStartedEventAttributes ??
    e.workflowTaskStartedEventAttributes;
  const started = e.activityTaskStartedEventAttributes ?? e.workflowTaskScheduledEventAttributes;
  if (started && 'attempt' in started && started.attempt) parts.push(`attempt ${started.attempt}`);
  if (e.activityTaskScheduledEventAttributes?.activityType?.name) parts.push(e.activityTaskScheduledEventAttributes.activityType.name);
  if (a && 'taskQueue' in a && a.taskQueue?.name) parts.push(`queue ${a.taskQueue.name}`);
  if (e.workflowExecutionSignaledEventAttributes?.signalName) parts.push(e.workflowExecutionSignaledEventAttributes.signalName);
  if (e.workflowTaskTimedOutEventAttributes) parts.push(`timeout ${e.workflowTaskTimedOutEventAttributes.timeoutType}`);
  if (e.activityTaskTimedOutEventAttributes) parts.push(`timeout ${e.activityTaskTimedOutEventAttributes.failure?.message ?? ''}`);
  if (e.workflowTaskFailedEventAttributes) parts.push(`cause ${e.workflowTaskFailedEventAttributes.cause}`);
  if (e.timerStartedEventAttributes) parts.push(`timer ${num(e.timerStartedEventAttributes.startToFireTimeout?.seconds)} s`);
  return parts.join(', ');
}

/** Lines of the run's history: `+offset ms (gap ms) TYPE detail`, a gap over `flagMs` marked. */
export async function historyTimeline(client: Client, workflowId: string, flagMs = 1000): Promise<string[]> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const first = ms(events[0]?.eventTime);
  let previous = first;
  return events.map((e) => {
    const at = ms(e.eventTime);
    const gap = at - previous;
    previous = at;
    const type = (EventType[e.eventType ?? 0] ?? String(e.eventType)).replace('EVENT_TYPE_', '');
    const mark = gap > flagMs ? '  <-- gap' : '';
    return `${num(e.eventId)} +${(at - first).toFixed(0)} ms (${gap.toFixed(0)}) ${type} ${detail(e)}${mark}`;
  });
}
