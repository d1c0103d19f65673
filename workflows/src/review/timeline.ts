import { REVIEW_LIMITS, ReviewInputError, type ReviewAlert, type ReviewCampaign, type ReviewRecords } from './types.ts';

/** An ISO instant, or null for anything that is not one (records are ours, but a review must never throw on a bad one). */
function instant(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : null;
}
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** end − start in ms, or null unless both are times and the end is not before the start. */
function duration(start: number | null, end: number | null): number | null {
  return start === null || end === null || end < start ? null : end - start;
}

export interface TimelineEvent {
  at: string;
  kind:
    | 'phase_start'
    | 'phase_end'
    | 'approval_opened'
    | 'approval_closed'
    | 'launch'
    | 'alert'
    | 'alert_ack'
    | 'alert_escalated'
    | 'phase_change';
  text: string;
}

/** Nested lists are best effort: a malformed one reads as empty. */
const listOf = <T>(l: readonly T[] | null | undefined): readonly T[] =>
  Array.isArray(l) ? l.filter((x) => typeof x === 'object' && x !== null) : [];

function bounded<T>(list: readonly T[] | undefined, limit: number, field: string): readonly T[] {
  const l = list ?? [];
  if (!Array.isArray(l)) throw new ReviewInputError(field, 'not a list');
  if (l.length > limit) throw new ReviewInputError(field, `at most ${limit} (got ${l.length})`);
  return l.filter((x) => typeof x === 'object' && x !== null);
}

function alertEntry(a: ReviewAlert, i: number) {
  const events = bounded(a.events, REVIEW_LIMITS.eventsPerAlert, `records.alerts.${i}.events`);
  const opened = instant(a.openedAt);
  const ofKind = (kind: string) => events.filter((e) => e.kind === kind).map((e) => ({ at: instant(e.at), actor: e.actor ?? null }));
  const acks = ofKind('acknowledged');
  const firstAck = acks.find((e) => e.at !== null) ?? null;
  const resolved = instant(a.resolvedAt) ?? ofKind('resolved').find((e) => e.at !== null)?.at ?? null;
  return {
    id: String(a.id),
    ruleId: String(a.ruleId),
    channel: a.channel ?? null,
    severity: String(a.severity),
    firedAt: iso(instant(a.firedAt)),
    openedAt: iso(opened),
    acknowledgedAt: iso(firstAck?.at ?? null),
    acknowledgedBy: firstAck?.actor ?? null,
    ackAfterMs: duration(opened, firstAck?.at ?? null),
    escalations: ofKind('escalated').map((e) => ({ at: iso(e.at), afterMs: duration(opened, e.at) })),
    refires: ofKind('refired').length,
    resolvedAt: iso(resolved),
    resolveAfterMs: duration(opened, resolved),
  };
}

/** The campaign's story from our own records: approvals, launch, alerts and phase date changes, each with how long it took. */
export function buildTimeline(campaign: ReviewCampaign, records: ReviewRecords) {
  const approvals = bounded(records.approvals, REVIEW_LIMITS.approvals, 'records.approvals').map((a) => {
    const opened = instant(a.openedAt);
    const closed = instant(a.closedAt);
    return {
      taskId: String(a.taskId),
      title: String(a.title),
      status: String(a.status),
      openedAt: iso(opened),
      closedAt: iso(closed),
      durationMs: duration(opened, closed),
      votes: listOf(a.votes)
        .slice(0, 100)
        .map((v) => ({
          name: String(v.name),
          decision: String(v.decision),
          comment: typeof v.comment === 'string' ? v.comment : null,
          at: iso(instant(v.at)),
          afterMs: duration(opened, instant(v.at)),
        })),
      escalations: listOf(a.escalations)
        .slice(0, 100)
        .map((e) => ({ at: iso(instant(e.at)), reason: String(e.reason ?? '') })),
    };
  });
  const alerts = bounded(records.alerts, REVIEW_LIMITS.alerts, 'records.alerts').map(alertEntry);
  const phaseChanges = bounded(records.phaseChanges, REVIEW_LIMITS.phaseChanges, 'records.phaseChanges').map((c) => {
    const before = new Map(listOf(c.before).map((p) => [p.name, p]));
    return {
      at: iso(instant(c.at)),
      actor: c.actor ?? null,
      changes: listOf(c.after)
        .slice(0, 10)
        .map((p) => ({
          phase: String(p.name),
          startsAt: { from: before.get(p.name)?.startsAt ?? null, to: p.startsAt },
          endsAt: { from: before.get(p.name)?.endsAt ?? null, to: p.endsAt },
        })),
    };
  });
  const launchAt = instant(records.launch?.at);
  const launch = launchAt === null ? null : { at: iso(launchAt)!, by: records.launch?.by ?? null };

  const events: TimelineEvent[] = [];
  const push = (at: string | null, kind: TimelineEvent['kind'], text: string) => at && events.push({ at, kind, text });
  for (const p of listOf(campaign.phases)) {
    push(iso(instant(p.startsAt)), 'phase_start', `${p.name} starts`);
    push(iso(instant(p.endsAt)), 'phase_end', `${p.name} ends`);
  }
  for (const a of approvals) {
    push(a.openedAt, 'approval_opened', `Approval "${a.title}" opened`);
    push(a.closedAt, 'approval_closed', `Approval "${a.title}" ${a.status}`);
  }
  if (launch) push(launch.at, 'launch', 'Launched');
  for (const a of alerts) {
    const where = a.channel ? ` on ${a.channel}` : '';
    push(a.firedAt, 'alert', `${a.severity} alert ${a.ruleId}${where}`);
    push(a.acknowledgedAt, 'alert_ack', `Alert ${a.ruleId}${where} acknowledged${a.acknowledgedBy ? ` by ${a.acknowledgedBy}` : ''}`);
    for (const e of a.escalations) push(e.at, 'alert_escalated', `Alert ${a.ruleId}${where} escalated`);
  }
  for (const c of phaseChanges) push(c.at, 'phase_change', `Phase dates changed: ${c.changes.map((x) => x.phase).join(', ')}`);
  // Stable: equal times keep the order above (a phase's start before an alert in its first hour).
  events.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return { approvals, launch, alerts, phaseChanges, events };
}

export type ReviewTimeline = ReturnType<typeof buildTimeline>;
