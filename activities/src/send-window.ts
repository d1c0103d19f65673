/**
 * When a connection may send: quiet hours (read in the campaign's time zone) and rate limits.
 * Pure functions over explicit clocks, so the rules are unit-tested without waiting.
 */

export interface QuietHours {
  /** Minutes after local midnight. A window may wrap midnight: 22:00-08:00. */
  startMin: number;
  endMin: number;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "22:00-08:00" → the window; undefined for an empty setting; throws on anything else. */
export function parseQuietHours(text: string | undefined | null): QuietHours | undefined {
  if (!text || !text.trim()) return undefined;
  const [a, b, extra] = text.split('-').map((s) => s.trim());
  const start = a ? HHMM.exec(a) : null;
  const end = b ? HHMM.exec(b) : null;
  if (!start || !end || extra !== undefined) throw new Error(`Quiet hours "${text}" must look like 22:00-08:00`);
  const window = { startMin: Number(start[1]) * 60 + Number(start[2]), endMin: Number(end[1]) * 60 + Number(end[2]) };
  if (window.startMin === window.endMin) throw new Error(`Quiet hours "${text}" start and end at the same time`);
  return window;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function localParts(at: number, timeZone: string): { minutes: number; seconds: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  return { minutes: Number(parts.hour) * 60 + Number(parts.minute), seconds: Number(parts.second) };
}

function inWindow(minutes: number, w: QuietHours): boolean {
  return w.startMin < w.endMin ? minutes >= w.startMin && minutes < w.endMin : minutes >= w.startMin || minutes < w.endMin;
}

/**
 * The instant quiet hours end, if `now` falls inside them; undefined when sending is allowed.
 * Steps through local minutes rather than adding hours, so a DST change inside the window
 * still ends it at the local end time.
 */
export function quietUntil(now: number, window: QuietHours | undefined, timeZone: string): number | undefined {
  if (!window) return undefined;
  const { minutes, seconds } = localParts(now, timeZone);
  if (!inWindow(minutes, window)) return undefined;
  // From the next whole minute, jump to the local end time, then correct by the signed local
  // difference, which is what a DST change inside the window leaves behind.
  let t = now - seconds * 1000 - (now % 1000) + 60_000;
  t += ((((window.endMin - localParts(t, timeZone).minutes) % 1440) + 1440) % 1440) * 60_000;
  for (let i = 0; i < 3; i++) {
    const diff = ((((window.endMin - localParts(t, timeZone).minutes + 720) % 1440) + 1440) % 1440) - 720;
    if (diff === 0) break;
    t += diff * 60_000;
  }
  // An end time that does not exist that day (skipped by DST) leaves us just past it.
  while (inWindow(localParts(t, timeZone).minutes, window)) t += 60_000;
  return t;
}

export interface RateLimit {
  max: number;
  perMs: number;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/**
 * The limit a connection sends at: its own setting ("5/10s", or ratePerMinute), never above the
 * provider's documented limit. A setting above it is an error, so nobody believes they raised it.
 */
export function effectiveRateLimit(settings: Record<string, unknown>, documentedPerMinute: number | undefined): RateLimit | undefined {
  let own: RateLimit | undefined;
  if (typeof settings.rateLimit === 'string' && settings.rateLimit.trim()) {
    const m = /^(\d+)\s*\/\s*(\d*)\s*(s|m|min|h)$/.exec(settings.rateLimit.trim());
    if (!m) throw new Error(`Rate limit "${settings.rateLimit}" must look like 20/1m or 5/10s`);
    own = { max: Number(m[1]), perMs: Number(m[2] || 1) * UNIT_MS[m[3]!]! };
  } else if (settings.ratePerMinute !== undefined && settings.ratePerMinute !== '') {
    const n = Number(settings.ratePerMinute);
    if (!Number.isInteger(n) || n < 1) throw new Error('The rate limit per minute must be a whole number above 0');
    own = { max: n, perMs: 60_000 };
  }
  if (own && own.max < 1) throw new Error('A rate limit must allow at least one message');
  // Reserved send times are kept for an hour; a longer window could not be enforced.
  if (own && own.perMs > 3_600_000) throw new Error('A rate limit period can be at most an hour (e.g. 100/1h)');
  const documented = documentedPerMinute ? { max: documentedPerMinute, perMs: 60_000 } : undefined;
  if (own && documented && own.max / own.perMs > documented.max / documented.perMs + 1e-12) {
    throw new Error(`The rate limit ${own.max} per ${own.perMs / 1000}s is above the provider's documented ${documented.max} per minute`);
  }
  return own ?? documented;
}

/** Added to every rate window, for the network between our clock and the provider's. */
export const RATE_MARGIN_MS = 250;

/**
 * Assigns send times to `count` new messages, first come first served, so that no window of
 * `perMs` holds more than `max` sends. `taken` are the connection's recent and future slots,
 * sorted. A margin absorbs network jitter, so the provider counting by arrival also sees the
 * limit kept. These are plans: `admitWait` checks each send against what really went out.
 */
export function assignSlots(taken: number[], count: number, limit: RateLimit, notBefore: number, marginMs = RATE_MARGIN_MS): number[] {
  const times = [...taken];
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    let t = Math.max(notBefore, times.at(-1) ?? notBefore);
    if (times.length >= limit.max) t = Math.max(t, times[times.length - limit.max]! + limit.perMs + marginMs);
    times.push(t);
    out.push(t);
  }
  return out;
}

/**
 * How long a message due now must still wait so that no window of `perMs` (plus the margin)
 * holds more than `max` sends, given when the others really went out (`sentAt`, sorted; those
 * still in flight count at the time they were let go). 0: it may go now. Planned slots alone
 * are not enough: a message that left late would squeeze the next window.
 */
export function admitWait(sentAt: number[], limit: RateLimit, now: number, marginMs = RATE_MARGIN_MS): number {
  const span = limit.perMs + marginMs;
  const inWindow = sentAt.filter((t) => t > now - span && t <= now);
  if (inWindow.length < limit.max) return 0;
  return inWindow[inWindow.length - limit.max]! + span - now;
}
