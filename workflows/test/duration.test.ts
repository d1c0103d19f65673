import { describe, expect, it } from 'vitest';
import { durationMs, durationSchema, formatDuration, MAX_DURATION_MS, parseDuration } from '../src/duration.ts';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30 * S],
    ['15m', 15 * M],
    ['2h', 2 * H],
    ['3d', 3 * D],
    ['1w', 7 * D],
    ['1h30m', H + 30 * M],
    ['1w2d3h4m5s6ms', 9 * D + 3 * H + 4 * M + 5 * S + 6],
    ['0s', 0],
    ['  45m  ', 45 * M],
    ['90m', 90 * M],
    ['1m1m', 2 * M],
  ])('parses %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('tells minutes from milliseconds', () => {
    expect(parseDuration('1m')).toBe(M);
    expect(parseDuration('1ms')).toBe(1);
    expect(parseDuration('1m1ms')).toBe(M + 1);
  });

  it.each(['', '   ', '5 parsecs', '10', 'h', '1.5h', '-1h', '1h 30m', '1H', '1y', 'PT1H', '1h-', 'ms', '1hh'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('is not confused by an earlier partial parse (sticky regex state)', () => {
    expect(parseDuration('1h x')).toBeUndefined();
    expect(parseDuration('2h')).toBe(2 * H);
  });
});

describe('durationSchema', () => {
  it('accepts up to a year (366 days) and rejects longer', () => {
    expect(durationSchema().safeParse('366d').success).toBe(true);
    expect(MAX_DURATION_MS).toBe(366 * D);
    const tooLong = durationSchema().safeParse('400d');
    expect(tooLong.success).toBe(false);
    expect(tooLong.error?.issues[0]?.message).toMatch(/longer than a year/);
  });

  it('explains the format when it is not a duration', () => {
    const bad = durationSchema().safeParse('5 parsecs');
    expect(bad.error?.issues[0]?.message).toMatch(/Not a duration.*"1h30m"/);
  });

  it('rejects non-strings and very long strings', () => {
    expect(durationSchema().safeParse(3600).success).toBe(false);
    expect(durationSchema().safeParse('1s'.repeat(40)).success).toBe(false);
  });
});

describe('durationMs', () => {
  it('returns milliseconds or throws a readable error', () => {
    expect(durationMs('1h')).toBe(H);
    expect(() => durationMs('soon')).toThrow('Not a duration: soon');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [250, '250ms'],
    [1_500, '1.50s'],
    [12_345, '12.3s'],
    [60_000, '1m'],
    [90 * M, '1h30m'],
    [D + H + M + S, '1d1h1m1s'],
    [7 * D, '7d'],
    [3 * 7 * D, '21d'],
  ])('formats %d ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips whole-second values through parseDuration', () => {
    for (const ms of [M, 90 * M, D + S, 5 * D + 3 * H + 59 * S]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
