import { parseDuration } from '../duration.ts';
import type { RuleStatus } from './evaluate.ts';
import type { MonitorConfig } from './schema.ts';

/**
 * Alerts whose firing a late or corrected point took back. The evaluator rewinds and judges again, and the fire
 * is retracted; but the alert was opened (people may have been told), and no firing → ok transition will come for
 * it, since in the corrected history the rule never fired. Such an alert ends as keepFiringFor says a firing rule
 * ends: the corrected bucket is the first clear one, and the alert resolves on the first judged bucket that is
 * keepFiringFor past it (at once when keepFiringFor is 0s), not before. Pure: the caller applies the result.
 */

export interface OpenRuleAlert {
  id: string;
  ruleId: string;
  channel: string | null;
  /** Event time of the last bucket the alert was told firing at (epoch ms). */
  lastFiredAt: number;
}

export interface OrphanVerdict {
  /** Alerts to resolve, each at the event time its keep-firing period ended. */
  resolve: { id: string; at: number }[];
  /** The earliest event time an orphan still inside its keep-firing period ends, or null. */
  pendingUntil: number | null;
}

const statusKey = (ruleId: string, channel: string | null) => `${ruleId}\u0000${channel ?? ''}`;

/**
 * `judged`: how far the data has been judged (the monitor's watermark, event time). An open alert is an orphan
 * when its rule's machine for its channel is not firing (or the rule judges that channel no more); a rule the
 * config does not have is not this monitor's to judge.
 */
export function orphanedAlerts(
  monitor: MonitorConfig,
  statuses: readonly RuleStatus[],
  open: readonly OpenRuleAlert[],
  judged: number | null,
): OrphanVerdict {
  const every = parseDuration(monitor.every) ?? 3_600_000;
  const phase = new Map(statuses.map((s) => [statusKey(s.ruleId, s.channel), s.state]));
  const resolve: OrphanVerdict['resolve'] = [];
  let pendingUntil: number | null = null;
  for (const a of open) {
    const rule = monitor.rules.find((r) => r.id === a.ruleId);
    if (!rule || phase.get(statusKey(a.ruleId, a.channel)) === 'firing') continue;
    // As the machine counts it: keepFiringFor in whole buckets after the first clear one.
    const keep = Math.ceil((parseDuration(rule.keepFiringFor) ?? 0) / every) * every;
    const endsAt = a.lastFiredAt + keep;
    if (judged !== null && judged >= endsAt) resolve.push({ id: a.id, at: endsAt });
    else pendingUntil = pendingUntil === null ? endsAt : Math.min(pendingUntil, endsAt);
  }
  return { resolve, pendingUntil };
}
