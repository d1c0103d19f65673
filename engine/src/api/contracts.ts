import { z } from 'zod';
import { safeJsonSchema } from '@flightdeck/workflows';

/**
 * The API's request and response shapes. Routes validate against them and the OpenAPI
 * document is generated from them, so the two cannot drift.
 */
export const uuidParam = z.strictObject({ id: z.uuid({ message: 'Must be a UUID' }) });

/** The graph is checked by the flow validator, which reports node-level paths; here it only has to be an object. */
const graphField = z.record(z.string(), z.unknown()).meta({ description: 'A flow document: { schemaVersion, nodes, edges }' });

export const createFlowBody = z.strictObject({
  name: z.string().trim().min(1, 'A flow needs a name').max(200),
  description: z.string().max(5000).default(''),
  graph: graphField.optional(),
  departmentId: z.uuid({ message: 'Must be a UUID' }).nullable().optional().meta({ description: 'Owning department; yours if omitted' }),
});

export const updateFlowBody = z
  .strictObject({
    name: z.string().trim().min(1, 'A flow needs a name').max(200).optional(),
    description: z.string().max(5000).optional(),
    graph: graphField.optional(),
  })
  .refine((b) => b.name !== undefined || b.description !== undefined || b.graph !== undefined, { message: 'Nothing to update: send name, description or graph' });

export const publishBody = z.strictObject({ note: z.string().max(2000).default('') });

export const startRunBody = z.strictObject({
  input: safeJsonSchema.default({}).meta({ description: 'Run input; expressions read it as `input`' }),
  campaignId: z.uuid({ message: 'Must be a UUID' }).optional().meta({ description: 'The campaign this run belongs to; its snapshot is readable as `campaign`' }),
  version: z.number().int().min(1).max(2_147_483_647).optional().meta({ description: 'Version to run; the latest published one if omitted' }),
});

export const listRunsQuery = z.strictObject({
  flowId: z.uuid({ message: 'Must be a UUID' }).optional(),
  campaignId: z.uuid({ message: 'Must be a UUID' }).optional(),
  status: z.enum(['running', 'completed', 'failed', 'cancelled']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const issue = z.object({ path: z.string(), message: z.string(), code: z.string().optional(), nodeId: z.string().optional(), edgeId: z.string().optional() });

export const problemSchema = z
  .object({ type: z.string(), title: z.string(), status: z.number().int(), detail: z.string().optional(), errors: z.array(issue).optional() })
  .meta({ id: 'Problem' });

export const flowSummarySchema = z
  .object({ id: z.uuid(), name: z.string(), description: z.string(), departmentId: z.uuid().nullable(), createdAt: z.string(), updatedAt: z.string(), latestVersion: z.number().int().nullable() })
  .meta({ id: 'FlowSummary' });

export const flowSchema = flowSummarySchema
  .extend({ graph: z.record(z.string(), z.unknown()), issues: z.array(issue).meta({ description: 'Validator findings on the draft; publishing needs none' }) })
  .meta({ id: 'Flow' });

export const flowVersionSchema = z
  .object({ id: z.uuid(), flowId: z.uuid(), version: z.number().int(), note: z.string(), createdAt: z.string(), graph: z.record(z.string(), z.unknown()).optional() })
  .meta({ id: 'FlowVersion' });

const nodeState = z.object({
  status: z.enum(['pending', 'running', 'completed', 'failed', 'skipped', 'cancelled']),
  executions: z.number().int(),
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
  durationMs: z.number().optional(),
  handle: z.string().optional(),
  output: z.unknown().optional(),
  error: z.string().optional(),
});

export const runStateSchema = z
  .object({ status: z.enum(['running', 'completed', 'failed', 'cancelled']), startedAt: z.number(), endedAt: z.number().optional(), reason: z.string().optional(), nodes: z.record(z.string(), nodeState) })
  .meta({ id: 'RunState' });

export const runSchema = z
  .object({
    id: z.uuid(),
    flowId: z.uuid(),
    flowName: z.string().optional(),
    versionId: z.uuid(),
    version: z.number().int(),
    campaignId: z.uuid().nullable(),
    requestedBy: z.uuid().nullable(),
    status: z.enum(['running', 'completed', 'failed', 'cancelled']),
    input: z.unknown(),
    reason: z.string().nullable(),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    workflowId: z.string(),
    temporalRunId: z.string().nullable(),
    state: runStateSchema.nullable(),
    graph: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'Run' });

export const list = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  postgres: z.object({ ok: z.boolean(), latencyMs: z.number().optional(), error: z.string().optional() }),
  temporal: z.object({ ok: z.boolean(), address: z.string(), namespace: z.string(), latencyMs: z.number().optional(), error: z.string().optional() }),
});
