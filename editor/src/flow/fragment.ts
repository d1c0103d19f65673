import { z } from 'zod';
import { flowEdgeSchema, flowNodeSchema, idSchema, type FlowEdge, type FlowNode } from '@flightdeck/workflows';
import { nextEdgeId, nextNodeId, CANVAS_NODE_TYPE, type CanvasEdge, type CanvasNode } from './graph.ts';

/**
 * A piece of a flow on the clipboard, as plain-text JSON, so it survives a chat message or an
 * e-mail between two people. What comes back from the clipboard is anyone's text: it is size
 * bounded before parsing and checked with the flow document's own node and edge schemas.
 */
export const FRAGMENT_FORMAT = 'flightdeck.fragment/1';
export const FRAGMENT_LIMITS = { chars: 256_000, nodes: 200, edges: 800 } as const;

const fragmentSchema = z.object({
  format: z.literal(FRAGMENT_FORMAT),
  nodes: z.array(flowNodeSchema).min(1).max(FRAGMENT_LIMITS.nodes),
  // A hand-written fragment may leave edge ids out; they are renamed on paste anyway.
  edges: z
    .array(flowEdgeSchema.extend({ id: flowEdgeSchema.shape.id.optional(), source: idSchema, target: idSchema }))
    .max(FRAGMENT_LIMITS.edges)
    .default([]),
});

export interface Fragment {
  nodes: FlowNode[];
  edges: Omit<FlowEdge, 'id'>[];
}

export type ParsedFragment = { ok: true; fragment: Fragment } | { ok: false; reason: 'empty' | 'tooLarge' | 'notJson' | 'notFragment' };

/** The selected nodes and the edges between them, as clipboard text. */
export function serializeFragment(nodes: readonly CanvasNode[], edges: readonly CanvasEdge[]): string {
  const ids = new Set(nodes.map((n) => n.id));
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
  if (!parsed.success) return { ok: false, reason: 'notFragment' };
  const ids = new Set<string>();
  const nodes = parsed.data.nodes.filter((n) => (ids.has(n.id) ? false : (ids.add(n.id), true)));
  const edges = parsed.data.edges
    .filter((e) => ids.has(e.source) && ids.has(e.target) && e.source !== e.target)
    .map(({ source, sourceHandle, target }) => ({ source, sourceHandle, target }));
  return { ok: true, fragment: { nodes, edges } };
}

/**
 * The fragment as new canvas nodes and edges beside the existing ones: ids that are taken get a
 * fresh one, positions move by `offset`, edges to nodes outside the fragment were already dropped.
 * Pasted nodes come selected, so the next move or delete acts on them.
 */
export function placeFragment(
  fragment: Fragment,
  taken: { nodeIds: Iterable<string>; edgeIds: Iterable<string> },
  offset: { x: number; y: number },
): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  const usedNodes = new Set(taken.nodeIds);
  const usedEdges = new Set(taken.edgeIds);
  const rename = new Map<string, string>();
  const nodes = fragment.nodes.map((n): CanvasNode => {
    const id = usedNodes.has(n.id) ? nextNodeId(n.type, usedNodes) : n.id;
    usedNodes.add(id);
    rename.set(n.id, id);
    return {
      id,
      type: CANVAS_NODE_TYPE,
      position: { x: clamp(n.position.x + offset.x), y: clamp(n.position.y + offset.y) },
      data: { type: n.type, ...(n.label !== undefined ? { label: n.label } : {}), config: structuredClone(n.config) },
      selected: true,
    };
  });
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
  return { nodes, edges };
}

const clamp = (v: number) => Math.max(-1e6, Math.min(1e6, Math.round(v)));
