import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EARLIEST_DATE, LATEST_DATE, instantSchema, isTimeZone, timeZoneSchema } from '../src/time.ts';

describe('time zones', () => {
  it('accepts every IANA zone the runtime knows', () => {
    for (const zone of Intl.supportedValuesOf('timeZone')) expect(isTimeZone(zone), zone).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
  });

  it('refuses offsets, abbreviations and junk, whatever is generated', () => {
    const offset = fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([s, h, m]) => `${s}${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    const junk = fc.string({ maxLength: 70 }).filter((s) => !Intl.supportedValuesOf('timeZone').includes(s) && s !== 'UTC');
    fc.assert(
      fc.property(fc.oneof(offset, junk, fc.constantFrom('Mars/Olympus_Mons', 'asia/shanghai', 'Asia/Shanghai/', '../etc/passwd', 'Asia/Shanghai\u0000')), (zone) => {
        // A typo'd or made-up zone must never reach a formatter on the worker.
        if (isTimeZone(zone)) expect(() => new Intl.DateTimeFormat('en', { timeZone: zone })).not.toThrow();
        expect(timeZoneSchema.safeParse(zone).success).toBe(isTimeZone(zone));
        expect(isTimeZone(zone) && /^[+-]/.test(zone)).toBe(false);
      }),
    );
  });
});

describe('instants', () => {
  it('accepts dates inside 2000–2099 and refuses any outside', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        const text = new Date(ms).toISOString();
        const ok = instantSchema.safeParse(text).success;
        // toISOString writes six-digit years (+020000-…) that no user means.
        const inRange = ms >= EARLIEST_DATE && ms < LATEST_DATE;
        expect(ok).toBe(inRange);
      }),
    );
  });

  it('refuses strings that are not date-times', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => {
      if (instantSchema.safeParse(s).success) expect(Number.isFinite(Date.parse(s))).toBe(true);
    }));
  });
});
