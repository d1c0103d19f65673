/**
 * Notification grouping, as Alertmanager does it: alerts of one group (by default one rule of one
 * campaign) go out together. A new group waits `groupWait` so alerts that fire together arrive in
 * one message; a group that changed (an alert joined, one resolved) is told again after
 * `groupInterval` since its last message; a group that did not change repeats after
 * `repeatInterval` while anything in it still fires. Pure: the caller gives the time.
 */

import { parseDuration } from '../duration.ts';

export interface GroupingTimes {
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

/** Alertmanager's defaults, which suit campaigns too: an incident is told within a minute, reminded every four hours. */
export const GROUP_WAIT_MS = 30_000;
export const GROUP_INTERVAL_MS = 5 * 60_000;
export const REPEAT_INTERVAL_MS = 4 * 3_600_000;
export const DEFAULT_GROUPING: Readonly<GroupingTimes> = {
  groupWaitMs: GROUP_WAIT_MS,
  groupIntervalMs: GROUP_INTERVAL_MS,
  repeatIntervalMs: REPEAT_INTERVAL_MS,
};

/** An open alert as grouping sees it. Only `firing` ones that no silence mutes are told; the rest count as gone. */
export interface GroupedAlert {
  id: string;
  groupKey: string;
  state: 'firing' | 'acknowledged' | 'snoozed' | 'resolved';
  silenced?: boolean;
  /** When the alert became notifiable (ms): a new group's wait runs from its first alert. */
  since: number;
}

/** What grouping remembers of a group between calls: kept by the caller, returned updated. */
export interface GroupMemory {
  /** When the group's first alert arrived (ms). */
  firstAt: number;
  /** null until the first message went out. */
  lastNotifiedAt: number | null;
  /** The alerts that were firing in the last message, sorted. */
  notified: string[];
}

export type NotificationReason = 'new' | 'changed' | 'repeat';

export interface DueNotification {
  groupKey: string;
  reason: NotificationReason;
  firing: string[];
  /** Told as firing last time, not firing now (resolved, acknowledged, snoozed or silenced). */
  resolved: string[];
}

export interface GroupingResult {
  due: DueNotification[];
  /** The memory to keep once `due` has been sent; a group with nothing left to say is dropped. */
  memory: Record<string, GroupMemory>;
  /** When the next notification falls due (ms), if any would without new alerts. */
  nextDueAt: number | null;
}

export const groupKeyOf = (a: { campaignId: string; ruleId: string }) => `${a.campaignId}/${a.ruleId}`;

/** A monitor's grouping config as times; a duration that does not parse (the validator refuses it) counts as the default. */
export function groupingTimes(g: { wait: string; interval: string; repeat: string }): GroupingTimes {
  const or = (text: string, fallback: number) => parseDuration(text) ?? fallback;
  return {
    groupWaitMs: or(g.wait, GROUP_WAIT_MS),
    groupIntervalMs: or(g.interval, GROUP_INTERVAL_MS),
    repeatIntervalMs: or(g.repeat, REPEAT_INTERVAL_MS),
  };
}

/**
 * Which due notification to hand over now, and the memory to keep, for a caller that tells only firing alerts (a
 * resolution is the alert's own state): only one group leaves at a time (it takes one handle), so the other due
 * groups keep what they had and are due again at once.
 */
export function nextNotification(
  alerts: readonly GroupedAlert[],
  memory: Readonly<Record<string, GroupMemory>>,
  now: number,
  times: GroupingTimes,
): { due: DueNotification | null; memory: Record<string, GroupMemory>; nextDueAt: number | null } {
  // Nothing fires in it any more: with no resolution message to send, the group is over now, not at its interval,
  // and an alert after it starts a new group (its wait, not the old group's interval).
  // An alert leaving a group (acknowledged, resolved, silenced) is no news to tell either: only one joining is, so an
  // ack of a grouped message's first alert quiets the group until its repeat.
  const firing = new Set(alerts.filter(notifiable).map((a) => a.id));
  const live = new Set(alerts.filter(notifiable).map((a) => a.groupKey));
  const current = Object.fromEntries(
    Object.entries(memory)
      .filter(([key]) => live.has(key))
      .map(([key, m]) => [key, { ...m, notified: m.notified.filter((id) => firing.has(id)) }]),
  );
  const r = dueNotifications(alerts, current, now, times);
  const due = r.due.find((d) => d.firing.length > 0) ?? null;
  const kept = { ...r.memory };
  for (const d of r.due) {
    if (d === due || !d.firing.length) continue;
    const before = current[d.groupKey];
    const firstAt = Math.min(...alerts.filter((a) => a.groupKey === d.groupKey).map((a) => a.since));
    kept[d.groupKey] = before ?? { firstAt, lastNotifiedAt: null, notified: [] };
  }
  const others = r.due.some((d) => d !== due && d.firing.length > 0);
  return { due, memory: kept, nextDueAt: others ? now : r.nextDueAt };
}

const notifiable = (a: GroupedAlert) => a.state === 'firing' && !a.silenced;
const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Which notifications are due at `now`, given the open alerts and what each group was told before. */
export function dueNotifications(
  alerts: readonly GroupedAlert[],
  memory: Readonly<Record<string, GroupMemory>>,
  now: number,
  times: GroupingTimes = DEFAULT_GROUPING,
): GroupingResult {
  const firingBy = new Map<string, GroupedAlert[]>();
  for (const a of alerts) if (notifiable(a)) firingBy.set(a.groupKey, [...(firingBy.get(a.groupKey) ?? []), a]);
  const keys = [...new Set([...firingBy.keys(), ...Object.keys(memory)])].sort();
  const due: DueNotification[] = [];
  const next: Record<string, GroupMemory> = {};
  let nextDueAt: number | null = null;
  const later = (t: number) => (nextDueAt = nextDueAt === null ? t : Math.min(nextDueAt, t));

  for (const key of keys) {
    const members = firingBy.get(key) ?? [];
    const firing = members.map((a) => a.id).sort();
    const seen = memory[key];
    let dueAt: number | null;
    let reason: NotificationReason;
    if (!seen || seen.lastNotifiedAt === null) {
      // Nothing told yet: a group that emptied before its first message says nothing at all.
      if (!firing.length) continue;
      const firstAt = seen?.firstAt ?? Math.min(...members.map((a) => a.since));
      next[key] = { firstAt, lastNotifiedAt: null, notified: [] };
      dueAt = firstAt + times.groupWaitMs;
      reason = 'new';
    } else {
      next[key] = seen;
      if (!sameSet(firing, seen.notified)) {
        dueAt = seen.lastNotifiedAt + times.groupIntervalMs;
        reason = 'changed';
      } else if (firing.length) {
        dueAt = seen.lastNotifiedAt + times.repeatIntervalMs;
        reason = 'repeat';
      } else {
        // Told that everything resolved: the group is over.
        delete next[key];
        continue;
      }
    }
    if (dueAt > now) {
      later(dueAt);
      continue;
    }
    const resolved = (seen?.notified ?? []).filter((id) => !firing.includes(id));
    due.push({ groupKey: key, reason, firing, resolved });
    if (firing.length) {
      next[key] = { firstAt: next[key]!.firstAt, lastNotifiedAt: now, notified: firing };
      later(now + times.repeatIntervalMs);
    } else delete next[key];
  }
  return { due, memory: next, nextDueAt };
}
