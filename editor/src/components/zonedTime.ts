/**
 * Wall-clock times in a named time zone, for <input type="datetime-local">: a campaign's dates
 * are edited in the campaign's zone, whatever zone the browser is in.
 */
import { wallToInstant, zoneOffsetMs } from '@flightdeck/workflows/time';

/** An instant as "YYYY-MM-DDTHH:mm" on the zone's wall clock. */
export function toZonedInput(iso: string | number, timeZone: string): string {
  const ms = typeof iso === 'number' ? iso : Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  return new Date(ms + zoneOffsetMs(ms, timeZone)).toISOString().slice(0, 16);
}

/**
 * "YYYY-MM-DDTHH:mm" on the zone's wall clock → the instant (ms), or undefined if it is not a
 * time. A wall time skipped by a DST change resolves to the instant just after the gap.
 */
export function fromZonedInput(text: string, timeZone: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  return wallToInstant(wall, timeZone);
}
