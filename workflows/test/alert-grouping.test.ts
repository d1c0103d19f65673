import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decideAlert,
  DEFAULT_GROUPING,
  dueNotifications,
  GROUP_INTERVAL_MS,
  GROUP_WAIT_MS,
  groupKeyOf,
  MAX_SNOOZE_MS,
  REPEAT_INTERVAL_MS,
  silenceMatches,
  silenceStatus,
  snoozeOver,
  type GroupedAlert,
  type GroupMemory,
} from '../src/monitoring/index.ts';

const T0 = Date.parse('2026-06-18T00:00:00Z');
const S = 1000;
const key = groupKeyOf({ campaignId: 'c1', ruleId: 'ctr_drop' });
const firing = (id: string, since = T0, more: Partial<GroupedAlert> = {}): GroupedAlert => ({
  id,
  groupKey: key,
  state: 'firing',
  since,
  ...more,
});

/** Drives grouping on an injected clock: each step is "at time t, these alerts are open", and keeps the memory. */
function timeline() {
  let memory: Record<string, GroupMemory> = {};
  return (now: number, alerts: GroupedAlert[]) => {
    const r = dueNotifications(alerts, memory, now);
    memory = r.memory;
    return r;
  };
}

describe('notification grouping (Alertmanager model)', () => {
  it('defaults are group_wait 30 s, group_interval 5 min, repeat_interval 4 h', () => {
    expect(DEFAULT_GROUPING).toEqual({ groupWaitMs: 30 * S, groupIntervalMs: 300 * S, repeatIntervalMs: 4 * 3600 * S });
    expect([GROUP_WAIT_MS, GROUP_INTERVAL_MS, REPEAT_INTERVAL_MS]).toEqual([30_000, 300_000, 14_400_000]);
  });

  it('a new group waits group_wait, and alerts that arrive meanwhile go out in the same message', () => {
    const at = timeline();
    const first = at(T0, [firing('a')]);
    expect(first.due).toEqual([]);
    expect(first.nextDueAt).toBe(T0 + GROUP_WAIT_MS);
    expect(at(T0 + 10 * S, [firing('a'), firing('b', T0 + 10 * S)]).nextDueAt).toBe(T0 + GROUP_WAIT_MS);
    const told = at(T0 + GROUP_WAIT_MS, [firing('a'), firing('b', T0 + 10 * S)]);
    expect(told.due).toEqual([{ groupKey: key, reason: 'new', firing: ['a', 'b'], resolved: [] }]);
    expect(told.nextDueAt).toBe(T0 + GROUP_WAIT_MS + REPEAT_INTERVAL_MS);
  });

  it('a change is told group_interval after the last message; no change repeats after repeat_interval', () => {
    const at = timeline();
    at(T0, [firing('a')]);
    const sent = T0 + GROUP_WAIT_MS;
    at(sent, [firing('a')]);
    // A new alert joins a minute later: it waits for the group's interval, not a fresh group_wait.
    const joined = at(sent + 60 * S, [firing('a'), firing('c', sent + 60 * S)]);
    expect(joined.due).toEqual([]);
    expect(joined.nextDueAt).toBe(sent + GROUP_INTERVAL_MS);
    const update = at(sent + GROUP_INTERVAL_MS, [firing('a'), firing('c')]);
    expect(update.due).toEqual([{ groupKey: key, reason: 'changed', firing: ['a', 'c'], resolved: [] }]);
    // Nothing changes: quiet until the repeat.
    const quiet = at(sent + GROUP_INTERVAL_MS + 3600 * S, [firing('a'), firing('c')]);
    expect(quiet.due).toEqual([]);
    expect(quiet.nextDueAt).toBe(sent + GROUP_INTERVAL_MS + REPEAT_INTERVAL_MS);
    expect(at(sent + GROUP_INTERVAL_MS + REPEAT_INTERVAL_MS, [firing('a'), firing('c')]).due[0]).toMatchObject({ reason: 'repeat' });
  });

  it('acknowledged, snoozed and silenced alerts stop being told; resolution is told once, then the group ends', () => {
    const at = timeline();
    at(T0, [firing('a'), firing('b')]);
    at(T0 + GROUP_WAIT_MS, [firing('a'), firing('b')]);
    const t1 = T0 + GROUP_WAIT_MS + GROUP_INTERVAL_MS;
    const acked = at(t1, [firing('a', T0, { state: 'acknowledged' }), firing('b')]);
    expect(acked.due).toEqual([{ groupKey: key, reason: 'changed', firing: ['b'], resolved: ['a'] }]);
    const t2 = t1 + GROUP_INTERVAL_MS;
    const gone = at(t2, [firing('b', T0, { silenced: true })]);
    expect(gone.due).toEqual([{ groupKey: key, reason: 'changed', firing: [], resolved: ['b'] }]);
    expect(gone.memory).toEqual({});
    expect(gone.nextDueAt).toBeNull();
    expect(at(t2 + REPEAT_INTERVAL_MS, []).due).toEqual([]);
  });

  it('a group that empties before its first message says nothing; groups are independent', () => {
    const at = timeline();
    const other = groupKeyOf({ campaignId: 'c1', ruleId: 'cpa_high' });
    at(T0, [firing('a'), { id: 'x', groupKey: other, state: 'firing', since: T0 + 20 * S }]);
    const r = at(T0 + GROUP_WAIT_MS, [{ id: 'x', groupKey: other, state: 'firing', since: T0 + 20 * S }]);
    expect(r.due).toEqual([]);
    expect(r.nextDueAt).toBe(T0 + 20 * S + GROUP_WAIT_MS);
    expect(Object.keys(r.memory)).toEqual([other]);
  });

  it('property: nothing is told before its time, every firing alert is told within group_wait + group_interval', () => {
    const step = fc.record({ advance: fc.integer({ min: 1, max: 20 * 60 * S }), open: fc.subarray(['a', 'b', 'c', 'd']) });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        let memory: Record<string, GroupMemory> = {};
        let now = T0;
        const since = new Map<string, number>();
        let lastSent: number | null = null;
        let firstSeen: number | null = null;
        let toldSet: string[] = [];
        for (const s of steps) {
          now += s.advance;
          for (const id of s.open) if (!since.has(id)) since.set(id, now);
          for (const id of [...since.keys()]) if (!s.open.includes(id)) since.delete(id);
          const alerts = s.open.map((id) => firing(id, since.get(id)!));
          if (alerts.length && firstSeen === null && lastSent === null) firstSeen = now;
          const r = dueNotifications(alerts, memory, now);
          memory = r.memory;
          for (const d of r.due) {
            if (lastSent === null) expect(now - firstSeen!).toBeGreaterThanOrEqual(GROUP_WAIT_MS);
            else expect(now - lastSent).toBeGreaterThanOrEqual(d.reason === 'repeat' ? REPEAT_INTERVAL_MS : GROUP_INTERVAL_MS);
            expect(d.firing).toEqual([...s.open].sort());
            lastSent = d.firing.length ? now : null;
            firstSeen = null;
            toldSet = d.firing;
          }
          if (r.nextDueAt !== null) expect(r.nextDueAt).toBeGreaterThan(now);
          // What is open and untold is due no later than a group_wait (new group) or group_interval (changed group) away.
          const untold = [...s.open].sort().join() !== toldSet.join();
          if (untold && s.open.length) expect(r.nextDueAt).not.toBeNull();
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('alert lifecycle rules', () => {
  const now = T0;
  it('resolved is final; acking twice is a conflict; a snooze needs a future time within 30 days', () => {
    const resolved = { state: 'resolved' as const, snoozedUntil: null };
    for (const action of [{ kind: 'ack' }, { kind: 'resolve' }, { kind: 'snooze', until: now + 1000 }] as const)
      expect(decideAlert(resolved, action, now)).toMatchObject({ ok: false, code: 'conflict' });
    const acked = { state: 'acknowledged' as const, snoozedUntil: null };
    expect(decideAlert(acked, { kind: 'ack' }, now)).toMatchObject({ ok: false, code: 'conflict' });
    expect(decideAlert(acked, { kind: 'resolve' }, now)).toEqual({ ok: true, state: 'resolved' });
    const open = { state: 'firing' as const, snoozedUntil: null };
    expect(decideAlert(open, { kind: 'ack' }, now)).toEqual({ ok: true, state: 'acknowledged' });
    expect(decideAlert(open, { kind: 'snooze', until: now }, now)).toMatchObject({ ok: false, field: 'until', code: 'invalid' });
    expect(decideAlert(open, { kind: 'snooze', until: now + MAX_SNOOZE_MS + 1 }, now)).toMatchObject({ ok: false, field: 'until' });
    expect(decideAlert(open, { kind: 'snooze', until: now + MAX_SNOOZE_MS }, now)).toEqual({ ok: true, state: 'snoozed' });
  });

  it('a snooze ends at its time, on the clock given', () => {
    const snoozed = { state: 'snoozed' as const, snoozedUntil: now + 60 * S };
    expect(snoozeOver(snoozed, now + 59 * S)).toBe(false);
    expect(snoozeOver(snoozed, now + 60 * S)).toBe(true);
    expect(decideAlert(snoozed, { kind: 'unsnooze' }, now)).toMatchObject({ ok: false });
    expect(decideAlert(snoozed, { kind: 'unsnooze' }, now + 60 * S)).toEqual({ ok: true, state: 'firing' });
  });

  it('a silence matches its campaign, rule and channel (null: any) within [startsAt, endsAt)', () => {
    const silence = { campaignId: 'c1', ruleId: 'ctr_drop', channel: null, startsAt: now, endsAt: now + 3600 * S };
    const alert = { campaignId: 'c1', ruleId: 'ctr_drop', channel: 'tmall' };
    expect(silenceMatches(silence, alert, now)).toBe(true);
    expect(silenceMatches(silence, alert, now - 1)).toBe(false);
    expect(silenceMatches(silence, alert, now + 3600 * S)).toBe(false);
    expect(silenceMatches(silence, { ...alert, ruleId: 'cpa_high' }, now)).toBe(false);
    expect(silenceMatches(silence, { ...alert, campaignId: 'c2' }, now)).toBe(false);
    expect(silenceMatches({ ...silence, channel: 'jd' }, alert, now)).toBe(false);
    expect(silenceStatus(silence, now - 1)).toBe('pending');
    expect(silenceStatus(silence, now)).toBe('active');
    expect(silenceStatus(silence, now + 3600 * S)).toBe('expired');
  });
});
