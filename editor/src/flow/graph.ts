import type { Edge, Node, XYPosition } from '@xyflow/react';
import type { FlowDocument, FlowDocumentInput } from '@flightdeck/workflows';
import { handlesFor, initialConfig, nodeTypes } from '../catalogue.ts';
import { groupsToDocument, notesToCanvas, notesToDocument, type GroupState, type NoteCanvasNode } from './annotations.ts';

/** What a canvas node carries: the flow node minus id and position, which React Flow owns. */
export type FlowNodeData = {
  type: string;
  label?: string;
  config: Record<string, unknown>;
};

export type CanvasNode = Node<FlowNodeData, 'flow'>;
export type CanvasEdge = Edge;

export const CANVAS_NODE_TYPE = 'flow' as const;

/** Accepts a document as sent (a draft may leave config and position out). */
export function toCanvas(doc: FlowDocumentInput): {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  notes: NoteCanvasNode[];
  groups: GroupState[];
} {
  return {
    notes: notesToCanvas(doc.notes),
    groups: (doc.groups ?? []).map((g) => ({ ...g, nodes: [...g.nodes] })),
    nodes: doc.nodes.map((n) => ({
      id: n.id,
      type: CANVAS_NODE_TYPE,
      position: { x: n.position?.x ?? 0, y: n.position?.y ?? 0 },
      data: { type: n.type, ...(n.label !== undefined ? { label: n.label } : {}), config: n.config ?? {} },
    })),
    edges: doc.edges.map((e) => ({ id: e.id, source: e.source, sourceHandle: e.sourceHandle, target: e.target })),
  };
}

/** Notes and groups are left out when there are none, so a flow without them saves as it always did. */
export function toDocument(
  nodes: readonly CanvasNode[],
  edges: readonly CanvasEdge[],
  notes: readonly NoteCanvasNode[] = [],
  groups: readonly GroupState[] = [],
): FlowDocument {
  const savedGroups = groupsToDocument(groups, nodes);
  return {
    schemaVersion: 1,
    nodes: nodes.map((n) => ({
      id: n.id,
      type: n.data.type,
      ...(n.data.label ? { label: n.data.label } : {}),
      config: n.data.config,
      // Whole pixels: sub-pixel drag noise would otherwise mark every flow as changed.
      position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
    })),
    edges: edges.map((e) => ({ id: e.id, source: e.source, sourceHandle: e.sourceHandle ?? '', target: e.target })),
    ...(notes.length ? { notes: notesToDocument(notes) } : {}),
    ...(savedGroups.length ? { groups: savedGroups } : {}),
  };
}

/** `channel.webhook` → `webhook_3`: readable, valid as a node id and as a CEL identifier in `nodes.<id>`. */
export function nextNodeId(type: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  let base = (type.split('.').pop() ?? 'node').replace(/[^A-Za-z0-9_]/g, '_').slice(0, 50);
  if (!/^[A-Za-z_]/.test(base)) base = `n_${base}`;
  for (let i = 1; ; i++) {
    const id = `${base}_${i}`;
    if (!used.has(id)) return id;
  }
}

export function nextEdgeId(taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let i = 1; ; i++) {
    const id = `e_${i}`;
    if (!used.has(id)) return id;
  }
}

/** The graph a new flow starts with: one trigger, preferably the manual one. */
export function initialGraph(): FlowDocument {
  const triggers = nodeTypes().filter((d) => d.family === 'trigger');
  const trigger = triggers.find((d) => d.type === 'trigger.manual') ?? triggers[0];
  if (!trigger) return { schemaVersion: 1, nodes: [], edges: [] };
  return {
    schemaVersion: 1,
    nodes: [{ id: nextNodeId(trigger.type, []), type: trigger.type, config: initialConfig(trigger.type), position: { x: 80, y: 160 } }],
    edges: [],
  };
}

const NEW_NODE = { width: 220, height: 90 };
const GAP = 24;

/** The nearest spot at or below `p` where a new node would not cover an existing one. */
export function freeSpot(p: XYPosition, nodes: readonly CanvasNode[]): XYPosition {
  let q = { x: Math.round(p.x), y: Math.round(p.y) };
  for (let tries = 0; tries < 40; tries++) {
    const blocker = nodes.find((n) => {
      const w = n.measured?.width ?? NEW_NODE.width;
      const h = n.measured?.height ?? NEW_NODE.height;
      return (
        q.x < n.position.x + w + GAP &&
        q.x + NEW_NODE.width + GAP > n.position.x &&
        q.y < n.position.y + h + GAP &&
        q.y + NEW_NODE.height + GAP > n.position.y
      );
    });
    if (!blocker) return q;
    q = { x: q.x, y: Math.round(blocker.position.y + (blocker.measured?.height ?? NEW_NODE.height) + GAP + 8) };
  }
  return q;
}

/** Per node, the handles its outgoing edges name that its config no longer offers. */
export function orphanHandles(nodes: readonly CanvasNode[], edges: readonly CanvasEdge[]): Map<string, string[]> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out = new Map<string, string[]>();
  for (const e of edges) {
    const node = byId.get(e.source);
    const handle = e.sourceHandle ?? '';
    if (!node || handlesFor(node.data.type, node.data.config).includes(handle)) continue;
    const list = out.get(node.id) ?? [];
    if (!list.includes(handle)) out.set(node.id, [...list, handle]);
  }
  return out;
}
