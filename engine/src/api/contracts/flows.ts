import { z } from 'zod';
import { flowSchemas, FLOW_LIMITS, type FlowDiff, type FlowDocumentInput } from '@flightdeck/workflows';
import { fieldErrorSchema, timestamp, type Assert, type SameShape } from './common.ts';
import { schemaMessage } from '@flightdeck/workflows';

/** The graph is checked by the flow validator, which reports node-level paths; here it only has to be an object. */
const graphField = z
  .record(z.string(), z.unknown())
  .meta({ description: 'A flow document: { schemaVersion, nodes, edges, notes?, groups? }' });

export const createFlowBody = z.strictObject({
  name: z.string().trim().min(1, schemaMessage('flow_needs_name')).max(200),
  description: z.string().max(5000).default(''),
  graph: graphField.optional(),
  departmentId: z
    .uuid({ message: schemaMessage('must_be_uuid') })
    .nullable()
    .optional()
    .meta({ description: 'Owning department; yours if omitted' }),
});

export const updateFlowBody = z
  .strictObject({
    name: z.string().trim().min(1, schemaMessage('flow_needs_name')).max(200).optional(),
    description: z.string().max(5000).optional(),
    graph: graphField.optional(),
  })
  .refine((b) => b.name !== undefined || b.description !== undefined || b.graph !== undefined, {
    message: schemaMessage('flow_patch_empty'),
  });

export const publishBody = z.strictObject({ note: z.string().max(2000).default('') });

export const templateFlowBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  departmentId: z.uuid().nullable().optional(),
});

/**
 * A flow document as it was sent: drafts are stored as the designer saved them, so a node's
 * config and position (and the schemaVersion) may be missing. Published versions fill them in.
 */
const { flowDocumentSchema, flowNodeSchema, positionSchema } = flowSchemas();
export const flowGraphSchema = flowDocumentSchema
  .extend({
    schemaVersion: z.literal(1).optional(),
    nodes: z
      .array(flowNodeSchema.extend({ config: z.record(z.string(), z.unknown()).optional(), position: positionSchema.optional() }))
      .max(FLOW_LIMITS.nodes),
  })
  .meta({ id: 'FlowDocument' });
type _GraphIsTheDocument = Assert<SameShape<z.output<typeof flowGraphSchema>, FlowDocumentInput>>;

export const flowSummarySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    departmentId: z.uuid().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
    latestVersion: z.number().int().nullable(),
    revision: z.number().int().meta({ description: "The draft's revision, also its ETag; send it back in If-Match to save safely" }),
  })
  .meta({ id: 'FlowSummary' });

export const flowSchema = flowSummarySchema
  .extend({
    graph: flowGraphSchema,
    issues: z.array(fieldErrorSchema).meta({ description: 'Validator findings on the draft; publishing needs none' }),
  })
  .meta({ id: 'Flow' });

export const flowVersionSchema = z
  .object({
    id: z.uuid(),
    flowId: z.uuid(),
    version: z.number().int(),
    note: z.string(),
    createdAt: timestamp,
    createdBy: z
      .object({ id: z.uuid(), name: z.string() })
      .nullable()
      .meta({ description: 'Who published it; null for versions published before authors were recorded' }),
  })
  .meta({ id: 'FlowVersion' });

const versionNumber = z.coerce
  .number({ message: schemaMessage('version_number') })
  .int(schemaMessage('version_number'))
  .min(1, schemaMessage('version_from_one'))
  .max(2_147_483_647, schemaMessage('no_such_version'));
export const versionParam = z.strictObject({ id: z.uuid({ message: schemaMessage('must_be_uuid') }), n: versionNumber });
export const versionDiffParams = z.strictObject({
  id: z.uuid({ message: schemaMessage('must_be_uuid') }),
  a: versionNumber,
  b: versionNumber,
});

const fieldChangeSchema = z.object({
  path: z.string().meta({ description: 'Dotted path from the node: config.subject, config.to.0, label, type' }),
  before: z.unknown().optional().meta({ description: 'Absent when the field did not exist on that side' }),
  after: z.unknown().optional(),
});
const edgeRefSchema = z.object({ id: z.string(), source: z.string(), sourceHandle: z.string(), target: z.string() });
const annotationDiffSchema = z.object({
  added: z.array(z.string()),
  removed: z.array(z.string()),
  changed: z.array(z.string()).meta({ description: "A note's text or colour, a group's label or members" }),
  moved: z.array(z.string()).meta({ description: 'Notes moved or resized; groups have no position of their own' }),
});
export const flowDiffSchema = z
  .object({
    nodes: z.object({
      added: z.array(z.string()),
      removed: z.array(z.string()),
      changed: z.array(z.object({ id: z.string(), fields: z.array(fieldChangeSchema), truncated: z.literal(true).optional() })),
      moved: z.array(z.string()).meta({ description: 'Nodes whose position alone changed' }),
    }),
    edges: z.object({ added: z.array(edgeRefSchema), removed: z.array(edgeRefSchema) }),
    notes: annotationDiffSchema.meta({ description: 'Sticky notes, by id; never executed' }),
    groups: annotationDiffSchema.meta({ description: 'Node groups (frames), by id; never executed' }),
  })
  .meta({ id: 'FlowDiff' });
type _DiffIsTheDiff = Assert<SameShape<z.output<typeof flowDiffSchema>, FlowDiff>>;

export const versionDiffSchema = z
  .object({
    from: z.object({ version: z.number().int(), graph: flowGraphSchema }),
    to: z.object({ version: z.number().int(), graph: flowGraphSchema }),
    diff: flowDiffSchema,
  })
  .meta({ id: 'FlowVersionDiff' });

/** Temporal's overlap policies, by the names a schedule trigger's config uses. */
export const OVERLAP_POLICIES = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'] as const;

export const flowScheduleSchema = z
  .object({
    scheduleId: z.string(),
    version: z.number().int().nullable(),
    cron: z.string().nullable(),
    timezone: z.string().nullable(),
    overlap: z.enum(OVERLAP_POLICIES),
    catchupWindowMs: z.number().int(),
    paused: z.boolean(),
    nextRuns: z.array(timestamp),
    recentRuns: z.array(
      z.object({
        at: timestamp,
        workflowId: z.string(),
        runId: z.uuid().nullable().meta({ description: 'Once the run has recorded itself' }),
      }),
    ),
  })
  .meta({ id: 'FlowSchedule' });

export const scheduleAnswerSchema = z.object({ schedule: flowScheduleSchema.nullable() });
export const unpublishedSchema = z.object({ scheduleRemoved: z.boolean() });

/** A flow to start from; its name and description in English, with translations by locale. */
export const flowTemplateSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    text: z.partialRecord(z.enum(['en', 'zh-CN']), z.object({ name: z.string(), description: z.string() })),
    graph: flowGraphSchema,
  })
  .meta({ id: 'FlowTemplate' });

/** A flow's inbound webhook signing secret, shown once. */
export const hookSecretSchema = z.object({
  secret: z.string(),
  url: z.string().meta({ description: 'The path to POST signed events to' }),
});

/** What the inbound hook answers a signed event with. */
export const hookAcceptedSchema = z.object({
  runId: z.uuid(),
  duplicate: z.boolean().meta({ description: 'This webhook-id was seen before; runId is the run it started' }),
  location: z.string(),
});
