import { z } from 'zod';
import { flowSchemas, ANNOTATION_LIMITS, type FlowEdge, type FlowGroup, type FlowNode, type FlowNote } from '@flightdeck/workflows';
import { nextEdgeId, nextNodeId, CANVAS_NODE_TYPE, type CanvasEdge, type CanvasNode } from './graph.ts';
import { nextAnnotationId, notesToCanvas, notesToDocument, type GroupState, type NoteCanvasNode } from './annotations.ts';
import { renameRefs } from './nodeRefs.ts';

/**
 * A piece of a flow on the clipboard, as plain-text JSON, so it survives a chat message or an
 * e-mail between two people. What comes back from the clipboard is anyone's text: it is size
 * bounded before parsing and checked with the flow document's own node and edge schemas.
 */
export const FRAGMENT_FORMAT = 'flightdeck.fragment/1';
export const FRAGMENT_LIMITS = { chars: 256_000, nodes: 200, edges: 800 } as const;

const { flowEdgeSchema, flowGroupSchema, flowNodeSchema, flowNoteSchema, idSchema } = flowSchemas();
const fragmentSchema = z.object({
  format: z.literal(FRAGMENT_FORMAT),
  nodes: z.array(flowNodeSchema).max(FRAGMENT_LIMITS.nodes),
  // A hand-written fragment may leave edge ids out; they are renamed on paste anyway.
  edges: z
    .array(flowEdgeSchema.extend({ id: flowEdgeSchema.shape.id.optional(), source: idSchema, target: idSchema }))
    .max(FRAGMENT_LIMITS.edges)
    .default([]),
  // Notes and groups came later; a fragment without them is still a fragment.
  notes: z.array(flowNoteSchema).max(ANNOTATION_LIMITS.notes).default([]),
  groups: z.array(flowGroupSchema).max(ANNOTATION_LIMITS.groups).default([]),
});

export interface Fragment {
  nodes: FlowNode[];
  edges: Omit<FlowEdge, 'id'>[];
  notes?: FlowNote[];
  groups?: FlowGroup[];
}

export interface Placed {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  notes: NoteCanvasNode[];
  groups: GroupState[];
  /** Old id → new id, for every node, note and group that had to be renamed. */
  renamed: Map<string, string>;
}

export type ParsedFragment = { ok: true; fragment: Fragment } | { ok: false; reason: 'empty' | 'tooLarge' | 'notJson' | 'notFragment' };

/** The selected nodes and the edges between them, the selected notes and the groups wholly inside, as clipboard text. */
export function serializeFragment(
  nodes: readonly CanvasNode[],
  edges: readonly CanvasEdge[],
  notes: readonly NoteCanvasNode[] = [],
  groups: readonly FlowGroup[] = [],
): string {
  const ids = new Set(nodes.map((n) => n.id));
  const whole = groups.filter((g) => g.nodes.length && g.nodes.every((m) => ids.has(m)));
  return JSON.stringify({
    format: FRAGMENT_FORMAT,
    nodes: nodes.map((n) => ({
      id: n.id,
      type: n.data.type,
      ...(n.data.label ? { label: n.data.label } : {}),
      config: n.data.config,
      position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
    })),
    edges: edges
      .filter((e) => ids.has(e.source) && ids.has(e.target))
      .map((e) => ({ source: e.source, sourceHandle: e.sourceHandle ?? '', target: e.target })),
    ...(notes.length ? { notes: notesToDocument(notes) } : {}),
    ...(whole.length ? { groups: whole.map((g) => ({ id: g.id, label: g.label, nodes: g.nodes })) } : {}),
  });
}

/** Never throws: any text in, a fragment or the reason there is none out. */
export function parseFragment(text: string): ParsedFragment {
  const trimmed = text.trim();
  if (!trimmed) return { ok: false, reason: 'empty' };
  if (trimmed.length > FRAGMENT_LIMITS.chars) return { ok: false, reason: 'tooLarge' };
  // Pasted from a chat, the JSON may sit inside a code fence or between words: take the outermost braces.
  const start = trimmed.indexOf('{');
  const end = trimmed.lastIndexOf('}');
  if (start < 0 || end < start) return { ok: false, reason: 'notJson' };
  let raw: unknown;
  try {
    raw = JSON.parse(trimmed.slice(start, end + 1));
  } catch {
    // A syntax error, or a nesting deep enough to exhaust the parser's stack.
    return { ok: false, reason: 'notJson' };
  }
  const parsed = fragmentSchema.safeParse(raw);
  if (!parsed.success || parsed.data.nodes.length + parsed.data.notes.length === 0) return { ok: false, reason: 'notFragment' };
  const ids = new Set<string>();
  const nodes = parsed.data.nodes.filter((n) => (ids.has(n.id) ? false : (ids.add(n.id), true)));
  const edges = parsed.data.edges
    .filter((e) => ids.has(e.source) && ids.has(e.target) && e.source !== e.target)
    .map(({ source, sourceHandle, target }) => ({ source, sourceHandle, target }));
  // One id space for nodes, notes and groups, as in the document; a group keeps only the fragment's nodes, once each.
  const notes = parsed.data.notes.filter((n) => (ids.has(n.id) ? false : (ids.add(n.id), true)));
  const grouped = new Set<string>();
  const groups = parsed.data.groups
    .filter((g) => (ids.has(g.id) ? false : (ids.add(g.id), true)))
    .map((g) => ({ ...g, nodes: g.nodes.filter((m) => nodes.some((n) => n.id === m) && !grouped.has(m) && (grouped.add(m), true)) }))
    .filter((g) => g.nodes.length);
  return { ok: true, fragment: { nodes, edges, notes, groups } };
}

/**
 * The fragment as new canvas nodes and edges beside the existing ones: ids that are taken (by a node, note or group:
 * `taken.nodeIds` holds all three) get a fresh one, and every reference to a renamed node in the pasted configs
 * (`nodes.<id>.output…`), in its edges and in its groups follows it. Positions move by `offset`; edges to nodes outside
 * the fragment were already dropped. What is pasted comes selected, so the next move or delete acts on it.
 */
export function placeFragment(
  fragment: Fragment,
  taken: { nodeIds: Iterable<string>; edgeIds: Iterable<string> },
  offset: { x: number; y: number },
): Placed {
  const takenIds = new Set(taken.nodeIds);
  // A fresh id avoids the fragment's own ids too, so that a renamed node never lands on another pasted node's id.
  const usedNodes = new Set([
    ...takenIds,
    ...fragment.nodes.map((n) => n.id),
    ...(fragment.notes ?? []).map((n) => n.id),
    ...(fragment.groups ?? []).map((g) => g.id),
  ]);
  const usedEdges = new Set(taken.edgeIds);
  const rename = new Map<string, string>();
  const renamed = new Map<string, string>();
  const fresh = (id: string, make: () => string) => {
    const to = takenIds.has(id) ? make() : id;
    usedNodes.add(to);
    rename.set(id, to);
    if (to !== id) renamed.set(id, to);
    return to;
  };
  const ids = fragment.nodes.map((n) => fresh(n.id, () => nextNodeId(n.type, usedNodes)));
  const nodes = fragment.nodes.map((n, i): CanvasNode => ({
    id: ids[i]!,
    type: CANVAS_NODE_TYPE,
    position: { x: clamp(n.position.x + offset.x), y: clamp(n.position.y + offset.y) },
    data: { type: n.type, ...(n.label !== undefined ? { label: n.label } : {}), config: renameRefs(n.config, renamed) },
    selected: true,
  }));
  const notes = notesToCanvas(
    (fragment.notes ?? []).map((n) => ({
      ...n,
      id: fresh(n.id, () => nextAnnotationId('note', usedNodes)),
      position: { x: clamp(n.position.x + offset.x), y: clamp(n.position.y + offset.y) },
    })),
  ).map((n) => ({ ...n, selected: true }));
  const groups = (fragment.groups ?? [])
    .map((g) => ({
      id: fresh(g.id, () => nextAnnotationId('group', usedNodes)),
      label: g.label,
      nodes: g.nodes.map((m) => rename.get(m)).filter((m): m is string => !!m && ids.includes(m)),
    }))
    .filter((g) => g.nodes.length);
  const edges: CanvasEdge[] = [];
  const seen = new Set<string>();
  for (const e of fragment.edges) {
    const source = rename.get(e.source);
    const target = rename.get(e.target);
    const key = `${source}\u0000${e.sourceHandle}\u0000${target}`;
    if (!source || !target || seen.has(key)) continue;
    seen.add(key);
    const id = nextEdgeId(usedEdges);
    usedEdges.add(id);
    edges.push({ id, source, sourceHandle: e.sourceHandle, target });
  }
  return { nodes, edges, notes, groups, renamed };
}

const clamp = (v: number) => Math.max(-1e6, Math.min(1e6, Math.round(v)));
