import type { XYPosition } from '@xyflow/react';
import type { ElkNode } from 'elkjs/lib/elk-api';
import { handlesFor } from '../catalogue.ts';
import { FRAME_PAD, notesCarriedByFrames, type GroupState, type NoteCanvasNode } from './annotations.ts';
import type { CanvasEdge, CanvasNode } from './graph.ts';

const DEFAULT = { width: 220, height: 90 };

// On the root and on every group's compound node: ELK reads spacing per parent, so a group's members would otherwise
// sit at ELK's defaults, closer than the rest of the flow. (Model order stays on the root alone: on a compound node
// elkjs 0.12 throws for a group whose members have no edges.)
const SPACING = { 'elk.spacing.nodeNode': '48', 'elk.layered.spacing.nodeNodeBetweenLayers': '96' };

/**
 * The canvas as an ELK graph laid out left to right. Each output handle is a port on the east
 * side in the order the node draws them (FIXED_ORDER), so a condition's `true` branch ends up
 * above its `false` one and edges do not cross at the node that forks them.
 *
 * A group is a compound node holding its members, padded as its frame is drawn (FRAME_PAD), and laid out in one pass
 * with the rest (INCLUDE_CHILDREN): its members stay together inside the frame, and the other nodes go around it.
 */
export function elkGraph(nodes: readonly CanvasNode[], edges: readonly CanvasEdge[], groups: readonly GroupState[] = []): ElkNode {
  const ids = new Set(nodes.map((n) => n.id));
  const extra = new Map<string, string[]>();
  for (const e of edges) {
    const h = e.sourceHandle ?? '';
    const list = extra.get(e.source) ?? [];
    if (!list.includes(h)) extra.set(e.source, [...list, h]);
  }
  const elkNode = (n: CanvasNode): ElkNode => {
    const handles = handlesFor(n.data.type, n.data.config);
    // Edges from handles the config no longer offers (orphans) still get a port, after the real ones.
    const all = [...handles, ...(extra.get(n.id) ?? []).filter((h) => !handles.includes(h))];
    return {
      id: n.id,
      width: n.measured?.width ?? DEFAULT.width,
      height: n.measured?.height ?? DEFAULT.height,
      layoutOptions: { 'elk.portConstraints': 'FIXED_ORDER' },
      ports: [
        { id: inPort(n.id), layoutOptions: { 'elk.port.side': 'WEST', 'elk.port.index': '0' } },
        ...all.map((h, i) => ({ id: outPort(n.id, h), layoutOptions: { 'elk.port.side': 'EAST', 'elk.port.index': String(i) } })),
      ],
    };
  };
  // A node is in one group at most; should a document say otherwise, the first group keeps it.
  const groupOf = new Map<string, string>();
  for (const g of groups) for (const m of g.nodes) if (ids.has(m) && !groupOf.has(m)) groupOf.set(m, g.id);
  const compounds = groups
    .map((g) => ({ g, members: nodes.filter((n) => groupOf.get(n.id) === g.id) }))
    .filter(({ members }) => members.length > 0)
    .map(({ g, members }) => ({
      id: g.id,
      layoutOptions: {
        ...SPACING,
        'elk.padding': `[top=${FRAME_PAD.top},left=${FRAME_PAD.side},bottom=${FRAME_PAD.side},right=${FRAME_PAD.side}]`,
      },
      children: members.map(elkNode),
    }));
  // Model order (considerModelOrder) follows the canvas: a group takes the place of its first member.
  const children: ElkNode[] = [];
  const placed = new Set<string>();
  for (const n of nodes) {
    const gid = groupOf.get(n.id);
    if (!gid) children.push(elkNode(n));
    else if (!placed.has(gid)) {
      placed.add(gid);
      children.push(compounds.find((c) => c.id === gid)!);
    }
  }
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'SPLINES',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      ...SPACING,
    },
    children,
    // With INCLUDE_CHILDREN, ELK accepts every edge at the root, across the groups' borders too.
    edges: edges
      .filter((e) => ids.has(e.source) && ids.has(e.target))
      .map((e) => ({ id: e.id, sources: [outPort(e.source, e.sourceHandle ?? '')], targets: [inPort(e.target)] })),
  };
}

const inPort = (id: string) => `${id}\u0000in`;
const outPort = (id: string, h: string) => `${id}\u0000out\u0000${h}`;

/** The laid-out graph's node positions, absolute (ELK places a group's members relative to the group), in whole pixels. */
export function positionsOf(laid: ElkNode): Map<string, XYPosition> {
  const out = new Map<string, XYPosition>();
  const walk = (parent: ElkNode, dx: number, dy: number) => {
    for (const c of parent.children ?? []) {
      const x = dx + (c.x ?? 0);
      const y = dy + (c.y ?? 0);
      if (c.children?.length) walk(c, x, y);
      else out.set(c.id, { x: Math.round(x), y: Math.round(y) });
    }
  };
  walk(laid, 0, 0);
  return out;
}

/**
 * Loads ELK (its own chunk: a few hundred KiB that most sessions never need) and lays the graph out. The answer holds
 * the flow's nodes and the notes that sit on a group's frame, which move with it; other notes stay where they are.
 */
export async function autoLayout(
  nodes: readonly CanvasNode[],
  edges: readonly CanvasEdge[],
  groups: readonly GroupState[] = [],
  notes: readonly NoteCanvasNode[] = [],
): Promise<Map<string, XYPosition>> {
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const laid = await new ELK().layout(elkGraph(nodes, edges, groups));
  const positions = positionsOf(laid);
  const after = nodes.map((n) => ({ ...n, position: positions.get(n.id) ?? n.position }));
  for (const [id, p] of notesCarriedByFrames(notes, groups, nodes, after)) positions.set(id, p);
  return positions;
}
