import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DAY_MS,
  EARLIEST_DATE,
  LATEST_DATE,
  addLocalDays,
  bucketStart,
  instantSchema,
  isTimeZone,
  localDate,
  localDayStart,
  timeZoneSchema,
  wallToInstant,
  zoneOffsetMs,
} from '../src/time.ts';

describe('time zones', () => {
  it('accepts every IANA zone the runtime knows', () => {
    for (const zone of Intl.supportedValuesOf('timeZone')) expect(isTimeZone(zone), zone).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
  });

  it('refuses offsets, abbreviations and junk, whatever is generated', () => {
    const offset = fc
      .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([s, h, m]) => `${s}${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    const junk = fc.string({ maxLength: 70 }).filter((s) => !Intl.supportedValuesOf('timeZone').includes(s) && s !== 'UTC');
    fc.assert(
      fc.property(
        fc.oneof(
          offset,
          junk,
          fc.constantFrom('Mars/Olympus_Mons', 'asia/shanghai', 'Asia/Shanghai/', '../etc/passwd', 'Asia/Shanghai\u0000'),
        ),
        (zone) => {
          // A typo'd or made-up zone must never reach a formatter on the worker.
          if (isTimeZone(zone)) expect(() => new Intl.DateTimeFormat('en', { timeZone: zone })).not.toThrow();
          expect(timeZoneSchema().safeParse(zone).success).toBe(isTimeZone(zone));
          expect(isTimeZone(zone) && /^[+-]/.test(zone)).toBe(false);
        },
      ),
    );
  });
});

describe('instants', () => {
  it('accepts dates inside 2000–2099 and refuses any outside', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        const text = new Date(ms).toISOString();
        const ok = instantSchema().safeParse(text).success;
        // toISOString writes six-digit years (+020000-…) that no user means.
        const inRange = ms >= EARLIEST_DATE && ms < LATEST_DATE;
        expect(ok).toBe(inRange);
      }),
    );
  });

  it('refuses strings that are not date-times', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        if (instantSchema().safeParse(s).success) expect(Number.isFinite(Date.parse(s))).toBe(true);
      }),
    );
  });
});

/** The zone's wall clock straight from Intl, without any cache: what the helpers must agree with. */
function wallOf(ms: number, timeZone: string): number {
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) + (ms % 1000);
}

const ZONES = [
  'UTC',
  'Asia/Shanghai',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'America/New_York',
  'Europe/Berlin',
  'Australia/Sydney',
  'America/Sao_Paulo',
  'Pacific/Chatham',
  'Africa/Casablanca',
];
const instant = fc.integer({ min: Date.UTC(2001, 0, 1), max: Date.UTC(2098, 0, 1) });

describe('wall clocks in a zone', () => {
  it("knows each zone's offset as Intl does, whatever the instant (the quarter-hour cache included)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), instant, (zone, ms) => {
        expect(zoneOffsetMs(ms, zone)).toBe(wallOf(ms, zone) - ms);
      }),
      { numRuns: 300 },
    );
  });

  it('starts each calendar day at its local midnight, and a day later is the same wall time', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), instant, fc.integer({ min: -30, max: 30 }), (zone, ms, k) => {
        const start = localDayStart(ms, zone);
        expect(start).toBeLessThanOrEqual(ms);
        expect(localDate(start, zone)).toBe(localDate(ms, zone));
        expect(localDate(start - 1, zone)).not.toBe(localDate(ms, zone));
        const later = addLocalDays(ms, k, zone);
        const wantDate = new Date(Date.parse(`${localDate(ms, zone)}T00:00:00Z`) + k * DAY_MS).toISOString().slice(0, 10);
        expect(localDate(later, zone)).toBe(wantDate);
        // Same wall time, unless that time does not exist on the day reached (moved past the gap).
        if (wallOf(later, zone) % DAY_MS !== wallOf(ms, zone) % DAY_MS)
          expect(wallOf(later, zone) % DAY_MS).toBeGreaterThan(wallOf(ms, zone) % DAY_MS);
      }),
      { numRuns: 300 },
    );
  });

  it('resolves repeated and skipped wall times the way Temporal\'s "compatible" rule does', () => {
    const wall = (text: string) => Date.parse(`${text}Z`);
    // New York springs forward at 02:00 on 8 March 2026: 02:30 does not exist and becomes 03:30 EDT.
    expect(new Date(wallToInstant(wall('2026-03-08T02:30:00'), 'America/New_York')).toISOString()).toBe('2026-03-08T07:30:00.000Z');
    // It falls back at 02:00 on 1 November: 01:30 happens twice; the first (EDT) is meant.
    expect(new Date(wallToInstant(wall('2026-11-01T01:30:00'), 'America/New_York')).toISOString()).toBe('2026-11-01T05:30:00.000Z');
    // East of Greenwich the guess lands after the change: Berlin's 02:30 on 25 October is first at 00:30 UTC.
    expect(new Date(wallToInstant(wall('2026-10-25T02:30:00'), 'Europe/Berlin')).toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it("aligns buckets to the zone's wall clock", () => {
    expect(new Date(bucketStart(Date.parse('2026-05-20T10:45:00Z'), 3_600_000, 'Asia/Kolkata')).toISOString()).toBe(
      '2026-05-20T10:30:00.000Z',
    );
    expect(new Date(bucketStart(Date.parse('2026-05-20T10:50:00Z'), 1_800_000, 'Asia/Kathmandu')).toISOString()).toBe(
      '2026-05-20T10:45:00.000Z',
    );
    expect(new Date(bucketStart(Date.parse('2026-05-20T10:45:00Z'), 3_600_000, 'Asia/Shanghai')).toISOString()).toBe(
      '2026-05-20T10:00:00.000Z',
    );
  });
});
