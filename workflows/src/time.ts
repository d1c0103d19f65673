import { z } from 'zod';

/**
 * Time zones and instants as users type them. Intl accepts more than IANA names (offsets such as
 * "+08:00" on newer runtimes), and the same zone must mean the same on the worker, the API and
 * in the browser, so only region names ("Asia/Shanghai") and "UTC" pass.
 */
const ZONE_NAME = /^(UTC|[A-Z][A-Za-z_]+(\/[A-Za-z0-9_+-]+){1,2})$/;

export function isTimeZone(tz: string): boolean {
  if (!ZONE_NAME.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const timeZoneSchema = z.string().max(64).refine(isTimeZone, 'Not an IANA time zone (e.g. Asia/Shanghai)');

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
export const instantSchema = z.iso
  .datetime({ offset: true })
  .refine(isSaneInstant, 'Pick a date between 2000-01-01 and 2099-12-31');
