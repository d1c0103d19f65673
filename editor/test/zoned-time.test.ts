import { describe, expect, it } from 'vitest';
import { fromZonedInput, toZonedInput } from '../src/components/zonedTime.ts';

describe('campaign-zone wall times', () => {
  it('reads and writes a time on the campaign zone’s clock, not the browser’s', () => {
    expect(toZonedInput('2026-05-20T00:00:00Z', 'Asia/Shanghai')).toBe('2026-05-20T08:00');
    expect(new Date(fromZonedInput('2026-05-20T08:00', 'Asia/Shanghai')!).toISOString()).toBe('2026-05-20T00:00:00.000Z');
    expect(toZonedInput('2026-05-20T00:00:00Z', 'UTC')).toBe('2026-05-20T00:00');
  });

  it('round-trips across DST in both directions, and refuses what is not a time', () => {
    // New York: 2026-03-08 02:00 jumps to 03:00; 2026-11-01 02:00 falls back to 01:00.
    expect(new Date(fromZonedInput('2026-03-08T01:30', 'America/New_York')!).toISOString()).toBe('2026-03-08T06:30:00.000Z');
    expect(new Date(fromZonedInput('2026-03-08T03:30', 'America/New_York')!).toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(new Date(fromZonedInput('2026-07-01T09:00', 'America/New_York')!).toISOString()).toBe('2026-07-01T13:00:00.000Z');
    // 02:30 does not exist that night in New York, nor on 2026-03-29 in Berlin: just after the gap (03:30 summer time).
    expect(new Date(fromZonedInput('2026-03-08T02:30', 'America/New_York')!).toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(new Date(fromZonedInput('2026-03-29T02:30', 'Europe/Berlin')!).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(new Date(fromZonedInput('2026-10-25T12:00', 'Europe/Berlin')!).toISOString()).toBe('2026-10-25T11:00:00.000Z');
    for (const local of ['2026-01-15T09:00', '2026-07-15T09:00', '2026-11-01T00:30', '2026-11-01T03:00']) {
      expect(toZonedInput(fromZonedInput(local, 'America/New_York')!, 'America/New_York')).toBe(local);
    }
    expect(fromZonedInput('2026-05-20', 'UTC')).toBeUndefined();
    expect(toZonedInput('not a time', 'UTC')).toBe('');
  });
});
