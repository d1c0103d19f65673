import type { AlertDetail, AlertEvent } from '../api/types.ts';

/**
 * The pure half of the Alerts pages: delays, snooze times and what each timeline entry says.
 * Kept free of React so the editor's unit tests can pin the wording of "+1.2 s" down.
 */

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const D = 24 * H;

/** A step's delay after the point arrived, as an offset: "+0.35 s", "+1.2 s", "+42 s", "+3 min 5 s", "+2 h 10 min", "+1 d 4 h". */
export function formatDelay(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const sign = ms < 0 ? '−' : '+';
  const a = Math.abs(ms);
  // Each unit is chosen after rounding, so 59.6 s reads "+1 min", never "+60 s" or "+1 min 60 s".
  const fine = (a / S).toFixed(a < S ? 2 : 1);
  if (Number(fine) < 10) return `${sign}${trim(fine)} s`;
  const secs = Math.round(a / S);
  if (secs < 60) return `${sign}${secs} s`;
  const two = (hi: number, hiUnit: string, lo: number, loUnit: string) => `${sign}${whole(hi)} ${hiUnit}${lo ? ` ${lo} ${loUnit}` : ''}`;
  if (secs < 3600) return two(Math.floor(secs / 60), 'min', secs % 60, 's');
  const mins = Math.round(a / MIN);
  if (mins < 1440) return two(Math.floor(mins / 60), 'h', mins % 60, 'min');
  const hours = Math.round(a / H);
  return two(Math.floor(hours / 24), 'd', hours % 24, 'h');
}

/** Digits, however large (String() would switch to exponent notation past 1e21). */
const whole = (n: number) => new Intl.NumberFormat('en', { useGrouping: false, maximumFractionDigits: 0 }).format(n);
const trim = (fixed: string) => fixed.replace(/\.?0+$/, '') || '0';

export type SnoozePreset = '1h' | '4h' | '1d';
export const SNOOZE_PRESETS: readonly SnoozePreset[] = ['1h', '4h', '1d'];
const PRESET_MS: Record<SnoozePreset, number> = { '1h': H, '4h': 4 * H, '1d': D };

/** The time a preset snoozes (or silences) until, from `now`. */
export function presetUntil(preset: SnoozePreset, now: number): string {
  return new Date(now + PRESET_MS[preset]).toISOString();
}

/** The server refuses a snooze past 30 days; the picker says so before asking. */
export const MAX_SNOOZE_MS = 30 * D;

/** Which buttons an alert in this state offers; the server's alert lifecycle has the last word. */
export function alertActions(state: AlertDetail['state']): { ack: boolean; resolve: boolean; snooze: boolean } {
  if (state === 'resolved') return { ack: false, resolve: false, snooze: false };
  return { ack: state !== 'acknowledged', resolve: true, snooze: true };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** One timeline entry as the page words it; detail fields are read defensively (the column is free-form JSON). */
export interface Step {
  id: number;
  kind: AlertEvent['kind'];
  at: string;
  /** The person (or the chat room, from a robot message's link), or null for the rule, the clock or the system. */
  actor: string | null;
  /** session, token, email-link, chat-link: how the person (or room) acted. */
  via: string | null;
  /** notified / escalated: the channel kind and who it reached. */
  channelKind: string | null;
  target: string | null;
  /** resolved: 'rule' when the rule resolved it. */
  by: string | null;
  /** held: why the message waited (quiet_hours, rate_limit, paused). */
  reason: string | null;
  /** snoozed: until when; unsnoozed: the snooze that ran out; held: the hold's end (null: until the channel resumed). */
  until: string | null;
  value: number | null;
  threshold: number | null;
  /** The bucket that fired or resolved the rule (event time). */
  eventTime: string | null;
  /** Milliseconds after the point arrived; null when the entry does not measure one. */
  delayMs: number | null;
  /** True when the server measured the delay (detail.delayMs); false when it is counted from the alert's arrival. */
  measured: boolean;
}

/**
 * The timeline oldest first, each entry with its delay after the point's arrival: the server's own
 * measure where it recorded one (messages and escalations), otherwise counted from when the points
 * that opened the alert arrived (openedAt), which is what "how long until someone acted" means.
 */
export function timelineSteps(alert: Pick<AlertDetail, 'openedAt' | 'timeline'>): Step[] {
  const arrived = Date.parse(alert.openedAt);
  return alert.timeline.map((e) => {
    const d = e.detail ?? {};
    const measured = num(d.delayMs);
    const counted = Number.isFinite(arrived) ? Date.parse(e.at) - arrived : NaN;
    return {
      id: e.id,
      kind: e.kind,
      at: e.at,
      actor: e.actor?.name || str(d.room) || null,
      via: str(d.via),
      channelKind: str(d.channelKind),
      target: str(d.target),
      by: str(d.by),
      reason: str(d.reason),
      until: str(d.until) ?? str(d.snoozedUntil),
      value: num(d.value),
      threshold: num(d.threshold),
      eventTime: str(d.eventTime),
      delayMs: measured ?? (Number.isFinite(counted) ? counted : null),
      measured: measured !== null,
    };
  });
}

/** The headline numbers: how long until the first message, the first acknowledgement and the resolution. */
export function keyDelays(steps: readonly Step[]): { notified: number | null; acknowledged: number | null; resolved: number | null } {
  const first = (kind: Step['kind']) => steps.find((s) => s.kind === kind)?.delayMs ?? null;
  return { notified: first('notified'), acknowledged: first('acknowledged'), resolved: first('resolved') };
}

/** A time the picker offers: a preset from now, or one typed into a datetime-local field (the browser's zone). */
export type Until = { preset: SnoozePreset } | { custom: string };

/** The instant `until` names, or the i18n key of why it cannot be used. */
export function resolveUntil(until: Until, now: number, maxMs: number): { at: string } | { error: string } {
  if ('preset' in until) return { at: presetUntil(until.preset, now) };
  // "YYYY-MM-DDTHH:mm" without an offset is local time, as the field shows it.
  const t = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(until.custom) ? new Date(until.custom).getTime() : NaN;
  if (!Number.isFinite(t)) return { error: 'alerts.notATime' };
  if (t <= now) return { error: 'alerts.notFuture' };
  if (t - now > maxMs) return { error: maxMs > MAX_SNOOZE_MS ? 'alerts.tooLong' : 'alerts.tooFar' };
  return { at: new Date(t).toISOString() };
}

/** A datetime-local field's value for `ms`, on the browser's clock. */
export function localInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/**
 * The rule as a reader knows it: its label (its author's words, or its condition described when it fired) and the
 * condition in the reader's language. Alerts older than the label show the id.
 */
export function ruleInWords(
  a: { ruleId: string; ruleLabel?: string; ruleText?: Record<string, string> | null },
  locale: string,
): { title: string; text: string | null } {
  const text = a.ruleText?.[locale] ?? a.ruleText?.en ?? null;
  const title = a.ruleLabel && a.ruleLabel !== a.ruleId ? a.ruleLabel : a.ruleId;
  // A label that is the English description reads in the reader's language when there is one.
  if (text && a.ruleText?.en === title) return { title: text, text: null };
  return { title, text: text === title ? null : text };
}
