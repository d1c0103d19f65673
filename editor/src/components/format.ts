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

export function formatDate(value: string | number | null | undefined, locale: Locale, timeZone?: string): string {
  if (value === null || value === undefined || value === '') return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', ...(timeZone ? { timeZone } : {}) }).format(date);
  } catch {
    // An unknown time zone name must not take the page down.
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(date);
  }
}

/** A short absolute time for lists: date and minutes, in the viewer's time zone or the one given. */
export function formatShortDateTime(value: string | number | null | undefined, locale: Locale, timeZone?: string | null): string {
  if (value === null || value === undefined || value === '') return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) }).format(date);
  } catch {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
  }
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "in 3 hours", "2 days ago": the largest unit that fits, rounded. */
export function formatRelative(value: string | number | null | undefined, locale: Locale, now: number = Date.now()): string {
  if (value === null || value === undefined || value === '') return '—';
  const t = new Date(value).getTime();
  if (!Number.isFinite(t)) return String(value);
  const diff = t - now;
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return rtf.format(Math.round(diff / ms), unit);
  }
  return rtf.format(Math.round(diff / 1000 / 10) * 10, 'second');
}

export function formatMoney(amount: number | null | undefined, currency: string | undefined, locale: Locale): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return '—';
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: currency || 'CNY',
      maximumFractionDigits: amount % 1 === 0 ? 0 : 2,
    }).format(amount);
  } catch {
    return `${new Intl.NumberFormat(locale).format(amount)} ${currency ?? ''}`.trim();
  }
}

export function formatNumber(value: number | null | undefined, locale: Locale, options?: Intl.NumberFormatOptions): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return new Intl.NumberFormat(locale, options).format(value);
}

export function formatPercent(ratio: number | null | undefined, locale: Locale, digits = 1): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: digits }).format(ratio);
}

/** A KPI target in its unit: money in its currency, ratios as percentages, counts as numbers. */
export function formatTarget(target: number, unit: string, locale: Locale): string {
  const u = unit.trim();
  if (u === 'ratio' || u === '%' || u === 'percent') return formatPercent(u === 'ratio' ? target : target / 100, locale, 2);
  if (/^[A-Z]{3}$/.test(u)) return formatMoney(target, u, locale);
  return `${formatNumber(target, locale)}${u ? ` ${u}` : ''}`;
}
