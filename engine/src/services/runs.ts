import { and, asc, count, desc, eq, gte, inArray, isNotNull, lt, sql, type SQL } from 'drizzle-orm';
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { presentDelivery } from './delivery-view.ts';
import { campaignNeeds, type FlowDocument, type FlowDocumentInput, type JsonValue, type RunState } from '@flightdeck/workflows';
import type { RunFlowInput } from '@flightdeck/workflows/temporal';
import type { Database } from '../db/client.ts';
import {
  channelConnections,
  deliveries,
  flowVersions,
  flows,
  hookEvents,
  runs,
  users,
  workTasks,
  type FlowVersionRow,
  type RunRow,
} from '../db/schema.ts';
import { HttpProblem, notFound } from '../api/problem.ts';
import { frozenFields, type FlowService } from './flows.ts';
import type { CampaignService } from './campaigns.ts';
import { scopeOf, type Actor } from '../auth/access.ts';
import { conflict, invalid } from './errors.ts';
import { pgErrorOf } from './db-errors.ts';
import { resetToFailedNode } from './run-retry.ts';
import { runActivities } from './run-activities.ts';
import { audit, auditFrom } from './audit.ts';
import { RUN_FLOW_WORKFLOW, startedNow, type RunFlowWorkflow } from './run-flow-workflow.ts';
import { runLinks, type RunLinks } from './run-links.ts';
import type { runDeliveriesSchema, runLiveSchema, runPageSchema, runSchema, runSummarySchema } from '../api/contracts/runs.ts';
import { announceRunChange, RUN_CHANGES_CHANNEL } from './run-changes.ts';
import { ClosedRuns } from './closed-runs.ts';
import { decodeKeyset, encodeKeyset } from './keyset-cursor.ts';
import { said } from '@flightdeck/workflows';

type RunStatus = RunRow['status'];

/** A query to a workflow needs a live worker; the view must not hang when none is up. */
const QUERY_DEADLINE_MS = 3_000;

export interface RunServiceDeps {
  db: Database;
  temporal: () => Client;
  /**
   * A client on the connection of a worker in this process (server/local-worker.ts): runs start through it with eager
   * start, so their first workflow task comes back in the start's answer. Without it, runs start through `temporal`.
   */
  starter?: () => Client | undefined;
  taskQueue: string;
  flows: FlowService;
  campaigns: CampaignService;
  /** The Temporal web UI the run page links to, and the namespace its runs live in; no link without it. */
  temporalUi?: { baseUrl: string; namespace: string };
}

/** What the runs list may be filtered by; `after` is the decoded cursor (the last row of the page before). */
export interface RunListFilter {
  flowId?: string;
  campaignId?: string;
  status?: RunStatus;
  version?: number;
  startedFrom?: string;
  startedTo?: string;
  q?: string;
  limit: number;
  after?: RunCursor;
}

/** A keyset position: the exact start time as PostgreSQL keeps it (microseconds, which a JS Date would drop) and the id. */
export interface RunCursor {
  startedAt: string;
  id: string;
}

/** A search scans inputs; past this it is stopped and the caller is asked to narrow it, so one query cannot hog the database. */
const SEARCH_TIMEOUT_MS = 5_000;

const MICRO_ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Pages are keyset cursors (start time to the microsecond, id; see keyset-cursor.ts). */
export function encodeRunCursor(c: RunCursor): string {
  return encodeKeyset(c.startedAt, c.id);
}

/** The cursor back, or null when it is not one of ours. */
export function decodeRunCursor(cursor: string): RunCursor | null {
  const k = decodeKeyset(cursor, (s) => MICRO_ISO_RE.test(s) && Number.isFinite(Date.parse(s)));
  return k && { startedAt: k.time, id: k.id };
}

/** LIKE's wildcards and its escape character taken literally: the search text is never a pattern. */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function runFields(row: RunRow) {
  return {
    id: row.id,
    flowId: row.flowId,
    versionId: row.versionId,
    version: row.version,
    campaignId: row.campaignId,
    requestedBy: row.requestedBy,
    status: row.status,
    input: row.input as JsonValue,
    reason: row.reason,
    startedAt: row.startedAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
    workflowId: row.workflowId,
    temporalRunId: row.temporalRunId,
    rerunOf: row.rerunOf,
  };
}

/** A run with its node state (the live one when given, else the one stored): what the run view's stream sends. */
export function presentLiveRun(
  row: RunRow,
  extra: { state?: RunState | null; flowName?: string; links?: RunLinks; temporalUiUrl?: string | null },
): z.output<typeof runLiveSchema> {
  return {
    ...runFields(row),
    // A run just started has no children yet; its parent is known from the row alone only by id, so it is read with the run.
    parent: extra.links?.parent ?? null,
    children: extra.links?.children ?? [],
    reruns: extra.links?.reruns ?? [],
    temporalUiUrl: extra.temporalUiUrl ?? null,
    ...(extra.flowName ? { flowName: extra.flowName } : {}),
    state: (extra.state !== undefined ? extra.state : (row.state as RunState | null)) ?? null,
  };
}

/** A run with its node state and the graph of its version. */
export function presentRun(
  row: RunRow,
  extra: { graph: unknown; state?: RunState | null; flowName?: string; links?: RunLinks; temporalUiUrl?: string | null },
): z.output<typeof runSchema> {
  // A version's graph is stored frozen (or, from before freezing, as it was published).
  return { ...presentLiveRun(row, extra), graph: extra.graph as FlowDocumentInput };
}

/** How many of a run's messages the run view lists; the counts cover all of them. */
const DELIVERIES_SHOWN = 500;

/** A version is frozen, so what it needs is computed once per version; bounded, oldest forgotten first. */
const needsByVersion = new Map<string, ReturnType<typeof campaignNeeds>>();
function campaignNeedsOf(versionId: string, graph: FlowDocument) {
  let needs = needsByVersion.get(versionId);
  if (!needs) {
    needs = campaignNeeds(graph);
    if (needsByVersion.size >= 1_000) needsByVersion.delete(needsByVersion.keys().next().value!);
    needsByVersion.set(versionId, needs);
  }
  return needs;
}

export class RunService {
  private readonly closedRuns: ClosedRuns;
  /** Runs whose first task came back in the start's answer (`starter`), and the others; the bench and the tests read them. */
  eagerStarts = 0;
  queuedStarts = 0;

  constructor(private readonly deps: RunServiceDeps) {
    this.closedRuns = new ClosedRuns(deps.temporal);
  }

  private get db() {
    return this.deps.db;
  }

  async departmentOf(runId: string): Promise<string | null> {
    const [row] = await this.db
      .select({ d: flows.departmentId })
      .from(runs)
      .innerJoin(flows, eq(flows.id, runs.flowId))
      .where(eq(runs.id, runId));
    if (!row) throw notFound('Run', runId);
    return row.d;
  }

  /** The activities the run's workflow called, with attempts and outcomes (Temporal's history; none before it started). */
  async activities(id: string) {
    const [row] = await this.db.select({ workflowId: runs.workflowId }).from(runs).where(eq(runs.id, id));
    if (!row) throw notFound('Run', id);
    if (row.workflowId.startsWith('pending-')) return { items: [], available: false, truncated: false };
    return runActivities(this.deps.temporal(), row.workflowId);
  }

  async campaignOf(runId: string): Promise<string | null> {
    const [row] = await this.db.select({ c: runs.campaignId }).from(runs).where(eq(runs.id, runId));
    if (!row) throw notFound('Run', runId);
    return row.c;
  }

  /** `actor` null: started by an event (a signed webhook), not by a person. `requireTrigger` refuses versions whose trigger differs. */
  async start(
    actor: Actor | null,
    flowId: string,
    body: { input: JsonValue; version?: number; campaignId?: string; rerunOf?: string },
    requireTrigger?: string,
  ) {
    const plan = await this.plan(actor, await this.deps.flows.version(flowId, body.version), body, requireTrigger);
    const [row] = await this.db.insert(runs).values(plan.row).returning();
    const started = { ...row!, ...(await this.launch(plan, row!.id)) };
    return presentRun(started, { graph: plan.version.graph, temporalUiUrl: this.temporalUiUrl(started) });
  }

  /**
   * A run for a signed event, claimed by its webhook-id in the same statement as the run's row: of two concurrent
   * deliveries exactly one gets a run; the other gets null. `version` is the flow's latest, read with its hook.
   */
  async startForEvent(version: FlowVersionRow, eventId: string, input: JsonValue): Promise<{ id: string; workflowId: string } | null> {
    const plan = await this.plan(null, version, { input }, 'trigger.webhook');
    const r = plan.row;
    const { rows } = await this.db.execute<{ id: string }>(sql`
      with claim as (
        insert into ${hookEvents} (flow_id, event_id) values (${r.flowId}, ${eventId}) on conflict do nothing returning flow_id
      )
      insert into ${runs} (flow_id, version_id, version, workflow_id, input, campaign_id, requested_by)
      select ${r.flowId}::uuid, ${r.versionId}::uuid, ${r.version}::int, ${r.workflowId}, ${JSON.stringify(r.input)}::jsonb, null, null
        from claim
      returning id`);
    if (!rows.length) return null;
    const { id } = rows[0]!;
    return { id, workflowId: (await this.launch(plan, id, { flowId: r.flowId, eventId })).workflowId };
  }

  /** The checks before a run is written (the trigger, a campaign the flow needs) and what its row and workflow get. */
  private async plan(
    actor: Actor | null,
    version: FlowVersionRow,
    body: { input: JsonValue; campaignId?: string; rerunOf?: string },
    requireTrigger?: string,
  ) {
    if (requireTrigger) {
      const trigger = (version.graph as { nodes: { type: string }[] }).nodes.find((n) => n.type.startsWith('trigger.'));
      if (trigger?.type !== requireTrigger)
        throw new HttpProblem(
          409,
          'Wrong trigger',
          `The published version starts with ${trigger?.type ?? 'no trigger'}, not ${requireTrigger}`,
        );
    }
    if (!body.campaignId) {
      const [need] = campaignNeedsOf(version.id, version.graph as FlowDocument);
      // Refused at the door: started without one, the run would fail at that step, perhaps an hour later.
      if (need) throw invalid('campaignId', `This flow needs a campaign: "${need.nodeId}" fails without one (${need.reason})`, 'required');
    }
    // The campaign travels as a snapshot: later edits to the campaign do not change what this run decided on.
    const campaign = body.campaignId ? await this.deps.campaigns.snapshot(body.campaignId) : undefined;
    const row = {
      flowId: version.flowId,
      versionId: version.id,
      version: version.version,
      // Until its workflow has started: the sync skips a run whose workflow is not there yet.
      workflowId: `pending-${crypto.randomUUID()}`,
      input: body.input,
      campaignId: campaign?.id ?? null,
      requestedBy: actor?.id ?? null,
      rerunOf: body.rerunOf ?? null,
    };
    return { actor, version, input: body.input, campaign, row };
  }

  /**
   * Starts the run's workflow, then records it in one statement: the row gets its workflow, the event (if any) its
   * run, and the audit log its entry. A start that fails leaves the row failed and the event unclaimed, for a redelivery.
   */
  private async launch(
    plan: Awaited<ReturnType<RunService['plan']>>,
    id: string,
    event?: { flowId: string; eventId: string },
  ): Promise<{ workflowId: string; temporalRunId: string }> {
    const { actor, version, input, campaign } = plan;
    const workflowId = `run-${id}`;
    const args: RunFlowInput = {
      flowId: version.flowId,
      versionId: version.id,
      version: version.version,
      graph: version.graph,
      ...frozenFields(version),
      input,
      campaign: (campaign as unknown as JsonValue) ?? null,
      requester: actor ? { id: actor.id, name: actor.name, email: actor.email } : null,
      ...startedNow(),
    };
    let temporalRunId: string;
    try {
      const starter = this.deps.starter?.();
      const handle = await (starter ?? this.deps.temporal()).workflow.start<RunFlowWorkflow>(RUN_FLOW_WORKFLOW, {
        taskQueue: this.deps.taskQueue,
        workflowId,
        args: [args],
        requestEagerStart: starter !== undefined,
      });
      temporalRunId = handle.firstExecutionRunId;
      if (handle.eagerlyStarted) this.eagerStarts++;
      else this.queuedStarts++;
    } catch (err) {
      await this.db
        .update(runs)
        .set({ workflowId, status: 'failed', reason: `Could not start: ${(err as Error).message}`, endedAt: new Date() })
        .where(eq(runs.id, id));
      if (event) await this.db.delete(hookEvents).where(and(eq(hookEvents.flowId, event.flowId), eq(hookEvents.eventId, event.eventId)));
      throw new HttpProblem(503, 'Temporal unavailable', `The run could not be started: ${(err as Error).message}`);
    }
    const entry = {
      action: 'run.started',
      entityType: 'run' as const,
      entityId: id,
      after: {
        flowId: version.flowId,
        version: version.version,
        campaignId: campaign?.id ?? null,
        input,
        ...(plan.row.rerunOf ? { rerunOf: plan.row.rerunOf } : {}),
      },
    };
    // The audit entry reads the updates' rows, so it is written last and its chain-head lock is the last one taken.
    const claimed = event
      ? sql`, claimed as (
          update ${hookEvents} set run_id = ${id} where flow_id = ${event.flowId} and event_id = ${event.eventId} returning run_id
        )`
      : sql``;
    const source = event ? sql`started cross join (select count(*) from claimed) as c` : sql`started`;
    await this.db.execute(sql`
      with started as (
        update ${runs} set workflow_id = ${workflowId}, temporal_run_id = ${temporalRunId} where id = ${id} returning id
      )${claimed}
      ${auditFrom(source, actor, entry)}`);
    return { workflowId, temporalRunId };
  }

  /** Settles when the workflow closes, however it ends (one visibility query for all the runs waited for, see closed-runs.ts). */
  whenClosed(workflowId: string): Promise<void> {
    return this.closedRuns.whenClosed(workflowId);
  }

  /** Stops waiting for runs to close: the server is closing. */
  stop(): void {
    this.closedRuns.stop();
  }

  /** This run's workflow in the Temporal web UI, when one is configured and the workflow was started. */
  private temporalUiUrl(row: RunRow): string | null {
    const ui = this.deps.temporalUi;
    if (!ui || !row.temporalRunId || row.workflowId.startsWith('pending-')) return null;
    const path = [ui.namespace, row.workflowId, row.temporalRunId].map(encodeURIComponent);
    return `${ui.baseUrl}/namespaces/${path[0]}/workflows/${path[1]}/${path[2]}/history`;
  }

  /** The runs the actor may see, newest first, a page at a time; every filter is a bound parameter, the search text literal. */
  async list(actor: Actor, filter: RunListFilter): Promise<z.output<typeof runPageSchema>> {
    const where: SQL[] = [];
    const scope = scopeOf(actor, 'runs:read');
    if (scope !== 'all') where.push(scope.length ? inArray(flows.departmentId, scope) : sql`false`);
    if (filter.campaignId) where.push(eq(runs.campaignId, filter.campaignId));
    if (filter.flowId) where.push(eq(runs.flowId, filter.flowId));
    if (filter.status) where.push(eq(runs.status, filter.status));
    if (filter.version !== undefined) where.push(eq(runs.version, filter.version));
    if (filter.startedFrom) where.push(gte(runs.startedAt, new Date(filter.startedFrom)));
    if (filter.startedTo) where.push(lt(runs.startedAt, new Date(filter.startedTo)));
    if (filter.q) where.push(sql`${runs.input}::text ilike ${`%${likeLiteral(filter.q)}%`} escape '\\'`);
    if (filter.after) where.push(sql`(${runs.startedAt}, ${runs.id}) < (${filter.after.startedAt}::timestamptz, ${filter.after.id}::uuid)`);
    const select = (db: Database) =>
      db
        .select({
          run: runs,
          flowName: flows.name,
          // The exact start time, for the cursor: a JS Date keeps milliseconds, PostgreSQL microseconds.
          at: sql<string>`to_char(${runs.startedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
        })
        .from(runs)
        .innerJoin(flows, eq(flows.id, runs.flowId))
        .where(where.length ? and(...where) : undefined)
        .orderBy(desc(runs.startedAt), desc(runs.id))
        .limit(filter.limit + 1);
    let rows: Awaited<ReturnType<typeof select>>;
    try {
      rows = filter.q
        ? await this.db.transaction(async (tx) => {
            await tx.execute(sql.raw(`set local statement_timeout = ${SEARCH_TIMEOUT_MS}`));
            return select(tx as unknown as Database);
          })
        : await select(this.db);
    } catch (err) {
      // 57014: the statement timeout above. Nothing the caller sent was wrong, but a narrower search will answer.
      if (pgErrorOf(err)?.code === '57014')
        throw invalid('q', 'The search took too long: narrow it with a flow, a campaign, a status or a time range', 'too_slow');
      throw err;
    }
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    return {
      items: page.map((r): z.output<typeof runSummarySchema> => ({ ...runFields(r.run), flowName: r.flowName, state: null })),
      nextCursor: rows.length > filter.limit && last ? encodeRunCursor({ startedAt: last.at, id: last.run.id }) : null,
    };
  }

  /**
   * A new run of the same flow version with the same input and campaign (the campaign as it is now: every run
   * takes its snapshot when it starts), linked to the one it repeats.
   */
  async rerun(actor: Actor, id: string, reason?: string) {
    const original = await this.db.query.runs.findFirst({ where: eq(runs.id, id) });
    if (!original) throw notFound('Run', id);
    if (original.parentRunId)
      throw conflict('id', "A sub-flow's run is started by its parent's step: re-run the parent run instead", 'subflow_run');
    const run = await this.start(actor, original.flowId, {
      input: original.input as JsonValue,
      version: original.version,
      ...(original.campaignId ? { campaignId: original.campaignId } : {}),
      rerunOf: original.id,
    });
    await audit(this.db, actor, {
      action: 'run.rerun',
      entityType: 'run',
      entityId: original.id,
      after: { rerunId: run.id, ...(reason ? { reason } : {}) },
    });
    return run;
  }

  /**
   * Retries a failed run from its failed node by resetting its workflow in Temporal (see run-retry.ts for why a
   * reset, and where to). The row is claimed first (failed → running), so two presses reset it once.
   */
  async retry(actor: Actor, id: string, reason?: string) {
    const row = await this.db.query.runs.findFirst({ where: eq(runs.id, id) });
    if (!row) throw notFound('Run', id);
    if (row.status !== 'failed') throw conflict('id', `Only a failed run can be retried; this one is ${row.status}`, 'not_failed');
    if (row.parentRunId)
      throw conflict('id', "A sub-flow's run reports to its parent, which has gone on: retry the parent run instead", 'subflow_run');
    if (row.workflowId.startsWith('pending-') || !row.temporalRunId)
      throw conflict('id', 'The run never started in Temporal: re-run it instead', 'never_started');
    const [claimed] = await this.db
      .update(runs)
      .set({ status: 'running', endedAt: null })
      .where(and(eq(runs.id, id), eq(runs.status, 'failed')))
      .returning();
    if (!claimed) throw conflict('id', 'The run is being retried already', 'not_failed');
    let reset: { runId: string; nodeId: string };
    try {
      reset = await resetToFailedNode(this.deps.temporal(), row, `Retried by ${actor.name}${reason ? `: ${reason}` : ''}`);
    } catch (err) {
      // Given back as it was: the run is still failed, and may be retried or re-run.
      await this.db
        .update(runs)
        .set({ status: 'failed', endedAt: row.endedAt })
        .where(and(eq(runs.id, id), eq(runs.status, 'running')));
      throw err;
    }
    // Set again here: the sync loop may have closed the claimed row as failed before the reset landed.
    const [updated] = await this.db
      .update(runs)
      .set({ status: 'running', endedAt: null, reason: null, temporalRunId: reset.runId })
      .where(eq(runs.id, id))
      .returning();
    await announceRunChange(this.db, row.workflowId);
    await audit(this.db, actor, {
      action: 'run.retried',
      entityType: 'run',
      entityId: id,
      before: { status: 'failed', reason: row.reason, temporalRunId: row.temporalRunId },
      after: { status: 'running', fromNode: reset.nodeId, temporalRunId: reset.runId, ...(reason ? { reason } : {}) },
    });
    return this.get(updated!.id);
  }

  /** The run's messages from the delivery ledger: what went out, what waits and why, what failed. */
  async deliveries(id: string): Promise<z.output<typeof runDeliveriesSchema>> {
    const [run] = await this.db.select({ workflowId: runs.workflowId }).from(runs).where(eq(runs.id, id));
    if (!run) throw notFound('Run', id);
    const rows = await this.db
      .select({ d: deliveries, connectionName: channelConnections.name, recipientName: users.name })
      .from(deliveries)
      .leftJoin(channelConnections, eq(channelConnections.id, deliveries.connectionId))
      // In-app rows are addressed by user id and e-mail rows by address: show the person's name where there is one.
      .leftJoin(users, sql`${users.id}::text = ${deliveries.recipient} or ${users.email} = ${deliveries.recipient}`)
      .where(eq(deliveries.runId, run.workflowId))
      // A broadcast has thousands: what needs attention (failed, held) comes first, then the rest in order.
      .orderBy(
        sql`case ${deliveries.status} when 'failed' then 0 when 'unconfirmed' then 1 when 'held' then 2 when 'sending' then 3 else 4 end`,
        asc(deliveries.createdAt),
      )
      .limit(DELIVERIES_SHOWN);
    const counted = await this.db
      .select({ status: deliveries.status, n: count() })
      .from(deliveries)
      .where(eq(deliveries.runId, run.workflowId))
      .groupBy(deliveries.status);
    const counts = Object.fromEntries(counted.map((c) => [c.status, c.n])) as Partial<
      Record<(typeof deliveries.status.enumValues)[number], number>
    >;
    // Resends that went out or are going: their originals are not offered again (the resend route refuses them).
    const resends = await this.db
      .select({ of: deliveries.resendOf })
      .from(deliveries)
      .where(
        and(
          eq(deliveries.runId, run.workflowId),
          isNotNull(deliveries.resendOf),
          inArray(deliveries.status, ['sending', 'sent', 'unconfirmed']),
        ),
      );
    const resent = new Set(resends.map((r) => r.of));
    const items = rows.map(({ d, connectionName, recipientName }) => presentDelivery(d, connectionName, recipientName, resent.has(d.id)));
    return { items, counts, total: counted.reduce((a, c) => a + c.n, 0) };
  }

  async get(id: string) {
    const found = await this.db
      .select({ run: runs, graph: flowVersions.graph, flowName: flows.name })
      .from(runs)
      .innerJoin(flowVersions, eq(flowVersions.id, runs.versionId))
      .innerJoin(flows, eq(flows.id, runs.flowId))
      .where(eq(runs.id, id));
    const hit = found[0];
    if (!hit) throw notFound('Run', id);
    const { row, state } = await this.current(hit.run);
    return presentRun(row, {
      state,
      graph: hit.graph,
      flowName: hit.flowName,
      links: await runLinks(this.db, id),
      temporalUiUrl: this.temporalUiUrl(row),
    });
  }

  /** The run as it is now, without its graph (which never changes): what the run view's stream sends on each change. */
  async live(id: string) {
    const [hit] = await this.db
      .select({ run: runs, flowName: flows.name })
      .from(runs)
      .innerJoin(flows, eq(flows.id, runs.flowId))
      .where(eq(runs.id, id));
    if (!hit) throw notFound('Run', id);
    const { row, state } = await this.current(hit.run);
    return presentLiveRun(row, {
      state,
      flowName: hit.flowName,
      links: await runLinks(this.db, id),
      temporalUiUrl: this.temporalUiUrl(row),
    });
  }

  /** An ended run is what its row says; a running one is asked (and its row closed if it has ended meanwhile). */
  private async current(row: RunRow): Promise<{ row: RunRow; state?: RunState | null }> {
    return row.status === 'running' ? await this.refresh(row) : { row };
  }

  async cancel(actor: Actor, id: string) {
    const row = await this.db.query.runs.findFirst({ where: eq(runs.id, id) });
    if (!row) throw notFound('Run', id);
    if (row.status !== 'running') throw new HttpProblem(409, 'Run has ended', said('run_ended', { status: row.status }));
    await this.deps.temporal().workflow.getHandle(row.workflowId).cancel();
    await audit(this.db, actor, { action: 'run.cancel_requested', entityType: 'run', entityId: id, before: { status: row.status } });
    return this.get(id);
  }

  /** Brings the row up to date with Temporal; returns the live node state while the run goes on. */
  async refresh(row: RunRow): Promise<{ row: RunRow; state: RunState | null }> {
    const handle = this.deps.temporal().workflow.getHandle(row.workflowId);
    let status: string;
    try {
      status = (await handle.describe()).status.name;
    } catch (err) {
      // A sub-flow's run is registered just before its parent starts the child workflow: not there yet is not gone.
      if (err instanceof WorkflowNotFoundError && (await this.parentStillRunning(row))) return { row, state: null };
      if (err instanceof WorkflowNotFoundError)
        return { row: await this.close(row, 'failed', null, 'The workflow no longer exists in Temporal'), state: null };
      return { row, state: row.state as RunState | null };
    }
    if (status === 'RUNNING' || status === 'CONTINUED_AS_NEW') {
      return { row, state: (await this.queryState(row.workflowId)) ?? (row.state as RunState | null) };
    }
    let final: { status: RunStatus; state: RunState | null; reason: string | null };
    if (status === 'COMPLETED') {
      const state = (await handle.result()) as RunState;
      final = { status: state.status === 'cancelled' ? 'cancelled' : 'completed', state, reason: state.reason ?? null };
    } else if (status === 'FAILED') {
      final = await this.failure(handle.result());
    } else if (status === 'CANCELED' || status === 'CANCELLED') {
      final = { status: 'cancelled', state: await this.queryState(row.workflowId), reason: 'Cancelled by request' };
    } else {
      final = {
        status: 'failed',
        state: await this.queryState(row.workflowId),
        reason: status === 'TIMED_OUT' ? 'The run timed out' : 'The run was terminated in Temporal',
      };
    }
    const updated = await this.close(row, final.status, final.state, final.reason);
    return { row: updated, state: final.state };
  }

  private async parentStillRunning(row: RunRow): Promise<boolean> {
    if (!row.parentRunId) return false;
    const [parent] = await this.db.select({ status: runs.status }).from(runs).where(eq(runs.id, row.parentRunId));
    return parent?.status === 'running';
  }

  private async failure(result: Promise<unknown>): Promise<{ status: RunStatus; state: RunState | null; reason: string | null }> {
    try {
      await result;
      return { status: 'failed', state: null, reason: 'The run failed' };
    } catch (err) {
      const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
      if (cause instanceof ApplicationFailure) {
        const state = cause.type === 'RunFailed' ? ((cause.details?.[0] as RunState | undefined) ?? null) : null;
        return { status: 'failed', state, reason: cause.message };
      }
      return { status: 'failed', state: null, reason: (cause ?? (err as Error)).message };
    }
  }

  private async queryState(workflowId: string): Promise<RunState | null> {
    const client = this.deps.temporal();
    try {
      return await client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
        client.workflow.getHandle(workflowId).query<RunState | null>('runState'),
      );
    } catch {
      return null;
    }
  }

  /**
   * The run's end in one statement: the row closed (once: only while it is running), its open inbox tasks cancelled (a
   * run that ended by cancellation or failure leaves none that nothing waits for), the audit entry, and the run view's
   * wake-up, which PostgreSQL sends at commit.
   */
  private async close(row: RunRow, status: RunStatus, state: RunState | null, reason: string | null): Promise<RunRow> {
    const endedAt = state?.endedAt ? new Date(state.endedAt) : new Date();
    const entry = {
      action: `run.${status}`,
      entityType: 'run' as const,
      entityId: row.id,
      before: { status: 'running' },
      after: { status, reason },
    };
    const { rows } = await this.db.execute(sql`
      with closed as (
        update ${runs} set status = ${status}, state = ${state === null ? null : JSON.stringify(state)}::jsonb, reason = ${reason},
               ended_at = ${endedAt}
         where id = ${row.id} and status = 'running'
           -- Only the execution this close was judged on: a retry's reset, recorded meanwhile, names a new one.
           and temporal_run_id is not distinct from ${row.temporalRunId}
        returning id
      ), tasks as (
        update ${workTasks} set status = 'cancelled' where run_id in (select id from closed) and status = 'open' returning 1
      ), logged as (
        ${auditFrom(sql`closed cross join (select count(*) from tasks) as t`, null, entry)}
        returning id
      )
      select pg_notify(${RUN_CHANGES_CHANNEL}, ${row.workflowId}) from logged`);
    if (rows.length) return { ...row, status, state, reason, endedAt };
    return (await this.db.query.runs.findFirst({ where: eq(runs.id, row.id) }))!;
  }

  /** Writes final states of runs that ended while nobody was looking, so past runs reopen without Temporal. */
  async syncRunning(limit = 50): Promise<number> {
    const open = await this.db.select().from(runs).where(eq(runs.status, 'running')).orderBy(runs.startedAt).limit(limit);
    let closed = 0;
    for (const row of open) {
      if (row.workflowId.startsWith('pending-')) continue;
      const { row: after } = await this.refresh(row);
      if (after.status !== 'running') closed += 1;
    }
    return closed;
  }
}
