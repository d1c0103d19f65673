import { formatDuration } from '@flightdeck/workflows';
import type { Locale } from '@flightdeck/workflows';

export function formatDateTime(value: string | number | null | undefined, locale: Locale): string {
  if (value === null || value === undefined || value === '') return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' }).format(date);
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return formatDuration(Math.max(0, ms));
}

/** Milliseconds between two timestamps; an open interval runs to now so running things tick. */
export function elapsed(start: string | number | null | undefined, end: string | number | null | undefined): number | undefined {
  if (start === null || start === undefined) return undefined;
  const s = new Date(start).getTime();
  const e = end === null || end === undefined ? Date.now() : new Date(end).getTime();
  return Number.isFinite(s) && Number.isFinite(e) ? e - s : undefined;
}

export function prettyJson(value: unknown): string {
  if (value === undefined) return '';
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}
