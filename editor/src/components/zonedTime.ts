/**
 * Wall-clock times in a named time zone, for <input type="datetime-local">: a campaign's dates
 * are edited in the campaign's zone, whatever zone the browser is in.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();
function partsIn(ms: number, timeZone: string) {
  let f = formatters.get(timeZone);
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
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return { y: Number(p.year), mo: Number(p.month), d: Number(p.day), h: Number(p.hour), mi: Number(p.minute), s: Number(p.second) };
}

/** How far the zone's wall clock is ahead of UTC at that instant, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const p = partsIn(ms, timeZone);
  return Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s) - (ms - (ms % 1000));
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as "YYYY-MM-DDTHH:mm" on the zone's wall clock. */
export function toZonedInput(iso: string | number, timeZone: string): string {
  const ms = typeof iso === 'number' ? iso : Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const p = partsIn(ms, timeZone);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}`;
}

/**
 * "YYYY-MM-DDTHH:mm" on the zone's wall clock → the instant (ms), or undefined if it is not a
 * time. A wall time skipped by a DST change resolves to the instant just after the gap.
 */
export function fromZonedInput(text: string, timeZone: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  // The offset at the guess can differ from the offset at the answer across a DST change.
  const o1 = offsetAt(wall, timeZone);
  const o2 = offsetAt(wall - o1, timeZone);
  if (o1 === o2) return wall - o1;
  if (offsetAt(wall - o2, timeZone) === o2) return wall - o2;
  // Neither offset holds: the wall time was skipped. The smaller offset lands just past the gap.
  return wall - Math.min(o1, o2);
}
