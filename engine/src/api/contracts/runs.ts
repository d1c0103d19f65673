import { z } from 'zod';
import { instantSchema, safeJsonSchema, type RunState } from '@flightdeck/workflows';
import { cursorParam, timestamp, type Assert, type SameShape } from './common.ts';
import { flowGraphSchema } from './flows.ts';
import { schemaMessage } from '@flightdeck/workflows';

export const RUN_STATUSES = ['running', 'completed', 'failed', 'cancelled'] as const;

export const startRunBody = z.strictObject({
  input: safeJsonSchema().default({}).meta({ description: 'Run input; expressions read it as `input`' }),
  campaignId: z
    .uuid({ message: schemaMessage('must_be_uuid') })
    .optional()
    .meta({ description: 'The campaign this run belongs to; its snapshot is readable as `campaign`' }),
  version: z
    .number()
    .int()
    .min(1)
    .max(2_147_483_647)
    .optional()
    .meta({ description: 'Version to run; the latest published one if omitted' }),
});

export const RUN_PAGE_MAX = 200;
/** The search text's bound: it is matched against each run's input, so its cost grows with it. */
export const RUN_SEARCH_MAX = 100;

export const listRunsQuery = z
  .strictObject({
    flowId: z.uuid({ message: schemaMessage('must_be_uuid') }).optional(),
    campaignId: z.uuid({ message: schemaMessage('must_be_uuid') }).optional(),
    status: z.enum(RUN_STATUSES).optional(),
    version: z.coerce
      .number({ message: schemaMessage('version_number') })
      .int('A whole version number')
      .min(1, schemaMessage('version_from_one'))
      .max(2_147_483_647, schemaMessage('no_such_version'))
      .optional()
      .meta({ description: 'Runs of this version number (of any flow, so usually with flowId)' }),
    startedFrom: instantSchema().optional().meta({ description: 'Started at or after (ISO 8601 with a zone)' }),
    startedTo: instantSchema().optional().meta({ description: 'Started before (ISO 8601 with a zone)' }),
    q: z.string().trim().min(1, schemaMessage('search_empty')).max(RUN_SEARCH_MAX, `At most ${RUN_SEARCH_MAX} characters`).optional().meta({
      description:
        "Text found anywhere in the run's input JSON (keys or values), ignoring case; taken literally (% and _ are not wildcards)",
    }),
    limit: z.coerce.number().int().min(1).max(RUN_PAGE_MAX).default(50),
    cursor: cursorParam,
  })
  .refine((q) => !q.startedFrom || !q.startedTo || Date.parse(q.startedFrom) < Date.parse(q.startedTo), {
    path: ['startedTo'],
    message: schemaMessage('after_field', { field: 'startedFrom' }),
  });

const nodeState = z.object({
  status: z.enum(['pending', 'running', 'completed', 'failed', 'skipped', 'cancelled']),
  executions: z.number().int(),
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
  durationMs: z.number().optional(),
  handle: z.string().optional(),
  output: z.json().optional(),
  error: z.string().optional(),
  detail: z
    .json()
    .optional()
    .meta({ description: "What a waiting node shows while it waits: an approval's votes, reminders and escalations" }),
});

export const runStateSchema = z
  .object({
    status: z.enum(RUN_STATUSES),
    startedAt: z.number(),
    endedAt: z.number().optional(),
    reason: z.string().optional(),
    nodes: z.record(z.string(), nodeState),
  })
  .meta({ id: 'RunState' });
type _RunStateIsTheInterpreters = Assert<SameShape<z.output<typeof runStateSchema>, RunState>>;

const runFields = {
  id: z.uuid(),
  flowId: z.uuid(),
  versionId: z.uuid(),
  version: z.number().int(),
  campaignId: z
    .uuid()
    .nullable()
    .meta({ description: "The campaign the run was started against; its snapshot is in the run's input as `campaign`" }),
  requestedBy: z.uuid().nullable().meta({ description: 'Who started it; null for an event or a schedule' }),
  status: z.enum(RUN_STATUSES),
  input: z.json(),
  reason: z.string().nullable(),
  startedAt: timestamp,
  endedAt: timestamp.nullable(),
  workflowId: z.string(),
  temporalRunId: z.string().nullable(),
  rerunOf: z.uuid().nullable().meta({ description: 'A re-run: the run whose version, input and campaign it repeats' }),
};

const runLink = { runId: z.uuid(), nodeId: z.string(), flowId: z.uuid(), flowName: z.string(), status: z.enum(RUN_STATUSES) };

export const runParentSchema = z
  .object(runLink)
  .nullable()
  .meta({ id: 'RunParent', description: 'The run whose sub-flow node (`nodeId`) started this one; null for a top-level run' });

export const runChildSchema = z
  .object({ ...runLink, version: z.number().int(), startedAt: timestamp })
  .meta({ id: 'RunChild', description: "A run one of this run's sub-flow nodes (`nodeId`) started" });

export const runRerunSchema = z
  .object({ runId: z.uuid(), status: z.enum(RUN_STATUSES), startedAt: timestamp, requestedBy: z.uuid().nullable() })
  .meta({ id: 'RunRerun', description: 'A later run that repeats this one (POST /api/runs/{id}/rerun)' });

/** One run with its per-node state and the graph of the version it runs. */
export const runSchema = z
  .object({
    ...runFields,
    parent: runParentSchema,
    children: z.array(runChildSchema).max(200),
    reruns: z.array(runRerunSchema).max(50).meta({ description: 'The latest 50 re-runs of this run, newest first' }),
    temporalUiUrl: z
      .string()
      .nullable()
      .meta({ description: "This run's workflow in the Temporal web UI; null when no UI is configured (TEMPORAL_UI_URL)" }),
    flowName: z.string().optional().meta({ description: 'Not sent when the run has just started' }),
    state: runStateSchema.nullable(),
    graph: flowGraphSchema,
  })
  .meta({ id: 'Run' });

/** The run view's stream: the run as it is now, without the graph (read once with the run; it never changes). */
export const runLiveSchema = runSchema.omit({ graph: true }).meta({ id: 'RunLive' });

/** A run in a list: no graph, and no node state (read the run for those). */
export const runSummarySchema = z.object({ ...runFields, flowName: z.string(), state: z.null() }).meta({ id: 'RunSummary' });

export const runPageSchema = z
  .object({
    items: z.array(runSummarySchema),
    nextCursor: z.string().nullable().meta({ description: 'Pass as cursor for the next page; null on the last one' }),
  })
  .meta({ id: 'RunPage' });

/** Each activity the run's workflow called: the run view's attempts per node. */
export const runActivitiesSchema = z
  .object({
    items: z
      .array(
        z.object({
          activityType: z.string(),
          nodeId: z
            .string()
            .nullable()
            .meta({ description: 'The node whose execution key its arguments carry; null when they carry none' }),
          execution: z.number().int().nullable(),
          status: z.enum(['scheduled', 'running', 'completed', 'failed', 'timed_out', 'cancelled']),
          attempts: z.number().int().meta({ description: 'The attempt it closed on (0 while none has closed)' }),
          error: z.string().nullable(),
          scheduledAt: timestamp.nullable(),
          closedAt: timestamp.nullable(),
        }),
      )
      .max(1000),
    available: z.boolean().meta({ description: 'false when Temporal no longer keeps the run (past its retention)' }),
    truncated: z.boolean(),
  })
  .meta({ id: 'RunActivities' });

export const RERUN_REASON_MAX = 500;

/** Retry and re-run ask for nothing but may say why; the audit entry keeps it. */
export const runActionBody = z.strictObject({
  reason: z
    .string()
    .trim()
    .max(RERUN_REASON_MAX, `At most ${RERUN_REASON_MAX} characters`)
    .optional()
    .meta({ description: 'Why, for the audit log' }),
});

export const DELIVERY_STATUSES = ['held', 'sending', 'sent', 'unconfirmed', 'failed'] as const;

/** One message of a run, from the delivery ledger. */
const holdReason = z.enum(['quiet_hours', 'rate_limit', 'paused']);

export const deliverySchema = z
  .object({
    id: z.uuid(),
    nodeId: z.string().nullable(),
    recipient: z.string(),
    recipientName: z.string().nullable(),
    channel: z.string().meta({ description: 'The channel kind at the time ("wecom", "email", "in-app")' }),
    connectionId: z.uuid().nullable(),
    connectionName: z.string().nullable(),
    status: z.enum(DELIVERY_STATUSES),
    reason: holdReason.nullable().meta({ description: 'Why a held message waits' }),
    notBefore: timestamp.nullable().meta({ description: 'A held message waits until then (null: until its channel is resumed)' }),
    wasHeld: z
      .object({ reason: holdReason, until: timestamp.nullable() })
      .nullable()
      .meta({ description: 'No longer held: the last hold it waited out before it went out (until null: until the channel resumed)' }),
    attempts: z.number().int(),
    sentAt: timestamp.nullable(),
    error: z.string().nullable(),
    resendOf: z.uuid().nullable().meta({ description: 'A manual resend: the unconfirmed delivery it repeats' }),
    resendable: z.boolean().meta({
      description: 'Unconfirmed, with its rendered message and connection recorded: POST /api/deliveries/{id}/resend may send it again',
    }),
    createdAt: timestamp,
  })
  .meta({ id: 'Delivery' });

export const runDeliveriesSchema = z.object({
  items: z.array(deliverySchema),
  counts: z
    .partialRecord(z.enum(DELIVERY_STATUSES), z.number().int())
    .meta({ description: 'Every message of the run by status, beyond the ones listed' }),
  total: z.number().int(),
});
