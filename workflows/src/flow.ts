import { z } from 'zod';
import { FORBIDDEN_KEYS } from './json.ts';

/**
 * The flow document: what the editor draws, the API stores and a run carries in its input.
 * Node configs are checked against their node type's own schema by the validator; here they
 * are only required to be objects.
 */
export const FLOW_LIMITS = { nodes: 500, edges: 2000, documentBytes: 1_000_000 } as const;

export const NODE_ID = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const idSchema = z
  .string()
  .regex(NODE_ID, 'Use 1–64 letters, digits or underscores, starting with a letter or underscore')
  .refine((id) => !FORBIDDEN_KEYS.has(id), 'This id is reserved; choose another');

export const positionSchema = z.strictObject({
  x: z.number().finite().min(-1e6).max(1e6),
  y: z.number().finite().min(-1e6).max(1e6),
});

export const flowNodeSchema = z.strictObject({
  id: idSchema,
  type: z.string().min(1).max(64),
  label: z.string().max(200).optional(),
  config: z.record(z.string(), z.unknown()).default({}),
  position: positionSchema.default({ x: 0, y: 0 }),
});

export const flowEdgeSchema = z.strictObject({
  id: z.string().min(1).max(128),
  source: idSchema,
  sourceHandle: z.string().min(1).max(64),
  target: idSchema,
});

export const flowDocumentSchema = z.strictObject({
  schemaVersion: z.literal(1).default(1),
  nodes: z.array(flowNodeSchema).max(FLOW_LIMITS.nodes),
  edges: z.array(flowEdgeSchema).max(FLOW_LIMITS.edges),
});

export type FlowNode = z.infer<typeof flowNodeSchema>;
export type FlowEdge = z.infer<typeof flowEdgeSchema>;
export type FlowDocument = z.infer<typeof flowDocumentSchema>;
export type FlowDocumentInput = z.input<typeof flowDocumentSchema>;
