import { describe, expect, it } from 'vitest';
import { admitWait, assignSlots, effectiveRateLimit, parseQuietHours, quietUntil } from '../src/send-window.ts';

const at = (iso: string) => Date.parse(iso);

describe('quiet hours', () => {
  const night = parseQuietHours('22:00-08:00');

  it('parses a window, wrapping midnight, and refuses anything else', () => {
    expect(night).toEqual({ startMin: 22 * 60, endMin: 8 * 60 });
    expect(parseQuietHours('')).toBeUndefined();
    expect(() => parseQuietHours('22-08')).toThrow(/22:00-08:00/);
    expect(() => parseQuietHours('25:00-08:00')).toThrow();
    expect(() => parseQuietHours('08:00-08:00')).toThrow(/same time/);
  });

  it('holds a message sent at 23:30 Shanghai time until 08:00 there, and lets 12:00 through', () => {
    // 23:30 in Shanghai is 15:30 UTC.
    expect(quietUntil(at('2026-05-19T15:30:00Z'), night, 'Asia/Shanghai')).toBe(at('2026-05-20T00:00:00Z'));
    expect(quietUntil(at('2026-05-20T04:00:00Z'), night, 'Asia/Shanghai')).toBeUndefined();
    // 07:59:30 local: still quiet, opens 30 s later.
    expect(quietUntil(at('2026-05-19T23:59:30Z'), night, 'Asia/Shanghai')).toBe(at('2026-05-20T00:00:00Z'));
    // 08:00 sharp is open.
    expect(quietUntil(at('2026-05-20T00:00:00Z'), night, 'Asia/Shanghai')).toBeUndefined();
  });

  it('reads the window in the campaign time zone, not the server’s', () => {
    const t = at('2026-05-20T03:00:00Z'); // 11:00 Shanghai, 23:00 New York (EDT)
    expect(quietUntil(t, night, 'Asia/Shanghai')).toBeUndefined();
    expect(quietUntil(t, night, 'America/New_York')).toBe(at('2026-05-20T12:00:00Z'));
  });

  it('ends at the local end time across a daylight-saving change inside the window', () => {
    // New York springs forward at 02:00 on 2026-03-08; 08:00 EDT that morning is 12:00 UTC (not 13:00).
    expect(quietUntil(at('2026-03-08T04:00:00Z'), night, 'America/New_York')).toBe(at('2026-03-08T12:00:00Z'));
    // And falls back on 2026-11-01: 08:00 EST is 13:00 UTC.
    expect(quietUntil(at('2026-11-01T03:00:00Z'), night, 'America/New_York')).toBe(at('2026-11-01T13:00:00Z'));
  });

  it('handles a daytime window too', () => {
    const lunch = parseQuietHours('12:00-13:30');
    expect(quietUntil(at('2026-05-20T12:10:00Z'), lunch, 'UTC')).toBe(at('2026-05-20T13:30:00Z'));
    expect(quietUntil(at('2026-05-20T13:30:00Z'), lunch, 'UTC')).toBeUndefined();
  });
});

describe('rate limits', () => {
  it("uses the provider's documented limit, or a lower own one, and refuses a higher one", () => {
    expect(effectiveRateLimit({}, 20)).toEqual({ max: 20, perMs: 60_000 });
    expect(effectiveRateLimit({ ratePerMinute: 10 }, 20)).toEqual({ max: 10, perMs: 60_000 });
    expect(effectiveRateLimit({ rateLimit: '2/5s' }, 100)).toEqual({ max: 2, perMs: 5_000 });
    expect(() => effectiveRateLimit({ ratePerMinute: 30 }, 20)).toThrow(/documented 20 per minute/);
    expect(() => effectiveRateLimit({ rateLimit: '5/1s' }, 20)).toThrow(/above/);
    expect(() => effectiveRateLimit({ rateLimit: 'fast' }, 20)).toThrow(/20\/1m/);
    expect(effectiveRateLimit({}, undefined)).toBeUndefined();
    expect(() => effectiveRateLimit({ rateLimit: '100/24h' }, undefined)).toThrow(/at most an hour/);
  });

  it('never puts more than the limit in any window, first come first served', () => {
    const limit = { max: 20, perMs: 60_000 };
    const t0 = 1_000_000;
    const slots = assignSlots([], 45, limit, t0, 0);
    expect(slots.slice(0, 20).every((s) => s === t0)).toBe(true);
    expect(slots[20]).toBe(t0 + 60_000);
    expect(slots[40]).toBe(t0 + 120_000);
    for (const s of slots) expect(slots.filter((x) => x > s - 60_000 && x <= s).length).toBeLessThanOrEqual(20);
    // Slots already taken by other runs count too.
    const more = assignSlots(slots, 1, limit, t0, 0);
    expect(more[0]).toBe(t0 + 120_000);
    expect(assignSlots(slots, 16, limit, t0, 0)[14]).toBe(t0 + 120_000);
    expect(assignSlots(slots, 16, limit, t0, 0)[15]).toBe(t0 + 180_000);
  });
});

describe('admitting a send against what really went out', () => {
  const limit = { max: 2, perMs: 6_000 };
  it('lets a message go while the window has room, and otherwise says how long to wait', () => {
    expect(admitWait([], limit, 10_000, 250)).toBe(0);
    expect(admitWait([9_000], limit, 10_000, 250)).toBe(0);
    // Two went out at 4,000 and 9,000: the older must be 6,250 ms gone.
    expect(admitWait([4_000, 9_000], limit, 10_000, 250)).toBe(250);
    // Sends older than the window do not count; a planned time still ahead is not "sent".
    expect(admitWait([1_000, 3_000, 9_000], limit, 10_000, 250)).toBe(0);
  });

  it('a message that left late pushes the next one back, which planned slots alone would not', () => {
    // Planned 0, 0, 6,250: the first really left at 420, so the third may go at 6,670, not 6,250.
    const planned = assignSlots([], 3, limit, 0, 250);
    expect(planned).toEqual([0, 0, 6_250]);
    // The third, due at 6,250: the one sent at 10 must leave the window first.
    expect(admitWait([10, 420], limit, 6_250, 250)).toBe(10);
    expect(admitWait([10, 420], limit, 6_260, 250)).toBe(0);
    // The fourth, also due at 6,250, once the third went at 6,260: it waits for the late one (420) to leave.
    expect(admitWait([10, 420, 6_260], limit, 6_260, 250)).toBe(420 + 6_250 - 6_260);
    expect(admitWait([10, 420, 6_260], limit, 6_670, 250)).toBe(0);
  });
});
