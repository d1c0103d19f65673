import type { XYPosition } from '@xyflow/react';
import type { ElkNode } from 'elkjs/lib/elk-api';
import { handlesFor } from '../catalogue.ts';
import type { CanvasEdge, CanvasNode } from './graph.ts';

const DEFAULT = { width: 220, height: 90 };

/**
 * The canvas as an ELK graph laid out left to right. Each output handle is a port on the east
 * side in the order the node draws them (FIXED_ORDER), so a condition's `true` branch ends up
 * above its `false` one and edges do not cross at the node that forks them.
 */
export function elkGraph(nodes: readonly CanvasNode[], edges: readonly CanvasEdge[]): ElkNode {
  const ids = new Set(nodes.map((n) => n.id));
  const extra = new Map<string, string[]>();
  for (const e of edges) {
    const h = e.sourceHandle ?? '';
    const list = extra.get(e.source) ?? [];
    if (!list.includes(h)) extra.set(e.source, [...list, h]);
  }
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '48',
      'elk.layered.spacing.nodeNodeBetweenLayers': '96',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.edgeRouting': 'SPLINES',
    },
    children: nodes.map((n) => {
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
    }),
    edges: edges
      .filter((e) => ids.has(e.source) && ids.has(e.target))
      .map((e) => ({ id: e.id, sources: [outPort(e.source, e.sourceHandle ?? '')], targets: [inPort(e.target)] })),
  };
}

const inPort = (id: string) => `${id}\u0000in`;
const outPort = (id: string, h: string) => `${id}\u0000out\u0000${h}`;

/** The laid-out graph's node positions, in whole pixels. */
export function positionsOf(laid: ElkNode): Map<string, XYPosition> {
  return new Map((laid.children ?? []).map((c) => [c.id, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) }]));
}

/** Loads ELK (its own chunk: a few hundred KiB that most sessions never need) and lays the graph out. */
export async function autoLayout(nodes: readonly CanvasNode[], edges: readonly CanvasEdge[]): Promise<Map<string, XYPosition>> {
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const laid = await new ELK().layout(elkGraph(nodes, edges));
  return positionsOf(laid);
}
