import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ALERT_STATES, toldGroupState, type AlertLike } from '../src/monitoring/index.ts';

const a = (state: AlertLike['state'], snoozedUntil: number | null = null): AlertLike => ({ state, snoozedUntil });

describe('toldGroupState: where the alerts one message told stand together', () => {
  it('goes on while any is firing, and ends only when each is answered or resolved', () => {
    expect(toldGroupState([a('acknowledged'), a('firing')])).toEqual(a('firing'));
    expect(toldGroupState([a('resolved'), a('firing')])).toEqual(a('firing'));
    expect(toldGroupState([a('acknowledged'), a('resolved')])).toEqual(a('acknowledged'));
    expect(toldGroupState([a('resolved'), a('resolved')])).toEqual(a('resolved'));
    expect(toldGroupState([a('firing')])).toEqual(a('firing'));
  });

  it('waits for the first snooze to end while every open one is snoozed', () => {
    expect(toldGroupState([a('snoozed', 5000), a('acknowledged'), a('snoozed', 3000)])).toEqual(a('snoozed', 3000));
    expect(toldGroupState([a('snoozed', 5000), a('firing')])).toEqual(a('firing'));
  });

  it('is settled exactly when nothing it told is open, whatever the mix', () => {
    const member = fc.record({
      state: fc.constantFrom(...ALERT_STATES),
      snoozedUntil: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 4e12 })),
    });
    fc.assert(
      fc.property(fc.array(member, { minLength: 1, maxLength: 30 }), (members) => {
        const told = toldGroupState(members);
        const open = members.filter((m) => m.state === 'firing' || m.state === 'snoozed');
        expect(told.state === 'acknowledged' || told.state === 'resolved').toBe(open.length === 0);
        if (told.state === 'snoozed') expect(told.snoozedUntil).toBe(Math.min(...open.map((m) => m.snoozedUntil!)));
      }),
    );
  });
});
