import { z } from 'zod';
import { FORBIDDEN_KEYS } from './json.ts';
import { lazily } from './lazy.ts';

/**
 * The flow document: what the editor draws, the API stores and a run carries in its input.
 * Node configs are checked against their node type's own schema by the validator; here they
 * are only required to be objects.
 */
export const FLOW_LIMITS = { nodes: 500, edges: 2000, documentBytes: 1_000_000 } as const;

const NODE_ID = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** A node id as the document allows it (a function, since a frozen RegExp cannot match: see temporal/freeze-ready.ts). */
export const isNodeId = (id: string): boolean => NODE_ID.test(id);

/**
 * Annotations: sticky notes and node groups. They are saved with the document (and so frozen with a published version
 * and covered by its hash) but are never executed: the interpreter only walks `nodes` and `edges`. Both keys are
 * optional and left out when empty, so a flow drawn before they existed validates and hashes exactly as it did.
 */
export const ANNOTATION_LIMITS = { notes: 100, noteChars: 4000, groups: 50, groupLabel: 120 } as const;
export const NOTE_COLORS = ['yellow', 'blue', 'green', 'pink', 'grey'] as const;
export type NoteColor = (typeof NOTE_COLORS)[number];
export const NOTE_SIZE = { min: 80, max: 2000, width: 240, height: 160 } as const;

/**
 * The document's schemas, built on first use (see lazy.ts). A function, not values, because a workflow worker shares
 * this module between runs and freezes what it exports, and a frozen zod schema cannot parse (see
 * temporal/freeze-ready.ts).
 */
export const flowSchemas = lazily(() => {
  const idSchema = z
    .string()
    .regex(NODE_ID, 'Use 1–64 letters, digits or underscores, starting with a letter or underscore')
    .refine((id) => !FORBIDDEN_KEYS.has(id), 'This id is reserved; choose another');

  const positionSchema = z.strictObject({
    x: z.number().finite().min(-1e6).max(1e6),
    y: z.number().finite().min(-1e6).max(1e6),
  });

  const flowNodeSchema = z.strictObject({
    id: idSchema,
    type: z.string().min(1).max(64),
    label: z.string().max(200).optional(),
    config: z.record(z.string(), z.unknown()).default({}),
    position: positionSchema.default({ x: 0, y: 0 }),
  });

  const flowEdgeSchema = z.strictObject({
    id: z.string().min(1).max(128),
    source: idSchema,
    sourceHandle: z.string().min(1).max(64),
    target: idSchema,
  });

  const noteLength = z.number().finite().min(NOTE_SIZE.min).max(NOTE_SIZE.max);
  const flowNoteSchema = z.strictObject({
    id: idSchema,
    /** Plain text; the editor renders a little markdown (headings, lists, bold) itself, never as HTML. */
    text: z.string().max(ANNOTATION_LIMITS.noteChars),
    color: z.enum(NOTE_COLORS),
    position: positionSchema,
    size: z.strictObject({ width: noteLength, height: noteLength }),
  });

  // Every field required (no defaults): a draft's note is the published one, and input and output types are the same.

  /**
   * A labelled frame around some nodes. It names its members instead of being their parent: node positions stay
   * absolute, so the engine, auto-layout, align and the version diff see the same coordinates whether or not a node
   * is grouped, and the frame's bounds are derived from its members wherever it is drawn.
   */
  const flowGroupSchema = z.strictObject({
    id: idSchema,
    label: z.string().max(ANNOTATION_LIMITS.groupLabel),
    nodes: z.array(idSchema).min(1).max(FLOW_LIMITS.nodes),
  });

  const flowDocumentSchema = z.strictObject({
    schemaVersion: z.literal(1).default(1),
    nodes: z.array(flowNodeSchema).max(FLOW_LIMITS.nodes),
    edges: z.array(flowEdgeSchema).max(FLOW_LIMITS.edges),
    notes: z.array(flowNoteSchema).max(ANNOTATION_LIMITS.notes).optional(),
    groups: z.array(flowGroupSchema).max(ANNOTATION_LIMITS.groups).optional(),
  });
  return { idSchema, positionSchema, flowNodeSchema, flowEdgeSchema, flowNoteSchema, flowGroupSchema, flowDocumentSchema };
});
type FlowSchemas = ReturnType<typeof flowSchemas>;

export type FlowNode = z.infer<FlowSchemas['flowNodeSchema']>;
export type FlowEdge = z.infer<FlowSchemas['flowEdgeSchema']>;
export type FlowNote = z.infer<FlowSchemas['flowNoteSchema']>;
export type FlowGroup = z.infer<FlowSchemas['flowGroupSchema']>;
export type FlowDocument = z.infer<FlowSchemas['flowDocumentSchema']>;
export type FlowDocumentInput = z.input<FlowSchemas['flowDocumentSchema']>;
