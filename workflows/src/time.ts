import { z } from 'zod';
import { lazily } from './lazy.ts';

/**
 * Time zones and instants as users type them. Intl accepts more than IANA names (offsets such as
 * "+08:00" on newer runtimes), and the same zone must mean the same on the worker, the API and
 * in the browser, so only region names ("Asia/Shanghai") and "UTC" pass.
 */
const ZONE_NAME = /^(UTC|[A-Z][A-Za-z_]+(\/[A-Za-z0-9_+-]+){1,2})$/;

/** Building a formatter costs tens of microseconds; the evaluator asks on every call. */
const knownZones = new Map<string, boolean>();

export function isTimeZone(tz: string): boolean {
  if (typeof tz !== 'string' || !ZONE_NAME.test(tz)) return false;
  const known = knownZones.get(tz);
  if (known !== undefined) return known;
  let ok: boolean;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    ok = true;
  } catch {
    ok = false;
  }
  if (knownZones.size >= 1000) knownZones.clear();
  knownZones.set(tz, ok);
  return ok;
}

export const timeZoneSchema = lazily(() => z.string().max(64).refine(isTimeZone, 'Not an IANA time zone (e.g. Asia/Shanghai)'));

/**
 * Dates a campaign can sensibly hold. Outside these a date is a typo (year 20260), and
 * PostgreSQL or a timer would refuse it far from where it was typed.
 */
export const EARLIEST_DATE = Date.UTC(2000, 0, 1);
export const LATEST_DATE = Date.UTC(2100, 0, 1);

export function isSaneInstant(text: string): boolean {
  const t = Date.parse(text);
  return Number.isFinite(t) && t >= EARLIEST_DATE && t < LATEST_DATE;
}

/** An ISO 8601 date-time with an offset, between 2000 and 2100. */
export const instantSchema = lazily(() =>
  z.iso.datetime({ offset: true }).refine(isSaneInstant, 'Pick a date between 2000-01-01 and 2099-12-31'),
);

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * Wall clocks in a zone, for bucketing metrics by the campaign's own hours and days. Intl is the
 * only zone database the sandbox and the browser share, and formatToParts costs microseconds, so
 * offsets are remembered per quarter hour: every zone's offset since 2000 changes on a 15-minute
 * boundary of UTC, so one answer holds for the whole quarter.
 */
const QUARTER_MS = 900_000;
const OFFSET_CACHE_LIMIT = 50_000;
const wallFormatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, Map<number, number>>();

function wallFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = wallFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    wallFormatters.set(timeZone, f);
  }
  return f;
}

/** How far the zone's wall clock is ahead of UTC at that instant, in ms. */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  let zone = offsetCache.get(timeZone);
  if (!zone) offsetCache.set(timeZone, (zone = new Map()));
  const slot = Math.floor(ms / QUARTER_MS);
  const known = zone.get(slot);
  if (known !== undefined) return known;
  const at = slot * QUARTER_MS;
  const p: Record<string, string> = {};
  for (const part of wallFormatter(timeZone).formatToParts(new Date(at))) p[part.type] = part.value;
  const offset = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) - at;
  if (zone.size >= OFFSET_CACHE_LIMIT) zone.clear();
  zone.set(slot, offset);
  return offset;
}

/**
 * A wall-clock time in the zone (as if it were UTC ms) → the instant. A repeated wall time (the
 * hour a DST change goes back over) resolves to its first occurrence; a skipped one moves forward
 * by the gap (02:30 on a spring-forward night is 03:30), as Temporal's "compatible" rule does.
 */
export function wallToInstant(wall: number, timeZone: string): number {
  // A day either side sees the offsets before and after any change near this wall time.
  const offsets = [zoneOffsetMs(wall - DAY_MS, timeZone), zoneOffsetMs(wall, timeZone), zoneOffsetMs(wall + DAY_MS, timeZone)];
  let best: number | undefined;
  for (const o of offsets) {
    const t = wall - o;
    if (zoneOffsetMs(t, timeZone) === o && (best === undefined || t < best)) best = t;
  }
  return best ?? wall - Math.min(...offsets);
}

/** The instant the zone's calendar day containing `ms` begins (local midnight, or just after a skipped one). */
export function localDayStart(ms: number, timeZone: string): number {
  const wall = ms + zoneOffsetMs(ms, timeZone);
  return wallToInstant(wall - mod(wall, DAY_MS), timeZone);
}

/** The same wall-clock time `days` calendar days away in the zone (23 or 25 hours across a DST change). */
export function addLocalDays(ms: number, days: number, timeZone: string): number {
  const offset = zoneOffsetMs(ms, timeZone);
  const plain = ms + days * DAY_MS;
  // The common case, no change of offset in between, without resolving a wall time.
  if (zoneOffsetMs(plain, timeZone) === offset) return plain;
  return wallToInstant(ms + offset + days * DAY_MS, timeZone);
}

/** The zone's calendar date of an instant, "YYYY-MM-DD". */
export function localDate(ms: number, timeZone: string): string {
  return new Date(ms + zoneOffsetMs(ms, timeZone)).toISOString().slice(0, 10);
}

/**
 * The start of the bucket of `everyMs` (a divisor of an hour) holding `ms`, aligned to the zone's
 * wall clock: hourly buckets in Asia/Kolkata start at half past the UTC hour.
 */
export function bucketStart(ms: number, everyMs: number, timeZone: string): number {
  return ms - mod(ms + zoneOffsetMs(ms, timeZone), everyMs);
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}
