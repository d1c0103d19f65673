import { z } from 'zod';
import { lazily } from './lazy.ts';

/**
 * Durations are written the way ops staff say them: "30s", "15m", "2h", "3d", "1w",
 * or combined, "1h30m". Kept as strings in flow documents so that the JSON Schema the
 * editor reads stays plain; parsed to milliseconds only when a node runs.
 */
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const PART = /(\d+)(ms|s|m|h|d|w)/y;
/** Longest wait we accept in one node: a year. Longer campaigns chain waits. */
export const MAX_DURATION_MS = 366 * UNIT_MS.d;

/** Monitors read the same few durations on every evaluation. */
const parsed = new Map<string, number | undefined>();

export function parseDuration(text: string): number | undefined {
  if (parsed.has(text)) return parsed.get(text);
  const ms = parseUncached(text);
  if (parsed.size >= 1000) parsed.clear();
  parsed.set(text, ms);
  return ms;
}

function parseUncached(text: string): number | undefined {
  const src = text.trim();
  if (!src) return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let pos = 0;
  while (pos < src.length) {
    PART.lastIndex = pos;
    const m = PART.exec(src);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
    pos = PART.lastIndex;
  }
  return total;
}

export const durationSchema = lazily(() =>
  z
    .string()
    .max(64)
    .refine((v) => parseDuration(v) !== undefined, {
      message: 'Not a duration: write it like "30s", "15m", "2h", "3d", "1w" or "1h30m"',
    })
    .refine((v) => (parseDuration(v) ?? 0) <= MAX_DURATION_MS, { message: 'Duration is longer than a year' })
    .meta({ widget: 'duration' }),
);

export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`Not a duration: ${text}`);
  return ms;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, sec] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= sec) {
      parts.push(`${Math.floor(rest / sec)}${unit}`);
      rest %= sec;
    }
  }
  return parts.join('');
}
