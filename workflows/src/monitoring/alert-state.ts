import { DAY_MS } from '../time.ts';

/**
 * An alert's lifecycle, pure: what a person (or the rule, or the clock) may do to an alert in each
 * state. The engine stores alerts and asks here first, so the rules are the same wherever an alert
 * is touched (the API, a one-click link, the ingest path).
 */

import { ALERT_STATES, type AlertState } from './vocabulary.ts';
export { ALERT_STATES, type AlertState };

export const ALERT_EVENT_KINDS = [
  'fired',
  // A message about it waited (a rate limit, quiet hours, a paused channel) before it went out: why, and until when.
  'held',
  'notified',
  'escalated',
  'acknowledged',
  'resolved',
  'snoozed',
  'unsnoozed',
  'refired',
  'silenced',
] as const;
export type AlertEventKind = (typeof ALERT_EVENT_KINDS)[number];

/** A snooze is a "remind me later", not a way to forget an alert: a month at most. */
export const MAX_SNOOZE_MS = 30 * DAY_MS;

export type AlertAction = { kind: 'ack' } | { kind: 'resolve' } | { kind: 'snooze'; until: number } | { kind: 'unsnooze' };

export type AlertVerdict = { ok: true; state: AlertState } | { ok: false; reason: string; field?: string; code: 'conflict' | 'invalid' };

export interface AlertLike {
  state: AlertState;
  /** ms since the epoch; set while snoozed. */
  snoozedUntil: number | null;
}

/** What `action` does to `alert` at `now` (ms): the next state, or why it is refused. Resolved is final. */
export function decideAlert(alert: AlertLike, action: AlertAction, now: number): AlertVerdict {
  const refuse = (reason: string): AlertVerdict => ({ ok: false, reason, code: 'conflict' });
  if (alert.state === 'resolved') return refuse(`The alert is resolved; it can no longer be ${PAST[action.kind]}`);
  switch (action.kind) {
    case 'ack':
      return alert.state === 'acknowledged' ? refuse('The alert is already acknowledged') : { ok: true, state: 'acknowledged' };
    case 'resolve':
      return { ok: true, state: 'resolved' };
    case 'snooze': {
      if (!Number.isFinite(action.until) || action.until <= now)
        return { ok: false, reason: 'Snooze until a time in the future', field: 'until', code: 'invalid' };
      if (action.until - now > MAX_SNOOZE_MS)
        return { ok: false, reason: 'A snooze lasts 30 days at most', field: 'until', code: 'invalid' };
      return { ok: true, state: 'snoozed' };
    }
    case 'unsnooze':
      return snoozeOver(alert, now) ? { ok: true, state: 'firing' } : refuse('The alert is not snoozed, or its snooze has not ended');
  }
}

const PAST: Record<AlertAction['kind'], string> = { ack: 'acknowledged', resolve: 'resolved', snooze: 'snoozed', unsnooze: 'woken' };

/** A snoozed alert whose time has come fires again. */
export function snoozeOver(alert: AlertLike, now: number): boolean {
  return alert.state === 'snoozed' && alert.snoozedUntil !== null && alert.snoozedUntil <= now;
}

/** The dedup key of an alert within its campaign: one open alert per node, rule and channel. */
export function alertDedupKey(a: { nodeId: string | null; ruleId: string; channel: string | null }): string {
  return JSON.stringify([a.nodeId, a.ruleId, a.channel]);
}

export interface SilenceLike {
  campaignId: string;
  /** null: every rule. */
  ruleId: string | null;
  /** null: every channel (and campaign-wide rules). */
  channel: string | null;
  startsAt: number;
  endsAt: number;
}

export interface SilenceTarget {
  campaignId: string;
  ruleId: string;
  channel: string | null;
}

/** Whether `silence` mutes `alert` at `at` (ms): its matchers fit and `at` is in [startsAt, endsAt). */
export function silenceMatches(silence: SilenceLike, alert: SilenceTarget, at: number): boolean {
  return (
    silence.campaignId === alert.campaignId &&
    (silence.ruleId === null || silence.ruleId === alert.ruleId) &&
    (silence.channel === null || silence.channel === alert.channel) &&
    silence.startsAt <= at &&
    at < silence.endsAt
  );
}

export type SilenceStatus = 'pending' | 'active' | 'expired';
export function silenceStatus(s: Pick<SilenceLike, 'startsAt' | 'endsAt'>, now: number): SilenceStatus {
  return now < s.startsAt ? 'pending' : now < s.endsAt ? 'active' : 'expired';
}

/**
 * Where the alerts one message told stand together, for the escalation ladder that told them: it
 * goes on while any of them is still firing, and stops only when each is acknowledged or resolved
 * (acknowledged if a person answered any, else resolved). While every open one is snoozed, the
 * ladder waits for the first snooze to end. A lone alert stands as it is.
 */
export function toldGroupState(members: readonly AlertLike[]): AlertLike {
  const open = members.filter((m) => m.state === 'firing' || m.state === 'snoozed');
  if (!open.length) return { state: members.some((m) => m.state === 'acknowledged') ? 'acknowledged' : 'resolved', snoozedUntil: null };
  if (open.some((m) => m.state === 'firing' || m.snoozedUntil === null)) return { state: 'firing', snoozedUntil: null };
  return { state: 'snoozed', snoozedUntil: Math.min(...open.map((m) => m.snoozedUntil!)) };
}
