import { and, desc, eq, gt, gte, inArray, lt, lte, ne, or, sql, type SQL } from 'drizzle-orm';
import {
  alertNoticeKey,
  alertDedupKey,
  decideAlert,
  silenceMatches,
  silenceStatus,
  snoozeOver,
  type AlertAction,
  type AlertEventKind,
  type AlertState,
  type Severity,
  type Transition,
  said,
} from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import {
  alertEvents,
  alerts,
  campaigns,
  channelConnections,
  runs,
  silences,
  usedLinkTokens,
  users,
  type AlertRow,
  type SilenceRow,
} from '../db/schema.ts';
import { scopeOf, type Actor } from '../auth/access.ts';
import type { Clock } from '../auth/throttle.ts';
import { audit } from './audit.ts';
import { ackSetMembers, toldWith } from './alert-ack-sets.ts';
import { decodeKeyset, encodeKeyset } from './keyset-cursor.ts';
import { Conflict, invalid, NotFound } from './errors.ts';

/** A transaction or the database itself: applyTransitions runs inside the ingest path's transaction. */
export type Executor = Pick<Database, 'select' | 'insert' | 'update' | 'execute'>;

/** What applyTransitions changed; the caller signals the flow's workflow only when this is not empty. */
export interface AlertChange {
  alertId: string;
  kind: 'opened' | 'refired' | 'resolved' | 'unsnoozed';
  ruleId: string;
  channel: string | null;
  severity: Severity;
  state: AlertState;
  /** A silence matched when it opened or refired: nobody is to be told. */
  silenced: boolean;
}

export interface TransitionBatch {
  campaignId: string;
  runId?: string | null;
  /** The monitor node that evaluated the rules. */
  nodeId?: string | null;
  transitions: readonly Transition[];
  /** When the points that caused them arrived (not their event time). */
  receivedAt: Date;
  /** Transitions the same evaluation took back (a late point): an episode's resolution among them no longer stands. */
  retracted?: readonly Transition[];
  /** Each rule in plain words, kept on the alerts it opens (a rule absent here is called by its id). */
  rules?: Readonly<Record<string, { label: string; text: Record<string, string> }>>;
}

export interface AlertListFilter {
  campaignId?: string;
  ruleId?: string;
  state?: AlertState | 'open';
  severity?: Severity;
  from?: string;
  to?: string;
  limit: number;
  /** The last item of the previous page. */
  after?: { firedAt: string; id: string };
}

export interface SilenceInput {
  campaignId: string;
  ruleId?: string | null;
  channel?: string | null;
  startsAt?: string;
  endsAt: string;
  comment?: string;
}

/** Longest silence, and how far ahead one may be planned: a campaign's flight is weeks, not seasons. */
export const MAX_SILENCE_MS = 90 * 86_400_000;
/** One alert's timeline as the API shows it: the most recent entries. */
export const TIMELINE_LIMIT = 1000;
/** Snoozed alerts woken in one sweep; the next sweep takes the rest. */
const WAKE_BATCH = 500;

const iso = (d: Date | null) => d?.toISOString() ?? null;
const finite = (n: number | null | undefined) => (typeof n === 'number' && Number.isFinite(n) ? n : null);
const personId = (actor: Actor | null) => (actor && actor.via !== 'system' && actor.via !== 'chat-link' ? actor.id : null);

/** A broadcast's batches can wait many times; the timeline keeps the first few of one step's waits. */
const MAX_HOLDS_PER_STEP = 20;

export class AlertService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock = () => Date.now(),
    /** Tells the alert's run that a person acted (an escalation stops on an ack); absent, the run finds out on its next look. */
    private readonly signal?: (workflowId: string, key: string) => Promise<void>,
  ) {}

  // ---- the ingest path --------------------------------------------------------------------------

  /**
   * Opens, refires and resolves alerts for a batch of rule transitions, in the caller's transaction
   * (the one that stored the points). One open alert per dedup key: a rule that fires again while its
   * alert is open refires that alert; firing → ok resolves it. Pending changes nothing here.
   */
  async applyTransitions(tx: Executor, batch: TransitionBatch): Promise<AlertChange[]> {
    const nodeId = batch.nodeId ?? null;
    const changes: AlertChange[] = [...(await this.wakeSnoozed(tx, batch.receivedAt, batch.campaignId))];
    // In event-time order, so a fire and its resolution in one batch end resolved.
    const ordered = [...batch.transitions].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const keyOf = (t: Transition) => alertDedupKey({ nodeId, ruleId: t.ruleId, channel: t.channel });
    const known = await this.alertsInPlay(tx, batch.campaignId, ordered.map(keyOf), ordered);
    // A late point that changed a value but not the phases sends an episode's fire again (its value differs); when the
    // episode's alert is resolved and its resolution still stands (not retracted, or sent again later in the batch),
    // the fire is that alert's, corrected, not a new alert's.
    const corrected = new Set<string>();
    const same = (u: Transition, t: Transition) => u.to === 'ok' && u.ruleId === t.ruleId && u.channel === t.channel;
    for (const [i, t] of ordered.entries()) {
      const key = keyOf(t);
      if (t.to === 'firing') {
        const resolvedAgain = ordered.slice(i + 1).some((u) => same(u, t));
        const stands = !(batch.retracted ?? []).some((u) => same(u, t) && Date.parse(u.at) > Date.parse(t.at));
        if ((stands || resolvedAgain) && (await this.correctEpisode(tx, known, key, t))) {
          corrected.add(key);
          continue;
        }
        changes.push(await this.fire(tx, batch, nodeId, key, t, known));
      } else if (t.to === 'ok' && corrected.delete(key)) continue;
      else if (t.to === 'ok') {
        const open = known.open.get(key);
        if (!open) continue;
        const at = new Date(t.at);
        await tx
          .update(alerts)
          .set({ state: 'resolved', resolvedAt: batch.receivedAt, resolvedBy: null, snoozedUntil: null, updatedAt: batch.receivedAt })
          .where(eq(alerts.id, open.id));
        known.open.delete(key);
        known.resolved.push({ id: open.id, key, firedAt: open.firedAt.getTime() });
        await this.event(tx, open.id, 'resolved', null, batch.receivedAt, {
          by: 'rule',
          eventTime: at.toISOString(),
          value: finite(t.value),
        });
        changes.push({ ...changeOf(open, 'resolved'), state: 'resolved' });
      }
    }
    return changes;
  }

  /**
   * What a batch's transitions act on, read once rather than per transition: the open alert of each key (locked, in id
   * order as ackMany locks them) and the resolved alerts that fired at one of the batch's fire times (episodes a fire may
   * correct). The loop keeps both current as it opens and resolves alerts.
   */
  private async alertsInPlay(tx: Executor, campaignId: string, keys: string[], ordered: readonly Transition[]): Promise<AlertsInPlay> {
    const unique = [...new Set(keys)];
    const fireTimes = [...new Set(ordered.filter((t) => t.to === 'firing').map((t) => t.at))].map((at) => new Date(at));
    const open = unique.length
      ? await tx
          .select()
          .from(alerts)
          .where(and(eq(alerts.campaignId, campaignId), inArray(alerts.dedupKey, unique), ne(alerts.state, 'resolved')))
          .orderBy(alerts.id)
          .for('update')
      : [];
    const resolved = fireTimes.length
      ? await tx
          .select({ id: alerts.id, key: alerts.dedupKey, firedAt: alerts.firedAt })
          .from(alerts)
          .where(
            and(
              eq(alerts.campaignId, campaignId),
              inArray(alerts.dedupKey, unique),
              eq(alerts.state, 'resolved'),
              inArray(alerts.firedAt, fireTimes),
            ),
          )
      : [];
    return {
      campaignId,
      open: new Map(open.map((a) => [a.dedupKey, a])),
      resolved: resolved.map((r) => ({ id: r.id, key: r.key, firedAt: r.firedAt.getTime() })),
    };
  }

  /** The resolved alert of the episode that fired at `t.at`, its numbers corrected; false when there is none. */
  private async correctEpisode(tx: Executor, known: AlertsInPlay, key: string, t: Transition): Promise<boolean> {
    const firedAt = Date.parse(t.at);
    const ids = known.resolved.filter((r) => r.key === key && r.firedAt === firedAt).map((r) => r.id);
    if (!ids.length) return false;
    const measured = { value: finite(t.value), threshold: finite(t.threshold), baseline: finite(t.baseline) };
    const rows = await tx
      .update(alerts)
      .set(measured)
      .where(and(inArray(alerts.id, ids), eq(alerts.state, 'resolved')))
      .returning({ id: alerts.id });
    return rows.length > 0;
  }

  /**
   * Resolves alerts whose fire a late or corrected point retracted, once their keep-firing period ended (`at`, event
   * time): by the rule, as a firing → ok transition would, with the reason on the timeline.
   */
  async resolveRetracted(tx: Executor, resolutions: readonly { id: string; at: number }[], receivedAt: Date): Promise<void> {
    for (const r of resolutions) {
      const [row] = await tx
        .update(alerts)
        .set({ state: 'resolved', resolvedAt: receivedAt, resolvedBy: null, snoozedUntil: null, updatedAt: receivedAt })
        .where(and(eq(alerts.id, r.id), ne(alerts.state, 'resolved')))
        .returning({ id: alerts.id });
      if (row)
        await this.event(tx, r.id, 'resolved', null, receivedAt, { by: 'rule', eventTime: new Date(r.at).toISOString(), retracted: true });
    }
  }

  private async fire(
    tx: Executor,
    batch: TransitionBatch,
    nodeId: string | null,
    key: string,
    t: Transition,
    known: AlertsInPlay,
  ): Promise<AlertChange> {
    const firedAt = new Date(t.at);
    const measured = { value: finite(t.value), threshold: finite(t.threshold), baseline: finite(t.baseline), unit: t.unit };
    known.silences ??= await this.silencesActive(tx, batch.campaignId, batch.receivedAt);
    const alert = { campaignId: batch.campaignId, ruleId: t.ruleId, channel: t.channel };
    const silence = matchingSilence(known.silences, alert, batch.receivedAt);
    let open = known.open.get(key);
    if (!open) {
      // A concurrent batch may open the same alert first; the partial unique index decides, and this one refires it.
      const [created] = await tx
        .insert(alerts)
        .values({
          campaignId: batch.campaignId,
          runId: batch.runId ?? null,
          nodeId,
          ruleId: t.ruleId,
          ruleLabel: batch.rules?.[t.ruleId]?.label || t.ruleId,
          ruleText: batch.rules?.[t.ruleId]?.text ?? null,
          channel: t.channel,
          dedupKey: key,
          severity: t.severity,
          state: 'firing',
          firedAt,
          lastFiredAt: firedAt,
          ...measured,
          openedAt: batch.receivedAt,
          updatedAt: batch.receivedAt,
        })
        .onConflictDoNothing({ target: [alerts.campaignId, alerts.dedupKey], where: sql`${alerts.state} <> 'resolved'` })
        .returning();
      if (created) {
        known.open.set(key, created);
        await this.event(tx, created.id, 'fired', null, batch.receivedAt, { eventTime: t.at, from: t.from, ...measured });
        if (silence) await this.event(tx, created.id, 'silenced', null, batch.receivedAt, { silenceId: silence.id });
        return { ...changeOf(created, 'opened'), silenced: silence !== null };
      }
      open = await this.openAlert(tx, batch.campaignId, key);
      if (!open) throw new Error(`alert ${key} of campaign ${batch.campaignId} neither inserted nor found`);
    }
    const [updated] = await tx
      .update(alerts)
      .set({
        severity: t.severity,
        ...measured,
        lastFiredAt: firedAt > open.lastFiredAt ? firedAt : open.lastFiredAt,
        updatedAt: batch.receivedAt,
      })
      .where(eq(alerts.id, open.id))
      .returning();
    known.open.set(key, updated!);
    await this.event(tx, open.id, 'refired', null, batch.receivedAt, { eventTime: t.at, from: t.from, ...measured });
    if (silence) await this.event(tx, open.id, 'silenced', null, batch.receivedAt, { silenceId: silence.id });
    return { ...changeOf(updated!, 'refired'), silenced: silence !== null };
  }

  private async openAlert(tx: Executor, campaignId: string, key: string): Promise<AlertRow | undefined> {
    const [row] = await tx
      .select()
      .from(alerts)
      .where(and(eq(alerts.campaignId, campaignId), eq(alerts.dedupKey, key), ne(alerts.state, 'resolved')))
      .for('update');
    return row;
  }

  /**
   * Snoozed alerts whose time has come fire again (of one campaign, or all): for the ingest path and for a
   * periodic sweep. Recorded as 'unsnoozed' by nobody, at `now`.
   */
  async wakeSnoozed(tx: Executor, now: Date, campaignId?: string): Promise<AlertChange[]> {
    const due = await tx
      .select()
      .from(alerts)
      .where(and(eq(alerts.state, 'snoozed'), lte(alerts.snoozedUntil, now), campaignId ? eq(alerts.campaignId, campaignId) : undefined))
      .orderBy(alerts.snoozedUntil)
      .limit(WAKE_BATCH)
      .for('update', { skipLocked: true });
    const woken: AlertChange[] = [];
    for (const row of due) {
      if (!snoozeOver({ state: row.state, snoozedUntil: row.snoozedUntil?.getTime() ?? null }, now.getTime())) continue;
      await tx.update(alerts).set({ state: 'firing', snoozedUntil: null, updatedAt: now }).where(eq(alerts.id, row.id));
      await this.event(tx, row.id, 'unsnoozed', null, now, { snoozedUntil: iso(row.snoozedUntil) });
      woken.push({ ...changeOf(row, 'unsnoozed'), state: 'firing' });
    }
    return woken;
  }

  /**
   * A message about the alert went out (or an escalation happened): onto its timeline, with the delay since its points arrived.
   * With a `key` (a run's ladder step) it is recorded once: the activity is retried when its worker died after the insert
   * but before Temporal heard of it, and the retry must not put the same step on the timeline twice.
   */
  async recordNotified(
    alertId: string,
    n: {
      kind?: 'notified' | 'escalated';
      at: Date;
      channelKind: string;
      target: string;
      deliveryId?: string | null;
      pointArrivedAt?: Date;
      key?: string;
      /** Where its message waited first (a rate limit, quiet hours, a paused channel): a step each, before this one. */
      held?: { reason: string; since: Date; until: Date | null }[];
    },
    tx?: Executor,
  ): Promise<void> {
    if (!tx) return this.db.transaction((t) => this.recordNotified(alertId, n, t));
    // The alert's row lock serialises two attempts of one step (a retry racing a worker that was only presumed dead).
    const [row] = await tx.select({ openedAt: alerts.openedAt }).from(alerts).where(eq(alerts.id, alertId)).for('update');
    if (!row) throw new NotFound(said('not_found_alert', { id: alertId }));
    if (n.key !== undefined) {
      const [seen] = await tx
        .select({ id: alertEvents.id })
        .from(alertEvents)
        .where(and(eq(alertEvents.alertId, alertId), sql`${alertEvents.detail}->>'key' = ${n.key}`))
        .limit(1);
      if (seen) return;
    }
    const arrived = n.pointArrivedAt ?? row.openedAt;
    // In the step's transaction, so a retry that finds the step recorded finds its holds too.
    for (const h of (n.held ?? []).slice(0, MAX_HOLDS_PER_STEP))
      await this.event(tx, alertId, 'held', null, h.since, {
        reason: h.reason,
        until: h.until?.toISOString() ?? null,
        channelKind: n.channelKind,
        target: n.target,
        delayMs: h.since.getTime() - arrived.getTime(),
      });
    await this.event(tx, alertId, n.kind ?? 'notified', null, n.at, {
      channelKind: n.channelKind,
      target: n.target,
      deliveryId: n.deliveryId ?? null,
      delayMs: n.at.getTime() - arrived.getTime(),
      ...(n.key === undefined ? {} : { key: n.key }),
    });
  }

  private async event(tx: Executor, alertId: string, kind: AlertEventKind, actorId: string | null, at: Date, detail: object) {
    await tx.insert(alertEvents).values({ alertId, kind, actorId, at, detail });
  }

  // ---- people acting on alerts --------------------------------------------------------------------

  async departmentOf(alertId: string): Promise<string | null> {
    const [row] = await this.db
      .select({ d: campaigns.departmentId })
      .from(alerts)
      .innerJoin(campaigns, eq(campaigns.id, alerts.campaignId))
      .where(eq(alerts.id, alertId));
    if (!row) throw new NotFound(said('not_found_alert', { id: alertId }));
    return row.d;
  }

  acknowledge(actor: Actor, alertId: string) {
    return this.act(actor, alertId, { kind: 'ack' });
  }

  resolve(actor: Actor, alertId: string) {
    return this.act(actor, alertId, { kind: 'resolve' });
  }

  snooze(actor: Actor, alertId: string, until: Date) {
    return this.act(actor, alertId, { kind: 'snooze', until: until.getTime() });
  }

  /**
   * The one-click link: uses up the link's jti and acknowledges in one transaction, so a refused
   * acknowledgement (already resolved) leaves the link as it was, and a second click finds it used.
   */
  ackByLink(actor: Actor, alertId: string, jti: string) {
    return this.act(actor, alertId, { kind: 'ack' }, (tx) => useLink(tx, jti));
  }

  /**
   * The chat room a robot message's link acknowledges for: its connection, while it exists and belongs to the alert's
   * department (or to none). Null otherwise: the link then speaks for nobody.
   */
  async chatActor(alertId: string, connectionId: string): Promise<Actor | null> {
    const department = await this.departmentOf(alertId);
    const [room] = await this.db
      .select({
        id: channelConnections.id,
        name: channelConnections.name,
        d: channelConnections.departmentId,
        kind: channelConnections.kind,
      })
      .from(channelConnections)
      .where(eq(channelConnections.id, connectionId));
    if (!room || (room.d !== null && room.d !== department)) return null;
    return {
      id: room.id,
      email: '',
      name: `${room.name} (${room.kind})`,
      departmentId: room.d,
      locale: 'en',
      grants: [],
      via: 'chat-link',
    };
  }

  async linkUsed(jti: string): Promise<boolean> {
    return (await this.db.select({ jti: usedLinkTokens.jti }).from(usedLinkTokens).where(eq(usedLinkTokens.jti, jti))).length > 0;
  }

  private async act(actor: Actor, alertId: string, action: AlertAction, first?: (tx: Executor) => Promise<void>) {
    const now = new Date(this.clock());
    await this.db.transaction(async (tx) => {
      await first?.(tx);
      const [row] = await tx.select().from(alerts).where(eq(alerts.id, alertId)).for('update');
      if (!row) throw new NotFound(said('not_found_alert', { id: alertId }));
      const verdict = await this.decideOn(tx, row, action, now);
      if (!verdict.ok) {
        if (verdict.code === 'invalid') throw invalid(verdict.field ?? '', verdict.reason);
        throw new Conflict(verdict.reason, [{ path: '', message: verdict.reason, code: 'alert_state' }]);
      }
      await this.record(tx, actor, row, verdict.current, action, verdict.state, now, {});
    });
    await this.signalRuns([alertId]);
    return this.get(alertId);
  }

  /**
   * Acknowledges several alerts in one decision (one transaction): a grouped message's link, or the API's and the
   * editor's multi-select. Each alert gets its own outcome; one already acknowledged or resolved is reported, not acted
   * on. `may` says whether the actor may act on an alert of a department (`hidden`: as if it did not exist). With
   * `jti`, the link is used up in the same transaction, and only when at least one alert was acknowledged, so a link
   * whose alerts were all handled elsewhere stays as it was (as a single alert's link does).
   */
  async acknowledgeMany(
    actor: Actor,
    ids: readonly string[],
    opts: { jti?: string; may?: (departmentId: string | null) => 'yes' | 'forbidden' | 'hidden' } = {},
  ): Promise<AckManyResult[]> {
    const now = new Date(this.clock());
    const unique = [...new Set(ids)];
    const outcome = new Map<string, AckManyResult>();
    await this.db.transaction(async (tx) => {
      if (opts.jti) await useLink(tx, opts.jti);
      // Locked in id order: two overlapping multi-acks cannot deadlock.
      const rows = unique.length ? await tx.select().from(alerts).where(inArray(alerts.id, unique)).orderBy(alerts.id).for('update') : [];
      const depts = new Map<string, string | null>();
      const campaignIds = [...new Set(rows.map((r) => r.campaignId))];
      if (campaignIds.length)
        for (const c of await tx
          .select({ id: campaigns.id, d: campaigns.departmentId })
          .from(campaigns)
          .where(inArray(campaigns.id, campaignIds)))
          depts.set(c.id, c.d);
      for (const row of rows) {
        const may = opts.may?.(depts.get(row.campaignId) ?? null) ?? 'yes';
        if (may !== 'yes') {
          outcome.set(row.id, { id: row.id, outcome: may === 'hidden' ? 'not_found' : 'forbidden', state: null });
          continue;
        }
        if (row.state === 'acknowledged' || row.state === 'resolved') {
          outcome.set(row.id, { id: row.id, outcome: `already_${row.state}`, state: row.state });
          continue;
        }
        const verdict = await this.decideOn(tx, row, { kind: 'ack' }, now);
        if (!verdict.ok) {
          outcome.set(row.id, { id: row.id, outcome: 'refused', state: row.state, reason: verdict.reason });
          continue;
        }
        await this.record(
          tx,
          actor,
          row,
          verdict.current,
          { kind: 'ack' },
          verdict.state,
          now,
          unique.length > 1 ? { together: unique.length } : {},
        );
        outcome.set(row.id, { id: row.id, outcome: 'acknowledged', state: verdict.state });
      }
      if (opts.jti && ![...outcome.values()].some((o) => o.outcome === 'acknowledged'))
        throw new Conflict(said('link_nothing_open'), [{ path: 'token', message: 'Nothing left to acknowledge', code: 'alert_state' }]);
    });
    const results = unique.map((id) => outcome.get(id) ?? { id, outcome: 'not_found' as const, state: null });
    await this.signalRuns(results.filter((r) => r.outcome === 'acknowledged').map((r) => r.id));
    return results;
  }

  /** The verdict on an action, after waking a snooze that ran out (that wake is recorded first). */
  private async decideOn(tx: Executor, row: AlertRow, action: AlertAction, now: Date) {
    let current = row;
    // A snooze that ran out is over before anyone acts on the alert.
    if (snoozeOver({ state: row.state, snoozedUntil: row.snoozedUntil?.getTime() ?? null }, now.getTime())) {
      await this.event(tx, row.id, 'unsnoozed', null, now, { snoozedUntil: iso(row.snoozedUntil) });
      current = { ...row, state: 'firing', snoozedUntil: null };
    }
    const verdict = decideAlert({ state: current.state, snoozedUntil: current.snoozedUntil?.getTime() ?? null }, action, now.getTime());
    return verdict.ok ? { ...verdict, current } : verdict;
  }

  /** Stores a decided action: the alert's new state, its timeline entry (who, via what, from which room or mailbox), the audit. */
  private async record(
    tx: Executor,
    actor: Actor,
    row: AlertRow,
    current: AlertRow,
    action: AlertAction,
    state: AlertState,
    now: Date,
    extra: object,
  ) {
    const who = personId(actor);
    const set: Partial<typeof alerts.$inferInsert> = { state, updatedAt: now };
    if (action.kind === 'ack') Object.assign(set, { acknowledgedAt: now, acknowledgedBy: who, snoozedUntil: null });
    if (action.kind === 'resolve') Object.assign(set, { resolvedAt: now, resolvedBy: who, snoozedUntil: null });
    if (action.kind === 'snooze') set.snoozedUntil = new Date(action.until);
    await tx.update(alerts).set(set).where(eq(alerts.id, row.id));
    const kind = ({ ack: 'acknowledged', resolve: 'resolved', snooze: 'snoozed', unsnooze: 'unsnoozed' } as const)[action.kind];
    const detail = {
      via: actor.via,
      ...(actor.via === 'chat-link' ? { room: actor.name } : {}),
      ...(actor.via === 'email-link' && actor.email ? { mailbox: actor.email } : {}),
      from: current.state,
      ...(action.kind === 'snooze' ? { until: new Date(action.until).toISOString() } : {}),
      ...extra,
    };
    await this.event(tx, row.id, kind, who, now, detail);
    const [dept] = await tx.select({ d: campaigns.departmentId }).from(campaigns).where(eq(campaigns.id, row.campaignId));
    await audit(tx, actor, {
      action: `alert.${kind}`,
      entityType: 'alert',
      entityId: row.id,
      departmentId: dept?.d ?? null,
      before: { state: row.state, snoozedUntil: iso(row.snoozedUntil) },
      after: { state, ...(set.snoozedUntil ? { snoozedUntil: set.snoozedUntil.toISOString() } : {}) },
    });
  }

  /**
   * After the commit: the run escalating this alert looks at it again at once, and so does a ladder that told it in a
   * grouped message (it waits on its lead, which may be another alert). A run that has ended cannot take it.
   */
  private async signalRuns(alertIds: readonly string[]): Promise<void> {
    if (!this.signal || !alertIds.length) return;
    const told = await toldWith(this.db, alertIds);
    if (!told.length) return;
    const rows = await this.db
      .select({ id: alerts.id, workflowId: runs.workflowId })
      .from(alerts)
      .innerJoin(runs, eq(runs.id, alerts.runId))
      .where(inArray(alerts.id, told));
    for (const row of rows) await this.signal(row.workflowId, alertNoticeKey(row.id)).catch(() => undefined);
  }

  // ---- reading ----------------------------------------------------------------------------------

  async list(actor: Actor, f: AlertListFilter) {
    const scope = scopeOf(actor, 'campaigns:read');
    const where: (SQL | undefined)[] = [
      scope === 'all' ? undefined : scope.length ? inArray(campaigns.departmentId, scope) : sql`false`,
      f.campaignId ? eq(alerts.campaignId, f.campaignId) : undefined,
      f.ruleId ? eq(alerts.ruleId, f.ruleId) : undefined,
      f.state === 'open' ? ne(alerts.state, 'resolved') : f.state ? eq(alerts.state, f.state) : undefined,
      f.severity ? eq(alerts.severity, f.severity) : undefined,
      f.from ? gte(alerts.firedAt, new Date(f.from)) : undefined,
      f.to ? lt(alerts.firedAt, new Date(f.to)) : undefined,
      f.after
        ? or(lt(alerts.firedAt, new Date(f.after.firedAt)), and(eq(alerts.firedAt, new Date(f.after.firedAt)), lt(alerts.id, f.after.id)))
        : undefined,
    ];
    const rows = await this.selectAlerts()
      .where(and(...where))
      .orderBy(desc(alerts.firedAt), desc(alerts.id))
      .limit(f.limit + 1);
    const page = rows.slice(0, f.limit);
    const last = page.at(-1);
    return {
      items: page.map(present),
      nextCursor: rows.length > f.limit && last ? encodeCursor(last.a.firedAt, last.a.id) : null,
    };
  }

  async get(alertId: string) {
    const [row] = await this.selectAlerts().where(eq(alerts.id, alertId));
    if (!row) throw new NotFound(said('not_found_alert', { id: alertId }));
    const events = await this.db
      .select({ e: alertEvents, name: users.name })
      .from(alertEvents)
      .leftJoin(users, eq(users.id, alertEvents.actorId))
      .where(eq(alertEvents.alertId, alertId))
      .orderBy(desc(alertEvents.id))
      .limit(TIMELINE_LIMIT);
    return {
      ...present(row),
      timeline: events.reverse().map(({ e, name }) => ({
        id: e.id,
        kind: e.kind,
        at: e.at.toISOString(),
        actor: e.actorId ? { id: e.actorId, name: name ?? '' } : null,
        detail: e.detail as Record<string, unknown>,
      })),
    };
  }

  /** Several alerts as the API shows them (no timelines), in the order asked; missing ones are left out. */
  async getMany(ids: readonly string[]): Promise<AlertView[]> {
    if (!ids.length) return [];
    const rows = await this.selectAlerts().where(inArray(alerts.id, [...ids]));
    const byId = new Map(rows.map((r) => [r.a.id, present(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** The alerts a one-click link acknowledges: its set's (a grouped message), or its own alone. */
  ackSetMembers(leadId: string, setId: string | undefined): Promise<string[]> {
    return ackSetMembers(this.db, leadId, setId);
  }

  private selectAlerts() {
    const acker = sql<string | null>`(SELECT name FROM users WHERE users.id = ${alerts.acknowledgedBy})`;
    const resolver = sql<string | null>`(SELECT name FROM users WHERE users.id = ${alerts.resolvedBy})`;
    return this.db
      .select({ a: alerts, campaignName: campaigns.name, ackName: acker, resolverName: resolver })
      .from(alerts)
      .innerJoin(campaigns, eq(campaigns.id, alerts.campaignId));
  }

  // ---- silences ---------------------------------------------------------------------------------

  async silenceDepartment(silenceId: string): Promise<string | null> {
    const [row] = await this.db
      .select({ d: campaigns.departmentId })
      .from(silences)
      .innerJoin(campaigns, eq(campaigns.id, silences.campaignId))
      .where(eq(silences.id, silenceId));
    if (!row) throw new NotFound(said('not_found_silence', { id: silenceId }));
    return row.d;
  }

  async createSilence(actor: Actor, input: SilenceInput) {
    const now = this.clock();
    const startsAt = input.startsAt ? Date.parse(input.startsAt) : now;
    const endsAt = Date.parse(input.endsAt);
    if (Math.abs(startsAt - now) > MAX_SILENCE_MS) throw invalid('startsAt', 'Start within 90 days of now');
    if (endsAt <= startsAt) throw invalid('endsAt', 'End after the start');
    if (endsAt <= now) throw invalid('endsAt', 'End in the future');
    if (endsAt - startsAt > MAX_SILENCE_MS) throw invalid('endsAt', 'A silence lasts 90 days at most');
    const id = await this.db.transaction(async (tx) => {
      const [campaign] = await tx.select({ d: campaigns.departmentId }).from(campaigns).where(eq(campaigns.id, input.campaignId));
      if (!campaign) throw invalid('campaignId', 'No such campaign');
      const [row] = await tx
        .insert(silences)
        .values({
          campaignId: input.campaignId,
          ruleId: input.ruleId ?? null,
          channel: input.channel ?? null,
          startsAt: new Date(startsAt),
          endsAt: new Date(endsAt),
          createdBy: personId(actor),
          comment: input.comment ?? '',
          createdAt: new Date(now),
        })
        .returning();
      await audit(tx, actor, {
        action: 'silence.created',
        entityType: 'silence',
        entityId: row!.id,
        departmentId: campaign.d,
        after: {
          campaignId: row!.campaignId,
          ruleId: row!.ruleId,
          channel: row!.channel,
          startsAt: iso(row!.startsAt),
          endsAt: iso(row!.endsAt),
          comment: row!.comment,
        },
      });
      return row!.id;
    });
    return this.getSilence(id);
  }

  /** Expires a silence: its end moves to now (a planned one never starts). The row stays, for the review's timeline. */
  async expireSilence(actor: Actor, silenceId: string): Promise<void> {
    const now = new Date(this.clock());
    await this.db.transaction(async (tx) => {
      const [row] = await tx
        .select({ s: silences, d: campaigns.departmentId })
        .from(silences)
        .innerJoin(campaigns, eq(campaigns.id, silences.campaignId))
        .where(eq(silences.id, silenceId))
        .for('update', { of: silences });
      if (!row) throw new NotFound(said('not_found_silence', { id: silenceId }));
      if (row.s.endsAt <= now) return;
      const endsAt = row.s.startsAt > now ? row.s.startsAt : now;
      await tx.update(silences).set({ endsAt }).where(eq(silences.id, silenceId));
      await audit(tx, actor, {
        action: 'silence.expired',
        entityType: 'silence',
        entityId: silenceId,
        departmentId: row.d,
        before: { endsAt: iso(row.s.endsAt) },
        after: { endsAt: iso(endsAt) },
      });
    });
  }

  async listSilences(actor: Actor, f: { campaignId?: string; status?: 'active' | 'pending' | 'expired'; limit: number }) {
    const scope = scopeOf(actor, 'campaigns:read');
    const now = new Date(this.clock());
    const status =
      f.status === 'active'
        ? and(lte(silences.startsAt, now), gt(silences.endsAt, now))
        : f.status === 'pending'
          ? gt(silences.startsAt, now)
          : f.status === 'expired'
            ? lte(silences.endsAt, now)
            : undefined;
    const rows = await this.selectSilences()
      .where(
        and(
          scope === 'all' ? undefined : scope.length ? inArray(campaigns.departmentId, scope) : sql`false`,
          f.campaignId ? eq(silences.campaignId, f.campaignId) : undefined,
          status,
        ),
      )
      .orderBy(desc(silences.endsAt), desc(silences.id))
      .limit(f.limit);
    return rows.map((r) => presentSilence(r, now.getTime()));
  }

  private async getSilence(id: string) {
    const [row] = await this.selectSilences().where(eq(silences.id, id));
    if (!row) throw new NotFound(said('not_found_silence', { id }));
    return presentSilence(row, this.clock());
  }

  private selectSilences() {
    return this.db
      .select({ s: silences, campaignName: campaigns.name, creator: users.name })
      .from(silences)
      .innerJoin(campaigns, eq(campaigns.id, silences.campaignId))
      .leftJoin(users, eq(users.id, silences.createdBy));
  }

  /** The silence that mutes this alert at `at`, if any. */
  async isSilenced(alert: { campaignId: string; ruleId: string; channel: string | null }, at: Date): Promise<boolean> {
    return matchingSilence(await this.silencesActive(this.db, alert.campaignId, at), alert, at) !== null;
  }

  /** The silences of a campaign active at `at`, read once: for each alert, when the one muting it ends (or null). */
  async silencesAt(campaignId: string, at: Date, tx: Executor = this.db) {
    const active = await tx
      .select()
      .from(silences)
      .where(and(eq(silences.campaignId, campaignId), lte(silences.startsAt, at), gt(silences.endsAt, at)))
      .limit(200);
    return (alert: { campaignId: string; ruleId: string; channel: string | null }): Date | null =>
      active.find((s) => silenceMatches(silenceTimes(s), alert, at.getTime()))?.endsAt ?? null;
  }

  /** The campaign's silences in force at `at` (at most 200), for the fires of one batch. */
  private async silencesActive(tx: Executor, campaignId: string, at: Date): Promise<SilenceRow[]> {
    return tx
      .select()
      .from(silences)
      .where(and(eq(silences.campaignId, campaignId), lte(silences.startsAt, at), gt(silences.endsAt, at)))
      .limit(200);
  }
}

/** The alerts one batch's transitions act on, kept current while they are applied (see alertsInPlay). */
interface AlertsInPlay {
  campaignId: string;
  open: Map<string, AlertRow>;
  resolved: { id: string; key: string; firedAt: number }[];
  silences?: SilenceRow[];
}

/** One alert's outcome in a multi-acknowledgement. */
export interface AckManyResult {
  id: string;
  outcome: 'acknowledged' | 'already_acknowledged' | 'already_resolved' | 'refused' | 'forbidden' | 'not_found';
  /** Its state after the decision; null when it is not one the actor may see. */
  state: AlertState | null;
  reason?: string;
}

/** Uses up a one-click link's jti in the caller's transaction; a second use is refused. */
async function useLink(tx: Executor, jti: string) {
  const used = await tx.insert(usedLinkTokens).values({ jti }).onConflictDoNothing().returning();
  if (!used.length) throw new Conflict(said('link_used'), [{ path: 'token', message: 'Used already', code: 'link_used' }]);
}

const silenceTimes = (s: SilenceRow) => ({ ...s, startsAt: s.startsAt.getTime(), endsAt: s.endsAt.getTime() });

/** The first of these silences that mutes the alert at `at`, or null. */
function matchingSilence(
  candidates: readonly SilenceRow[],
  alert: { campaignId: string; ruleId: string; channel: string | null },
  at: Date,
) {
  return candidates.find((s) => silenceMatches(silenceTimes(s), alert, at.getTime())) ?? null;
}

function changeOf(row: AlertRow, kind: AlertChange['kind']): AlertChange {
  return { alertId: row.id, kind, ruleId: row.ruleId, channel: row.channel, severity: row.severity, state: row.state, silenced: false };
}

type AlertSelect = { a: AlertRow; campaignName: string; ackName: string | null; resolverName: string | null };

function present({ a, campaignName, ackName, resolverName }: AlertSelect) {
  return {
    id: a.id,
    campaignId: a.campaignId,
    campaignName,
    runId: a.runId,
    nodeId: a.nodeId,
    ruleId: a.ruleId,
    ruleLabel: a.ruleLabel || a.ruleId,
    ruleText: a.ruleText ?? null,
    channel: a.channel,
    severity: a.severity,
    state: a.state,
    snoozedUntil: iso(a.snoozedUntil),
    firedAt: a.firedAt.toISOString(),
    lastFiredAt: a.lastFiredAt.toISOString(),
    value: a.value,
    threshold: a.threshold,
    baseline: a.baseline,
    unit: a.unit,
    openedAt: a.openedAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
    acknowledgedAt: iso(a.acknowledgedAt),
    acknowledgedBy: a.acknowledgedBy ? { id: a.acknowledgedBy, name: ackName ?? '' } : null,
    resolvedAt: iso(a.resolvedAt),
    resolvedBy: a.resolvedBy ? { id: a.resolvedBy, name: resolverName ?? '' } : null,
  };
}
export type AlertView = ReturnType<typeof present>;

function presentSilence(r: { s: SilenceRow; campaignName: string; creator: string | null }, now: number) {
  const { s } = r;
  return {
    id: s.id,
    campaignId: s.campaignId,
    campaignName: r.campaignName,
    ruleId: s.ruleId,
    channel: s.channel,
    startsAt: s.startsAt.toISOString(),
    endsAt: s.endsAt.toISOString(),
    status: silenceStatus(silenceTimes(s), now),
    createdBy: s.createdBy ? { id: s.createdBy, name: r.creator ?? '' } : null,
    comment: s.comment,
    createdAt: s.createdAt.toISOString(),
  };
}

/** Pages are keyset cursors (fired time, id; see keyset-cursor.ts). */
export function encodeCursor(firedAt: Date, id: string): string {
  return encodeKeyset(firedAt.toISOString(), id);
}

/** The cursor back, or null when it is not one of ours (its time exactly as encodeCursor writes one). */
export function decodeCursor(cursor: string): { firedAt: string; id: string } | null {
  const isIso = (s: string) => Number.isFinite(Date.parse(s)) && new Date(Date.parse(s)).toISOString() === s;
  const k = decodeKeyset(cursor, isIso);
  return k && { firedAt: k.time, id: k.id };
}
