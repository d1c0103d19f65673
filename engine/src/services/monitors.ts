import { and, asc, eq, gte, ne, sql } from 'drizzle-orm';
import {
  seriesFromStore,
  type BucketSeries,
  campaignFacts,
  describeRule,
  orphanedAlerts,
  evaluateMonitor,
  monitorNoticeKey,
  parseDuration,
  planEvaluation,
  type AlertView,
  type AttachMonitorRequest,
  type CheckMonitorRequest,
  type MissedAlert,
  type MonitorCheck,
  type MonitorConfig,
  type MonitoredCampaign,
  packMonitorState,
  unpackMonitorState,
  type OpenAlert,
  OPEN_ALERTS,
  RAW_METRICS,
  type RawMetric,
  type RawSums,
  type ReadAlertRequest,
  type RecordAlertEventRequest,
  type RuleStatus,
  toldGroupState,
} from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import { alerts, monitors, runs } from '../db/schema.ts';
import type { AlertService, Executor } from './alerts.ts';
import type { CampaignService } from './campaigns.ts';
import type { AffectedSeries, MetricsTx } from './metrics.ts';
import { NotFound } from './errors.ts';
import { groupAlerts, storeAckSet } from './alert-ack-sets.ts';

type MonitorRow = typeof monitors.$inferSelect;

/** Each rule as alerts call it: the label its author gave, or else its condition in plain words. */
function rulesInWords(config: MonitorConfig): Record<string, { label: string; text: Record<string, string> }> {
  const out: Record<string, { label: string; text: Record<string, string> }> = {};
  for (const rule of config.rules) {
    const text = { en: describeRule(rule, 'en'), 'zh-CN': describeRule(rule, 'zh-CN') };
    out[rule.id] = { label: rule.label || text.en, text };
  }
  return out;
}

const earliest = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));

/** Tells a run something changed (a Temporal signal); failures are the run's to recover from on its recheck. */
export type Signal = (workflowId: string, key: string) => Promise<void>;

export interface MonitorServiceDeps {
  db: Database;
  alerts: AlertService;
  campaigns: Pick<CampaignService, 'get'>;
  signal?: Signal;
  /** The alert's page and per-person one-click ack links. */
  links?: {
    page(alertId: string): string;
    ack(alertId: string, userId: string, setId?: string): Promise<string>;
    chatAck(alertId: string, connectionId: string, setId?: string): Promise<string>;
  };
  clock?: () => number;
}

/**
 * The engine's side of the monitor node: rules are judged here, in event time, by the pure
 * evaluator from `workflows/`, over the points PostgreSQL holds. The ingest path calls
 * `afterPointsStored` in the transaction that stored the points; the run is signalled after the
 * commit only when a rule changed state, so a monitor costs Temporal nothing while all is well.
 */
/**
 * Ingest and attach take turns per campaign. Without it a batch committing while a monitor attaches is
 * judged by neither: the attach reads only committed points, and the batch sees only committed monitors.
 */
async function lockCampaignMonitors(tx: MetricsTx, campaignId: string): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`flightdeck:monitors:${campaignId}`}))`);
}

/** Monitors whose config objects are kept (see configOf); the oldest goes first. */
const CONFIGS_REMEMBERED = 1000;

export class MonitorService {
  private readonly clock: () => number;
  private readonly configs = new Map<string, { config: MonitorConfig; words: ReturnType<typeof rulesInWords> }>();

  constructor(private readonly deps: MonitorServiceDeps) {
    this.clock = deps.clock ?? (() => Date.now());
  }

  /** The ingest hook: evaluates every active monitor of the campaign; returns what to signal once the points commit. */
  async afterPointsStored(tx: MetricsTx, campaignId: string, affected: readonly AffectedSeries[]): Promise<() => Promise<void>> {
    await lockCampaignMonitors(tx, campaignId);
    const active = await tx
      .select()
      .from(monitors)
      .where(and(eq(monitors.campaignId, campaignId), eq(monitors.active, true)))
      .orderBy(asc(monitors.id))
      .for('update');
    if (!active.length || !affected.length) return async () => {};
    const campaign = await this.monitoredCampaign(campaignId);
    const changedFrom = Math.min(...affected.map((a) => Date.parse(a.minTs)));
    const watermark = Math.max(...affected.map((a) => Date.parse(a.maxTs)));
    const wake: MonitorRow[] = [];
    for (const row of active) {
      const changed = await this.evaluate(tx, row, campaign, { changedFrom, watermark });
      if (changed) wake.push(row);
    }
    return () => this.signalAll(wake);
  }

  async attach(req: AttachMonitorRequest): Promise<MonitorCheck> {
    const campaign = await this.monitoredCampaign(req.campaignId);
    return this.deps.db.transaction(async (tx) => {
      await lockCampaignMonitors(tx, req.campaignId);
      await tx
        .insert(monitors)
        .values({
          campaignId: req.campaignId,
          workflowId: req.runId,
          nodeId: req.nodeId,
          executionKey: req.executionKey,
          config: req.monitor,
        })
        .onConflictDoUpdate({
          target: [monitors.workflowId, monitors.nodeId],
          // Arrivals while it was detached were not kept on it: its checks read the points until the next batch.
          set: { active: true, executionKey: req.executionKey, lastArrival: null, updatedAt: new Date(this.clock()) },
        });
      const [row] = await tx
        .select()
        .from(monitors)
        .where(and(eq(monitors.workflowId, req.runId), eq(monitors.nodeId, req.nodeId)))
        .for('update');
      // Everything stored so far: a monitor attached mid-campaign judges the past as well, in event time.
      if (row!.state === null) await this.evaluate(tx, row!, campaign, {});
      return this.checkIn(tx, row!.id, req.executionKey, campaign, undefined, req.missedSince);
    });
  }

  async check(req: CheckMonitorRequest): Promise<MonitorCheck> {
    const [row] = await this.deps.db.select({ campaignId: monitors.campaignId }).from(monitors).where(eq(monitors.id, req.monitorId));
    if (!row) throw new NotFound(`Monitor ${req.monitorId} does not exist`);
    const campaign = await this.monitoredCampaign(row.campaignId);
    return this.deps.db.transaction((tx) => this.checkIn(tx, req.monitorId, req.executionKey, campaign, req.now, req.missedSince));
  }

  async detach(monitorId: string): Promise<void> {
    await this.deps.db
      .update(monitors)
      .set({ active: false, updatedAt: new Date(this.clock()) })
      .where(eq(monitors.id, monitorId));
  }

  async statusesOfRun(workflowId: string) {
    return this.deps.db
      .select({
        id: monitors.id,
        nodeId: monitors.nodeId,
        statuses: monitors.statuses,
        watermark: monitors.watermark,
        active: monitors.active,
      })
      .from(monitors)
      .where(eq(monitors.workflowId, workflowId));
  }

  async readAlert(req: ReadAlertRequest): Promise<AlertView> {
    const told = await groupAlerts(this.deps.db, req.alertId, req.group);
    if (!told.length) throw new NotFound(`Alert ${req.alertId} does not exist`);
    // The ladder follows every alert its message told, not just the lead: one still firing keeps it going.
    const row = toldGroupState(told.map((a) => ({ state: a.state, snoozedUntil: a.snoozedUntil?.getTime() ?? null })));
    const links = this.deps.links;
    if (!links) throw new Error('This monitor service signs no links (the API process does not read alerts for runs)');
    // A grouped message's links acknowledge every alert it tells; only links are signed for it, so a read without
    // people or a room (the ladder's look after a notice) stores nothing.
    const wantsLinks = (req.people?.length ?? 0) > 0 || !!req.connection;
    const setId = (wantsLinks && (await storeAckSet(this.deps.db, told))) || undefined;
    const ackUrls: Record<string, string> = {};
    for (const userId of [...new Set(req.people ?? [])].slice(0, 100)) ackUrls[userId] = await links.ack(req.alertId, userId, setId);
    return {
      alertId: req.alertId,
      state: row.state,
      snoozedUntil: row.snoozedUntil === null ? null : new Date(row.snoozedUntil).toISOString(),
      pageUrl: links.page(req.alertId),
      ackUrls,
      chatAckUrl: req.connection ? await links.chatAck(req.alertId, req.connection, setId) : null,
      firing: told.filter((a) => a.state === 'firing').map((a) => a.id),
    };
  }

  async recordEvent(req: RecordAlertEventRequest): Promise<void> {
    await this.deps.alerts.recordNotified(req.alertId, {
      kind: req.kind,
      at: new Date(this.clock()),
      channelKind: req.channelKind,
      target: `level ${req.level}${req.round > 1 ? ` (round ${req.round})` : ''}: ${req.recipients.join(', ') || 'the channel'}`,
      // One entry per step of one run's ladder, however often the activity is retried.
      key: `${req.runId}/${req.nodeId}/r${req.round}l${req.level}`,
      held: (req.held ?? []).flatMap((h) => {
        const since = new Date(h.since);
        // The request comes from a workflow's history: a hold that does not read as one is left off, not a failed step.
        if (Number.isNaN(since.getTime())) return [];
        const until = h.until === null ? null : new Date(h.until);
        return [{ reason: h.reason, since, until: until && !Number.isNaN(until.getTime()) ? until : null }];
      }),
    });
  }

  /**
   * A monitor's config, one object per monitor while this process runs: the evaluator remembers each rule's fingerprint
   * (a SHA-256 of the rule) by object, which a config parsed afresh from its row on every batch never hits. A monitor's
   * config is written once, when it attaches (a re-attach changes only its execution), so its id names it.
   */
  private configOf(row: MonitorRow): { config: MonitorConfig; words: ReturnType<typeof rulesInWords> } {
    let known = this.configs.get(row.id);
    if (!known) {
      if (this.configs.size >= CONFIGS_REMEMBERED) this.configs.delete(this.configs.keys().next().value!);
      const config = row.config as MonitorConfig;
      this.configs.set(row.id, (known = { config, words: rulesInWords(config) }));
    }
    return known;
  }

  /** The campaign as the evaluator reads it: its zone, goals, budget lines, phases and channel plans. */
  private async monitoredCampaign(campaignId: string): Promise<MonitoredCampaign> {
    const c = (await this.deps.campaigns.get(campaignId)) as unknown as MonitoredCampaign & { timezone?: string };
    return c;
  }

  /** Judges one monitor, stores its state and applies its transitions to alerts; true when an alert changed. */
  private async evaluate(
    tx: Executor,
    row: MonitorRow,
    campaign: MonitoredCampaign,
    at: { changedFrom?: number; watermark?: number; now?: number },
  ): Promise<boolean> {
    const { config, words } = this.configOf(row);
    const state = unpackMonitorState(row.state);
    const every = parseDuration(config.every) ?? 3_600_000;
    const watermark = at.watermark ?? row.watermark?.getTime();
    const plan = planEvaluation(config, campaign, state, { changedFrom: at.changedFrom, watermark });
    const from = plan.from === null ? null : Date.parse(plan.from);
    const series = await this.series(tx, row.campaignId, from, every, campaignFacts(campaign).timeZone);
    const result = evaluateMonitor(config, campaign, state, {
      series,
      ...(at.changedFrom === undefined ? {} : { changedFrom: at.changedFrom }),
      ...(at.now === undefined ? {} : { now: at.now }),
    });
    const judged = result.watermark ? Date.parse(result.watermark) : (row.watermark?.getTime() ?? null);
    let changed = false;
    if (result.transitions.length) {
      const [run] = await tx.select({ id: runs.id }).from(runs).where(eq(runs.workflowId, row.workflowId));
      const changes = await this.deps.alerts.applyTransitions(tx, {
        campaignId: row.campaignId,
        runId: run?.id ?? null,
        nodeId: row.nodeId,
        transitions: result.transitions,
        retracted: result.retracted,
        receivedAt: new Date(this.clock()),
        rules: words,
      });
      changed = changes.length > 0;
    }
    // After the transitions: a retracted fire that a refire replaced leaves its alert firing, as it should.
    const orphans = await this.orphans(tx, row, config, result.statuses, judged);
    if (orphans.resolve.length) {
      await this.deps.alerts.resolveRetracted(tx, orphans.resolve, new Date(this.clock()));
      changed = true;
    }
    // An orphan inside its keep-firing period ends with a later judged bucket, as a firing rule's does: a point
    // brings it, not the clock, so it needs no wake (one in the past would only spin the node's timer).
    const wake = result.nextWake ? Date.parse(result.nextWake.at) : null;
    await tx
      .update(monitors)
      .set({
        // A batch's points arrived at its transaction's now(), the received_at it wrote them with.
        ...(at.changedFrom === undefined ? {} : { lastArrival: sql`now()` }),
        state: packMonitorState(result.state),
        statuses: result.statuses,
        watermark: judged === null ? null : new Date(judged),
        nextWake: wake === null ? null : new Date(wake),
        updatedAt: new Date(this.clock()),
      })
      .where(eq(monitors.id, row.id));
    return changed;
  }

  /** Open alerts of this monitor's node whose firing the data no longer bears out (see orphanedAlerts). */
  private async orphans(tx: Executor, row: MonitorRow, config: MonitorConfig, statuses: RuleStatus[], judged: number | null) {
    const open = await tx
      .select({ id: alerts.id, ruleId: alerts.ruleId, channel: alerts.channel, lastFiredAt: alerts.lastFiredAt })
      .from(alerts)
      .where(and(eq(alerts.campaignId, row.campaignId), eq(alerts.nodeId, row.nodeId), ne(alerts.state, 'resolved')))
      .limit(OPEN_ALERTS);
    if (!open.length) return { resolve: [], pendingUntil: null };
    return orphanedAlerts(
      config,
      statuses,
      open.map((a) => ({ ...a, lastFiredAt: a.lastFiredAt.getTime() })),
      judged,
    );
  }

  /** One call of the node: judge what time alone changes (no-data, pending, keep-firing), then claim one alert. */
  private async checkIn(
    tx: Executor,
    monitorId: string,
    executionKey: string,
    campaign: MonitoredCampaign,
    now: number | undefined,
    missedSince?: number,
  ) {
    const [row] = await tx.select().from(monitors).where(eq(monitors.id, monitorId)).for('update');
    if (!row) throw new NotFound(`Monitor ${monitorId} does not exist`);
    let current: MonitorRow = row;
    const facts = campaignFacts(campaign);
    // The wall clock judges silence only while the campaign runs; a replay afterwards is judged on its watermark alone.
    const live = now !== undefined && (facts.start === null || now >= facts.start) && (facts.end === null || now < facts.end);
    if (live) {
      await this.evaluate(tx, row, campaign, { now });
      current = (await tx.select().from(monitors).where(eq(monitors.id, monitorId)))[0] ?? row;
    }
    const { open, mutedUntil } = await this.openAlerts(tx, current);
    const missed = missedSince === undefined ? undefined : await this.resolvedSince(tx, current, missedSince);
    const end = facts.end;
    const every = parseDuration((row.config as MonitorConfig).every) ?? 3_600_000;
    const lateness = parseDuration((row.config as MonitorConfig).lateness) ?? 0;
    // Over when the data has reached the campaign's last bucket, or when the clock is past its end and its late points'
    // window and no point has arrived for that long. Not the clock alone: a campaign replayed after its dates (a demo,
    // a backfill from an ad platform) is watched while its points keep coming.
    const dataDone = end !== null && current.watermark !== null && current.watermark.getTime() >= end - every;
    // Silence counts from the last point, or from the attach when none came yet: a monitor attached to a campaign
    // whose dates are past waits for its replay (a first check may come before the first batch commits).
    let clockDone = false;
    let clockWake: number | null = null;
    if (end !== null && now !== undefined && !dataDone) {
      const arrived = current.lastArrival?.getTime() ?? (await this.lastArrival(tx, current.campaignId));
      const silentSince = Math.max(arrived ?? 0, row.createdAt.getTime());
      const over = Math.max(end, silentSince) + lateness;
      clockDone = now >= over;
      if (!clockDone) clockWake = over;
    }
    return {
      monitorId,
      statuses: current.statuses as RuleStatus[],
      watermark: current.watermark?.toISOString() ?? null,
      open,
      // A silence ending is a wake too: the alert it hid is handed over then, if it still fires.
      nextWakeMs: earliest(earliest(current.nextWake?.getTime() ?? null, mutedUntil), clockWake),
      // Not while something fires and nobody was told yet: the node tells it first (its group's wait is short).
      ended: now !== undefined && (dataDone || clockDone),
      ...(missed ? { missed } : {}),
    } satisfies MonitorCheck;
  }

  /**
   * The monitor's open alerts, oldest first, each with whether a silence mutes it now, and when the first such silence
   * ends (a wake: the alert it hid is told then, if it still fires). Alerts opened before the monitor are another's.
   */
  private async openAlerts(tx: Executor, row: MonitorRow): Promise<{ open: OpenAlert[]; mutedUntil: number | null }> {
    const rows = await tx
      .select()
      .from(alerts)
      .where(
        and(
          eq(alerts.campaignId, row.campaignId),
          eq(alerts.nodeId, row.nodeId),
          ne(alerts.state, 'resolved'),
          sql`${alerts.openedAt} >= ${row.createdAt}`,
        ),
      )
      .orderBy(asc(alerts.firedAt), asc(alerts.id))
      .limit(OPEN_ALERTS);
    const config = row.config as MonitorConfig;
    const mutedBy = await this.deps.alerts.silencesAt(row.campaignId, new Date(this.clock()), tx);
    let mutedUntil: number | null = null;
    const open: OpenAlert[] = [];
    for (const a of rows) {
      const until = a.state === 'firing' ? mutedBy(a) : null;
      if (until) mutedUntil = Math.min(mutedUntil ?? Infinity, until.getTime());
      open.push({ ...flowAlertOf(a, config), silenced: until !== null });
    }
    return { open, mutedUntil };
  }

  /** The monitor's alerts opened from `since` (epoch ms) on and resolved already, oldest first: those the flow missed. */
  private async resolvedSince(tx: Executor, row: MonitorRow, since: number): Promise<MissedAlert[]> {
    const from = new Date(Math.max(since, row.createdAt.getTime()));
    const rows = await tx
      .select()
      .from(alerts)
      .where(
        and(eq(alerts.campaignId, row.campaignId), eq(alerts.nodeId, row.nodeId), eq(alerts.state, 'resolved'), gte(alerts.openedAt, from)),
      )
      .orderBy(asc(alerts.firedAt), asc(alerts.id))
      .limit(OPEN_ALERTS);
    const config = row.config as MonitorConfig;
    return rows.map((a) => ({ ...flowAlertOf(a, config), resolvedAt: (a.resolvedAt ?? a.updatedAt).getTime() }));
  }

  /** When the campaign's latest point arrived (received time), or null: it reads every point, so only when the row does not say. */
  private async lastArrival(tx: Executor, campaignId: string): Promise<number | null> {
    const rows = await tx.execute<{ ms: string | null }>(
      // floor, not the cast's rounding: to the ms as a Date read from the column is (the row's last_arrival is one).
      sql`SELECT floor(extract(epoch FROM max(received_at)) * 1000)::bigint::text AS ms
          FROM metric_points WHERE campaign_id = ${campaignId}::uuid`,
    );
    const ms = rows.rows[0]?.ms;
    return ms ? Number(ms) : null;
  }

  /**
   * The series the evaluator reads, in one statement: from `from` on, each channel's raw metrics summed over dimensions
   * per timestamp (one row per channel and timestamp, in time order, times as epoch ms, so PostgreSQL formats no row and
   * nothing here parses one); before it, each channel's spend, which is all the evaluator reads of the time before
   * (budget burn is cumulative), from the key index's spend entries rather than every metric's rows.
   */
  private async series(tx: Executor, campaignId: string, from: number | null, every: number, timeZone: string): Promise<BucketSeries> {
    type Row = { channel: string; at: number | null } & Record<RawMetric, number | null>;
    const since = from === null ? null : new Date(from).toISOString();
    const sums = sql.raw(RAW_METRICS.map((m) => `sum(value) FILTER (WHERE metric = '${m}')::float8 AS ${m}`).join(', '));
    const window = sql`
      SELECT channel, floor(extract(epoch FROM ts) * 1000)::float8 AS at, ${sums}
      FROM metric_points WHERE campaign_id = ${campaignId}::uuid ${since === null ? sql`` : sql`AND ts >= ${since}::timestamptz`}
      GROUP BY channel, ts`;
    const before = sql.raw(RAW_METRICS.map((m) => (m === 'spend' ? 'sum(value)::float8 AS spend' : `NULL::float8 AS ${m}`)).join(', '));
    const rows = await tx.execute<Row>(
      since === null
        ? sql`${window}`
        : sql`SELECT channel, NULL::float8 AS at, ${before} FROM metric_points
              WHERE campaign_id = ${campaignId}::uuid AND metric = 'spend' AND ts < ${since}::timestamptz GROUP BY channel
              UNION ALL (${window})`, // no ORDER BY: over the union it made PostgreSQL plan parallel workers; seriesFromStore sorts
    );
    return seriesFromStore(
      rows.rows.map((r) => {
        const sums: RawSums = {};
        for (const m of RAW_METRICS) if (r[m] !== null) sums[m] = Number(r[m]);
        return { channel: r.channel, at: r.at === null ? null : Number(r.at), sums };
      }),
      { every, timeZone, from },
    );
  }

  private async signalAll(rows: readonly MonitorRow[]): Promise<void> {
    if (!this.deps.signal) return;
    for (const row of rows) {
      // A run that has ended cannot take the signal; its monitor is history now.
      await this.deps.signal(row.workflowId, monitorNoticeKey(row.id)).catch(() => undefined);
    }
  }
}

/** An alert row as the monitor node hands it to the flow (open or missed alike). */
function flowAlertOf(a: typeof alerts.$inferSelect, config: MonitorConfig) {
  return {
    alertId: a.id,
    ruleId: a.ruleId,
    ruleLabel: a.ruleLabel || config.rules.find((r) => r.id === a.ruleId)?.label || a.ruleId,
    ruleText: a.ruleText ?? null,
    channel: a.channel,
    severity: a.severity,
    state: a.state,
    firedAt: a.firedAt.toISOString(),
    value: a.value,
    threshold: a.threshold,
    unit: a.unit,
    since: a.openedAt.getTime(),
  };
}
