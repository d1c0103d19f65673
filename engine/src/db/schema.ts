import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import { CHANNEL_KINDS } from '@flightdeck/activities/catalogue';
import type { StoredMessage } from '@flightdeck/activities';
import { ALERT_EVENT_KINDS, ALERT_STATES, ROLES, SEVERITIES } from '@flightdeck/workflows';

export const departments = pgTable('departments', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  /** The department head: whom "head:<department>" approvers resolve to. */
  headUserId: uuid('head_user_id'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  passwordHash: text('password_hash'),
  /** E.164, for SMS and chat mentions. */
  phone: text('phone'),
  locale: text('locale', { enum: ['en', 'zh-CN'] })
    .notNull()
    .default('en'),
  departmentId: uuid('department_id').references(() => departments.id),
  active: boolean('active').notNull().default(true),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A role, everywhere (department null) or in one department, optionally until a time. */
export const roleGrants = pgTable(
  'role_grants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['admin', 'department_admin', 'designer', 'approver', 'analyst', 'viewer'] }).notNull(),
    departmentId: uuid('department_id').references(() => departments.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    grantedBy: uuid('granted_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('role_grants_user_idx').on(t.userId)],
);

/** Browser sessions; the cookie holds a random token whose SHA-256 is the id, so a database dump signs no one in. */
export const sessions = pgTable('sessions', {
  id: text('id').primaryKey(),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  csrfToken: text('csrf_token').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Tokens for scripts, stored hashed like sessions. */
export const apiTokens = pgTable('api_tokens', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  /** What the token may do on top of its owner's roles: read, write, ingest. */
  scopes: text('scopes')
    .array()
    .notNull()
    .default(sql`'{read,write}'::text[]`),
  expiresAt: timestamp('expires_at', { withTimezone: true }),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  /** Kept (not deleted) so the owner's list and the audit log still name a revoked token. */
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

export const campaigns = pgTable('campaigns', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** A stable handle from an import ("s618-new-product-launch"), so re-importing updates rather than duplicates. */
  slug: text('slug').unique(),
  name: text('name').notNull(),
  ownerId: uuid('owner_id').references(() => users.id),
  departmentId: uuid('department_id').references(() => departments.id),
  status: text('status', { enum: ['draft', 'pending_approval', 'approved', 'scheduled', 'live', 'paused', 'completed', 'cancelled'] })
    .notNull()
    .default('draft'),
  timezone: text('timezone').notNull().default('Asia/Shanghai'),
  /** Set by the first launch; a relaunch after a pause keeps it. */
  launchedAt: timestamp('launched_at', { withTimezone: true }),
  goals: jsonb('goals').notNull(),
  budget: jsonb('budget').notNull(),
  phases: jsonb('phases').notNull(),
  channels: jsonb('channels').notNull(),
  /** Everything else an import carried (base rates, anomalies), kept as it came. */
  extra: jsonb('extra')
    .notNull()
    .default(sql`'{}'::jsonb`),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A flow's editable draft. Publishing copies the graph into an immutable flow_versions row. */
export const flows = pgTable('flows', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  departmentId: uuid('department_id').references(() => departments.id),
  createdBy: uuid('created_by').references(() => users.id),
  description: text('description').notNull().default(''),
  graph: jsonb('graph').notNull(),
  /** Counts saves of the draft: its ETag, so a save made against an older draft is refused rather than lost. */
  revision: integer('revision').notNull().default(1),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Never updated after insert (except once, to freeze a version published before freezing existed): a run
 * pins one of these, and the graph travels in the workflow input.
 */
export const flowVersions = pgTable(
  'flow_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    /** The frozen graph: normalized by the validator at publish time (every default filled in). */
    graph: jsonb('graph').notNull(),
    /** FROZEN_FORMAT and sha-256 of the canonical graph; null only on versions published before freezing, frozen on first use. */
    format: integer('format'),
    contentHash: text('content_hash'),
    note: text('note').notNull().default(''),
    /** Who published it; null on versions published before this was recorded. */
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('flow_versions_flow_version_uq').on(t.flowId, t.version)],
);

export const runs = pgTable(
  'runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    versionId: uuid('version_id')
      .notNull()
      .references(() => flowVersions.id),
    version: integer('version').notNull(),
    campaignId: uuid('campaign_id').references(() => campaigns.id),
    requestedBy: uuid('requested_by').references(() => users.id),
    workflowId: text('workflow_id').notNull().unique(),
    temporalRunId: text('temporal_run_id'),
    status: text('status', { enum: ['running', 'completed', 'failed', 'cancelled'] })
      .notNull()
      .default('running'),
    input: jsonb('input')
      .notNull()
      .default(sql`'{}'::jsonb`),
    /** Per-node state, written once the run closes; while it runs the API asks the workflow. */
    state: jsonb('state'),
    reason: text('reason'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** Set on a sub-flow's run: the run and node that started it. */
    parentRunId: uuid('parent_run_id').references((): AnyPgColumn => runs.id, { onDelete: 'set null' }),
    parentNodeId: text('parent_node_id'),
    /** Set on a re-run: the run whose version, input and campaign it repeats. */
    rerunOf: uuid('rerun_of').references((): AnyPgColumn => runs.id, { onDelete: 'set null' }),
  },
  (t) => [
    index('runs_flow_started_idx').on(t.flowId, t.startedAt),
    index('runs_status_idx').on(t.status),
    index('runs_parent_idx').on(t.parentRunId),
    index('runs_rerun_of_idx').on(t.rerunOf),
    index('runs_started_id_idx').on(t.startedAt, t.id),
    index('runs_campaign_started_idx').on(t.campaignId, t.startedAt),
  ],
);

/** The inbox's copy of each approval task; the workflow is the truth, this is what lists and e-mails read. */
export const approvalTasks = pgTable(
  'approval_tasks',
  {
    taskId: text('task_id').primaryKey(),
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    workflowId: text('workflow_id').notNull(),
    nodeId: text('node_id').notNull(),
    title: text('title').notNull(),
    status: text('status', { enum: ['open', 'approved', 'rejected', 'timed_out', 'cancelled'] }).notNull(),
    eligibleUserIds: text('eligible_user_ids').array().notNull(),
    detail: jsonb('detail').notNull(),
    version: integer('version').notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
  },
  (t) => [index('approval_tasks_status_idx').on(t.status), index('approval_tasks_run_idx').on(t.runId)],
);

/**
 * A decision sent to a run and not yet known to be taken. Temporal keeps an Update admitted while no worker runs only in
 * its memory (not in the history), so it can be lost; this row is what keeps it. The row goes once the run answers,
 * and until then the server's sync loop sends it again under the same update id, which Temporal deduplicates.
 */
export const heldDecisions = pgTable(
  'held_decisions',
  {
    updateId: text('update_id').primaryKey(),
    taskId: text('task_id')
      .notNull()
      .references(() => approvalTasks.taskId, { onDelete: 'cascade' }),
    /** Who decided: one held decision per person and task, so an outage cannot pile up a person's repeats. */
    userId: text('user_id').notNull(),
    decision: text('decision', { enum: ['approve', 'reject'] }).notNull(),
    comment: text('comment'),
    /** Who decided, as the audit entry will name them when a later send is the one the run takes. */
    actor: jsonb('actor').notNull(),
    heldAt: timestamp('held_at', { withTimezone: true }).notNull().defaultNow(),
    /** A lease: the sender that claims the row moves this on, so two API processes do not send it side by side. */
    nextTryAt: timestamp('next_try_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('held_decisions_next_try_idx').on(t.nextTryAt), uniqueIndex('held_decisions_task_user_idx').on(t.taskId, t.userId)],
);

/** A department's way to reach a channel. Secrets (webhook URLs with keys, signing secrets, tokens) are sealed with AES-256-GCM. */
export const channelConnections = pgTable('channel_connections', {
  id: uuid('id').primaryKey().defaultRandom(),
  departmentId: uuid('department_id').references(() => departments.id),
  kind: text('kind', { enum: CHANNEL_KINDS }).notNull(),
  name: text('name').notNull(),
  /** Non-secret settings (sender number, quiet hours, rate limit). */
  settings: jsonb('settings')
    .notNull()
    .default(sql`'{}'::jsonb`),
  secretSealed: text('secret_sealed').notNull(),
  secretFields: text('secret_fields').array().notNull(),
  /** While set, every run holds its messages for this connection; resuming signals them. */
  pausedAt: timestamp('paused_at', { withTimezone: true }),
  pausedReason: text('paused_reason'),
  createdBy: uuid('created_by').references(() => users.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A flow's inbound-webhook secret, sealed like channel secrets. */
export const flowHooks = pgTable('flow_hooks', {
  flowId: uuid('flow_id')
    .primaryKey()
    .references(() => flows.id, { onDelete: 'cascade' }),
  secretSealed: text('secret_sealed').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Events already accepted, by their webhook-id: a redelivery answers with the same run. */
export const hookEvents = pgTable(
  'hook_events',
  {
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    eventId: text('event_id').notNull(),
    runId: uuid('run_id'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('hook_events_flow_event_uq').on(t.flowId, t.eventId)],
);

/** One row per message a receiver should see once: the key (run + node + recipient) is unique. */
export const deliveries = pgTable(
  'deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    connectionId: uuid('connection_id').references(() => channelConnections.id, { onDelete: 'set null' }),
    /** The channel kind at the time ("wecom", "email", "in-app"), so the row reads well after its connection is gone. */
    channel: text('channel').notNull().default('unknown'),
    runId: text('run_id'),
    nodeId: text('node_id'),
    recipient: text('recipient').notNull(),
    /** `unconfirmed`: its worker died mid-send; not repeated, so it reached the receiver at most once. */
    status: text('status', { enum: ['held', 'sending', 'sent', 'unconfirmed', 'failed'] }).notNull(),
    /**
     * Why a held message waits, and until when (null: until the channel is resumed); kept once it goes out, as the
     * last hold it waited out.
     */
    heldReason: text('held_reason', { enum: ['quiet_hours', 'rate_limit', 'paused'] }),
    notBefore: timestamp('not_before', { withTimezone: true }),
    /** The attempt sending it owns it until then; another attempt may not send it meanwhile. */
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    providerMessageId: text('provider_message_id'),
    response: jsonb('response'),
    /** What the recipient gets, as rendered when an attempt claimed it (no secrets): a resend sends exactly this. */
    message: jsonb('message').$type<StoredMessage>(),
    /** A manual resend: the unconfirmed delivery it repeats. */
    resendOf: uuid('resend_of').references((): AnyPgColumn => deliveries.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    index('deliveries_run_idx').on(t.runId),
    index('deliveries_held_idx').on(t.connectionId, t.status),
    index('deliveries_resend_of_idx').on(t.resendOf),
  ],
);

/** Reserved send times per connection: at most the limit in any window, shared by every worker and run. */
export const deliverySlots = pgTable(
  'delivery_slots',
  {
    idempotencyKey: text('idempotency_key').primaryKey(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => channelConnections.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [index('delivery_slots_connection_at_idx').on(t.connectionId, t.at)],
);

/** What the bell shows: one row per person and message, once (the key is run + node + recipient). */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    title: text('title').notNull(),
    body: text('body').notNull().default(''),
    link: text('link'),
    runId: text('run_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    readAt: timestamp('read_at', { withTimezone: true }),
  },
  (t) => [index('notifications_user_created_idx').on(t.userId, t.createdAt)],
);

/** One-click e-mail links are single-use: the token's jti lands here when used. */
export const usedLinkTokens = pgTable('used_link_tokens', {
  jti: text('jti').primaryKey(),
  usedAt: timestamp('used_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The alerts one grouped message told, so its one-click link acknowledges them all: the link carries this set's id,
 * not the ids (a chat message or a URL has no room for a group of 200). The id is derived from the sorted ids, so
 * every retry and level of one group's message names the same row.
 */
export const alertAckSets = pgTable('alert_ack_sets', {
  id: uuid('id').primaryKey(),
  alertIds: uuid('alert_ids').array().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * What a monitor's rule raised: one row per incident. The dedup key (node, rule, channel) is unique among a
 * campaign's open alerts, so a rule that fires again while its alert is open refires that alert.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    runId: uuid('run_id').references(() => runs.id, { onDelete: 'set null' }),
    nodeId: text('node_id'),
    ruleId: text('rule_id').notNull(),
    /** The rule in plain words when it fired (its label, or its condition described): the id means nothing to a reader. */
    ruleLabel: text('rule_label').notNull().default(''),
    /** The rule's condition described per locale (en, zh-CN); null for alerts opened before it was kept. */
    ruleText: jsonb('rule_text').$type<Record<string, string>>(),
    /** null: a rule over the whole campaign. */
    channel: text('channel'),
    dedupKey: text('dedup_key').notNull(),
    severity: text('severity', { enum: SEVERITIES }).notNull(),
    state: text('state', { enum: ALERT_STATES }).notNull().default('firing'),
    snoozedUntil: timestamp('snoozed_until', { withTimezone: true }),
    /** Event time: the start of the bucket whose evaluation fired the rule. */
    firedAt: timestamp('fired_at', { withTimezone: true }).notNull(),
    /** Event time of the latest refire (firedAt until one comes). */
    lastFiredAt: timestamp('last_fired_at', { withTimezone: true }).notNull(),
    value: doublePrecision('value'),
    threshold: doublePrecision('threshold'),
    baseline: doublePrecision('baseline'),
    unit: text('unit').notNull(),
    /** When the points that fired it arrived (received time). */
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    acknowledgedBy: uuid('acknowledged_by').references(() => users.id, { onDelete: 'set null' }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    /** null with resolvedAt set: the rule resolved it. */
    resolvedBy: uuid('resolved_by').references(() => users.id, { onDelete: 'set null' }),
    /** Once the monitor node execution the alert was handed to; grouping in the node decides that now, and nothing writes it. */
    claimedBy: text('claimed_by'),
  },
  (t) => [
    uniqueIndex('alerts_open_dedup_uq')
      .on(t.campaignId, t.dedupKey)
      .where(sql`${t.state} <> 'resolved'`),
    index('alerts_campaign_fired_idx').on(t.campaignId, t.firedAt),
    index('alerts_fired_idx').on(t.firedAt),
    index('alerts_state_idx').on(t.state),
  ],
);

/**
 * A monitor node's watch over its campaign: the frozen rules, the evaluator's state (rule machines,
 * checkpoints for late points) and what the run view shows. The ingest path evaluates the active
 * ones in the transaction that stores the points.
 */
export const monitors = pgTable(
  'monitors',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    /** The run's Temporal workflow id, which the ingest path signals. */
    workflowId: text('workflow_id').notNull(),
    nodeId: text('node_id').notNull(),
    /** The node execution that attached it last (a flow loops back to its monitor to keep watching). */
    executionKey: text('execution_key').notNull(),
    config: jsonb('config').notNull(),
    state: jsonb('state'),
    statuses: jsonb('statuses')
      .notNull()
      .default(sql`'[]'::jsonb`),
    watermark: timestamp('watermark', { withTimezone: true }),
    nextWake: timestamp('next_wake', { withTimezone: true }),
    /**
     * When the campaign's latest point arrived, as the batch that stored it wrote it (its received_at), while this
     * monitor was active; null until a batch comes after its attach, when the points are read for it instead.
     */
    lastArrival: timestamp('last_arrival', { withTimezone: true }),
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // One per run and node: a loop back to the monitor keeps its rule state, and an alert's episode is never judged twice.
    uniqueIndex('monitors_run_node_uq').on(t.workflowId, t.nodeId),
    index('monitors_campaign_active_idx')
      .on(t.campaignId)
      .where(sql`${t.active}`),
  ],
);

/** An alert's timeline: every change and every message about it, with who and when. */
export const alertEvents = pgTable(
  'alert_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alerts.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ALERT_EVENT_KINDS }).notNull(),
    /** The person who did it; null for the rule, the clock or the system. */
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    at: timestamp('at', { withTimezone: true }).notNull(),
    detail: jsonb('detail')
      .notNull()
      .default(sql`'{}'::jsonb`),
  },
  (t) => [index('alert_events_alert_idx').on(t.alertId, t.id)],
);

/** Mutes a campaign's alerts (one rule, one channel, or all) for a while; expiring one moves its end to now. */
export const silences = pgTable(
  'silences',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    ruleId: text('rule_id'),
    channel: text('channel'),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    comment: text('comment').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('silences_campaign_ends_idx').on(t.campaignId, t.endsAt),
    check('silences_ends_after_starts', sql`${t.endsAt} >= ${t.startsAt}`),
  ],
);

/** Append-only: a trigger (see the migration) refuses UPDATE and DELETE. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorId: uuid('actor_id'),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    departmentId: uuid('department_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    /*
     * The hash chain (migration 0008): the database's BEFORE INSERT trigger sets all three, whatever the
     * writer sends, under the audit_chain_head row lock; `npm run audit:verify` checks them.
     */
    seq: bigint('seq', { mode: 'number' }).notNull().default(0),
    prevHash: text('prev_hash').notNull().default(''),
    hash: text('hash').notNull().default(''),
  },
  (t) => [index('audit_entity_idx').on(t.entityType, t.entityId), index('audit_at_idx').on(t.at), uniqueIndex('audit_seq_idx').on(t.seq)],
);

/**
 * Campaign metrics as ad platforms report them: one value per campaign, channel, raw metric, time and
 * set of dimensions. A later report of the same point replaces the value (last write wins), so the
 * key includes dimensions_key, the dimensions' canonical text (sorted pairs; '' for none).
 */
export const metricPoints = pgTable(
  'metric_points',
  {
    // No foreign key (migration 0023): checked once per batch by MetricsService.ingest, and a campaign's deletion
    // removes its points by a statement trigger, where the key's check cost more than the insert, point by point.
    campaignId: uuid('campaign_id').notNull(),
    channel: text('channel').notNull(),
    metric: text('metric').notNull(),
    ts: timestamp('ts', { withTimezone: true }).notNull(),
    dimensions: jsonb('dimensions')
      .notNull()
      .default(sql`'{}'::jsonb`),
    dimensionsKey: text('dimensions_key').notNull().default(''),
    value: doublePrecision('value').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The upsert's conflict target, and the index for one channel's or one metric's series over time.
    uniqueIndex('metric_points_key_idx').on(t.campaignId, t.channel, t.metric, t.ts, t.dimensionsKey),
    // A time window across every channel and metric (the charts' default view, the monitor's evaluation).
    index('metric_points_campaign_ts_idx').on(t.campaignId, t.ts),
  ],
);

/** PostgreSQL's tsvector; drizzle has no built-in for it. Written only by the generated column below. */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
const weighted = (column: string, weight: 'A' | 'B') =>
  ['simple', 'english'].map((config) => `setweight(to_tsvector('${config}'::regconfig, ${column}), '${weight}')`).join(' || ');
const searchVector = sql.raw(`${weighted('search_a', 'A')} || ${weighted('search_b', 'B')}`);

/**
 * The lessons knowledge base: what a campaign taught, in the review's form (fact, cause, insight, action).
 * Search: search_a (fact, insight) and search_b (cause, action, kpi, channel) hold the texts segmented in
 * JS (engine/src/services/lesson-text.ts: Chinese words from Intl.Segmenter plus overlapping character
 * bigrams, Latin words as written), and search is built from them by PostgreSQL, weighted A and B, through
 * both the `simple` config (Chinese, exact words) and `english` (stems).
 */
export const lessons = pgTable(
  'lessons',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    authorId: uuid('author_id').references(() => users.id, { onDelete: 'set null' }),
    departmentId: uuid('department_id').references(() => departments.id, { onDelete: 'set null' }),
    campaignId: uuid('campaign_id').references(() => campaigns.id, { onDelete: 'set null' }),
    reviewVersion: integer('review_version'),
    runId: uuid('run_id').references(() => runs.id, { onDelete: 'set null' }),
    fact: text('fact').notNull(),
    cause: text('cause').notNull(),
    insight: text('insight').notNull(),
    action: text('action').notNull(),
    kpi: text('kpi'),
    channel: text('channel'),
    outcome: text('outcome', { enum: ['met', 'missed', 'mixed'] }),
    lang: text('lang', { enum: ['en', 'zh-CN'] })
      .notNull()
      .default('en'),
    /** Set by an admin: visible to every department, not only its own. */
    shared: boolean('shared').notNull().default(false),
    searchA: text('search_a').notNull().default(''),
    searchB: text('search_b').notNull().default(''),
    search: tsvector('search').notNull().generatedAlwaysAs(searchVector),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('lessons_search_idx').using('gin', t.search),
    index('lessons_department_created_idx').on(t.departmentId, t.createdAt),
    index('lessons_campaign_idx').on(t.campaignId),
    index('lessons_shared_idx')
      .on(t.createdAt)
      .where(sql`${t.shared}`),
  ],
);

/**
 * Stored post-campaign reviews (复盘), one JSON document per campaign and version. A recompute (after late
 * data, say) adds a version and keeps the earlier ones, so two can be compared. `source` says who or what
 * asked for it (a person's name, or the flow's review node); `points` and `watermark` say which data it read.
 */
export const reviews = pgTable(
  'reviews',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    document: jsonb('document').notNull(),
    /** 'person' (by API), 'flow' (the review node) or 'first_read' (computed on the first GET). */
    trigger: text('trigger').notNull(),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    actor: text('actor').notNull(),
    runId: uuid('run_id').references(() => runs.id, { onDelete: 'set null' }),
    /** Hourly figures the review read, and the latest received_at among the campaign's points then (null: none). */
    points: integer('points').notNull(),
    watermark: timestamp('watermark', { withTimezone: true }),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
    /** The review node's execution that stored it: a retried activity finds this version instead of adding one. */
    executionKey: text('execution_key'),
  },
  (t) => [
    uniqueIndex('reviews_campaign_version_uq').on(t.campaignId, t.version),
    uniqueIndex('reviews_execution_key_uq')
      .on(t.executionKey)
      .where(sql`${t.executionKey} IS NOT NULL`),
    check('reviews_version_positive', sql`${t.version} > 0`),
  ],
);

/**
 * Work for a person or a role that a flow waits for (human.task, the review's lesson tasks). One row per assignee
 * of a node execution (`slot`), so an activity retry finds its rows instead of adding more. A role task belongs to
 * whoever holds the role in the department (or everywhere) when they act, not to a list fixed at creation.
 */
export const workTasks = pgTable(
  'work_tasks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    workflowId: text('workflow_id').notNull(),
    nodeId: text('node_id').notNull(),
    executionKey: text('execution_key').notNull(),
    slot: integer('slot').notNull(),
    kind: text('kind', { enum: ['task', 'lesson'] }).notNull(),
    title: text('title').notNull(),
    instructions: text('instructions').notNull().default(''),
    assigneeUserId: uuid('assignee_user_id').references(() => users.id, { onDelete: 'set null' }),
    assigneeRole: text('assignee_role', { enum: ROLES }),
    assigneeDepartmentId: uuid('assignee_department_id').references(() => departments.id, { onDelete: 'set null' }),
    campaignId: uuid('campaign_id').references(() => campaigns.id, { onDelete: 'set null' }),
    /** For a lesson: the KPI, channel and outcome it is about, as the form's starting values. */
    hints: jsonb('hints')
      .notNull()
      .default(sql`'{}'::jsonb`),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    remindEveryMs: bigint('remind_every_ms', { mode: 'number' }),
    status: text('status', { enum: ['open', 'done', 'timed_out', 'cancelled'] })
      .notNull()
      .default('open'),
    /** A lesson task: `{ lessonId }`; a plain task: `{ note }`. */
    result: jsonb('result'),
    completedBy: uuid('completed_by').references(() => users.id, { onDelete: 'set null' }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('work_tasks_execution_slot_idx').on(t.executionKey, t.slot),
    index('work_tasks_user_open_idx')
      .on(t.assigneeUserId, t.dueAt)
      .where(sql`${t.status} = 'open'`),
    index('work_tasks_role_open_idx')
      .on(t.assigneeRole, t.assigneeDepartmentId, t.dueAt)
      .where(sql`${t.status} = 'open'`),
    index('work_tasks_run_idx').on(t.runId),
    index('work_tasks_campaign_idx').on(t.campaignId),
    check('work_tasks_one_assignee', sql`(${t.assigneeUserId} IS NULL) <> (${t.assigneeRole} IS NULL)`),
    check('work_tasks_kind', sql`${t.kind} IN ('task', 'lesson')`),
    check('work_tasks_status', sql`${t.status} IN ('open', 'done', 'timed_out', 'cancelled')`),
  ],
);

export type FlowRow = typeof flows.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type CampaignRow = typeof campaigns.$inferSelect;
export type ApprovalTaskRow = typeof approvalTasks.$inferSelect;
export type FlowVersionRow = typeof flowVersions.$inferSelect;
export type RunRow = typeof runs.$inferSelect;
export type AlertRow = typeof alerts.$inferSelect;
export type SilenceRow = typeof silences.$inferSelect;
export type LessonRow = typeof lessons.$inferSelect;
export type ReviewRow = typeof reviews.$inferSelect;
export type WorkTaskRow = typeof workTasks.$inferSelect;
