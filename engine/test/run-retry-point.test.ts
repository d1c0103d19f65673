import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { LOCAL_ACTIVITY_MARKER, localActivityOf } from '../src/services/local-activity-marker.ts';
import { failedNode, resetPoint } from '../src/services/run-retry.ts';
import { decodeRunCursor, encodeRunCursor, likeLiteral } from '../src/services/runs.ts';

const { EventType } = temporal.api.enums.v1;
type Event = temporal.api.history.v1.IHistoryEvent;

/** A history as Temporal records it, in the few event types the reset point reads. */
function history() {
  const events: Event[] = [];
  const add = (e: Omit<Event, 'eventId'>) => {
    const id = events.length + 1;
    events.push({ ...e, eventId: id as unknown as Event['eventId'] });
    return id;
  };
  return {
    events,
    task: () => {
      add({ eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED });
      add({ eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED });
      return add({ eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED });
    },
    schedule: (task: number, args: unknown) =>
      add({
        eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
        activityTaskScheduledEventAttributes: {
          workflowTaskCompletedEventId: task as never,
          input: { payloads: [defaultPayloadConverter.toPayload(args)!] },
        },
      }),
    fail: (scheduled: number, message: string) =>
      add({
        eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
        activityTaskFailedEventAttributes: { scheduledEventId: scheduled as never, failure: { message } },
      }),
    /** A local activity's marker as the core SDK records it: its key is the summary, not an argument. */
    local: (task: number, summary: string | null, failure: { message: string } | null) =>
      add({
        eventType: EventType.EVENT_TYPE_MARKER_RECORDED,
        markerRecordedEventAttributes: {
          markerName: LOCAL_ACTIVITY_MARKER,
          workflowTaskCompletedEventId: task as never,
          details: { data: { payloads: [defaultPayloadConverter.toPayload({ activity_type: 'sendWebhook', attempt: 3 })!] } },
          failure,
        },
        ...(summary === null ? {} : { userMetadata: { summary: defaultPayloadConverter.toPayload(summary)! } }),
      }),
    timeOut: (scheduled: number) =>
      add({
        eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
        activityTaskTimedOutEventAttributes: { scheduledEventId: scheduled as never },
      }),
  };
}

describe('the reset point of a retry', () => {
  const key = 'run-1/hook/1';

  it("is the task that scheduled the failed node's activity, found by its key even when another node failed later", () => {
    const h = history();
    const t1 = h.task();
    const mine = h.schedule(t1, { url: 'http://x', idempotencyKey: key });
    const t2 = h.task();
    // A parallel branch's webhook fails later, handled by its failure path: not the node that failed the run.
    const other = h.schedule(t2, { url: 'http://y', idempotencyKey: 'run-1/side/1' });
    h.fail(mine, 'HTTP 500');
    h.fail(other, 'HTTP 500');
    expect(resetPoint(h.events, { key, error: 'HTTP 500' })).toBe(t1);
  });

  it('finds a delivery by its key prefix, and an activity without a key by its failure or timeout', () => {
    const h = history();
    const t1 = h.task();
    const send = h.schedule(t1, { keyPrefix: `${key}/level-2`, nodeId: 'hook' });
    h.fail(send, 'boom');
    expect(resetPoint(h.events, { key, error: 'something else' })).toBe(t1);

    const k = history();
    const t = k.task();
    const read = k.schedule(t, 'campaign-id');
    k.fail(read, 'No such campaign');
    expect(resetPoint(k.events, { key, error: 'No such campaign' })).toBe(t);
    expect(resetPoint(k.events, { key, error: 'another error' })).toBeNull();

    const slow = history();
    const ts = slow.task();
    slow.timeOut(slow.schedule(ts, 'campaign-id'));
    expect(resetPoint(slow.events, { key, error: 'Timed out (START_TO_CLOSE)' })).toBe(ts);
  });

  it("is the task that ran the failed node's local activity, found by the key its marker's summary carries", () => {
    const h = history();
    const t1 = h.task();
    h.local(t1, key, { message: 'HTTP 500 from http://x' });
    const t2 = h.task();
    // A later branch's local call fails too, under its own key: not the node that failed the run.
    h.local(t2, 'run-1/side/1', { message: 'HTTP 500 from http://x' });
    h.local(t2, 'run-1/ok/1', null);
    expect(resetPoint(h.events, { key, error: 'HTTP 500 from http://x' })).toBe(t1);
    // A marker without a summary (recorded by an older worker) is found by its failure, as a keyless activity is.
    const k = history();
    const t = k.task();
    k.local(t, null, { message: 'boom' });
    expect(resetPoint(k.events, { key, error: 'boom' })).toBe(t);
    expect(resetPoint(k.events, { key, error: 'other' })).toBeNull();
  });

  it("reads a local activity's marker, and reads anything else as none", () => {
    const h = history();
    const t = h.task();
    h.local(t, key, { message: 'HTTP 500' });
    expect(localActivityOf(h.events.at(-1)!)).toMatchObject({ activityType: 'sendWebhook', attempt: 3, executionKey: key });
    expect(localActivityOf(h.events[0]!)).toBeNull();
    expect(
      localActivityOf({ markerRecordedEventAttributes: { markerName: 'core_patch', details: { data: { payloads: [] } } } }),
    ).toBeNull();
  });

  it('property: a marker with any details, summary or failure is read or refused, never throws', () => {
    const payload = fc.oneof(
      fc.constant(undefined),
      fc.jsonValue().map((v) => defaultPayloadConverter.toPayload(v)),
      fc.record({ metadata: fc.dictionary(fc.string(), fc.uint8Array()), data: fc.uint8Array({ maxLength: 40 }) }),
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(LOCAL_ACTIVITY_MARKER), fc.string()),
        fc.array(payload, { maxLength: 3 }),
        payload,
        fc.option(fc.record({ message: fc.string() }), { nil: undefined }),
        (markerName, payloads, summary, failure) => {
          const event = {
            markerRecordedEventAttributes: { markerName, details: { data: { payloads: payloads as never } }, failure },
            userMetadata: { summary: summary as never },
          };
          const read = localActivityOf(event);
          if (read) {
            expect(typeof read.activityType).toBe('string');
            expect(read.executionKey === null || typeof read.executionKey === 'string').toBe(true);
          }
        },
      ),
      { numRuns: 1000, seed: 27 },
    );
  });

  it('is none for a node that failed without calling out', () => {
    const h = history();
    h.task();
    expect(resetPoint(h.events, { key, error: 'Expression failed' })).toBeNull();
  });

  it("takes the failed node and its execution's key from the final state", () => {
    expect(
      failedNode('run-9', {
        status: 'failed',
        startedAt: 0,
        nodes: { a: { status: 'completed', executions: 1 }, b: { status: 'failed', executions: 3, error: 'x' } },
      }),
    ).toEqual({ nodeId: 'b', key: 'run-9/b/3', error: 'x' });
    expect(failedNode('run-9', { status: 'failed', startedAt: 0, nodes: { a: { status: 'completed', executions: 1 } } })).toBeNull();
  });
});

describe("the runs list's search text and cursor", () => {
  it('property: the escaped text has no unescaped LIKE wildcard, and unescaping gives the text back', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (text) => {
        const escaped = likeLiteral(text);
        expect(escaped.replace(/\\(.)/gs, '')).not.toMatch(/[%_\\]/);
        expect(escaped.replace(/\\(.)/gs, '$1')).toBe(text);
      }),
      { numRuns: 1000, seed: 22 },
    );
  });

  it('property: cursors round-trip, and anything else decodes to null, never throws', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), fc.uuid(), (d, id) => {
        const startedAt = d.toISOString().replace('Z', '123Z');
        expect(decodeRunCursor(encodeRunCursor({ startedAt, id }))).toEqual({ startedAt, id });
      }),
      { seed: 23 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const decoded = decodeRunCursor(s);
        if (decoded) expect(encodeRunCursor(decoded)).toBeTruthy();
      }),
      { numRuns: 1000, seed: 24 },
    );
    expect(decodeRunCursor(Buffer.from('["2026-01-01T00:00:00.000000Z","not-a-uuid"]').toString('base64url'))).toBeNull();
  });
});
