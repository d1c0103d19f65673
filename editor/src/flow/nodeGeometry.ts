import { Position, type NodeHandle } from '@xyflow/react';
import { handlesFor, hasInput } from '../catalogue.ts';
import type { CanvasNode } from './graph.ts';

/**
 * Above this many nodes the canvas draws only the nodes in view (React Flow's `onlyRenderVisibleElements`). Drawing
 * 500 nodes with their 1,500 handles was most of a large flow's open and, through the handles' and edges' store
 * subscriptions, of every drag frame; below this a flow fits in view at the canvas's zoom anyway.
 */
export const VISIBLE_ONLY_NODE_LIMIT = 200;

/*
 * A node's box as styles.css draws it (.fd-node: 220 px wide; its head; one row per output handle). React Flow draws
 * only the nodes it knows to be in view, and it only knows a node's size and handles once it has drawn it; so it draws
 * every node once whatever the setting, unless each node says in advance where it is and where its handles are. These
 * figures say it. They need to be near, not exact: a node's own measure replaces them once it is drawn (see
 * `withoutExpectedGeometry`), and until then the node is out of view, so only an edge's far end uses them.
 */
const WIDTH = 220;
const HEAD_HEIGHT = 52;
const OUTPUTS_PADDING = 9;
const OUTPUT_ROW = 19;
const HANDLE = 10;
/** The run view's status row under a node's head (`.fd-node__run`: its badge and duration). */
export const RUN_ROW_HEIGHT = 24;

/** Where a node of this type and config is expected to be drawn: its size and its handles, relative to it. */
export function expectedGeometry(
  type: string,
  config: Record<string, unknown>,
  /** What a canvas draws under the head on top of it (the run view's status row). */
  belowHead = 0,
): Pick<CanvasNode, 'initialWidth' | 'initialHeight' | 'handles'> {
  const outputs = handlesFor(type, config);
  const head = HEAD_HEIGHT + belowHead;
  const height = head + (outputs.length ? OUTPUTS_PADDING + outputs.length * OUTPUT_ROW : 0);
  const handles: NodeHandle[] = outputs.map((id, i) => ({
    id,
    type: 'source',
    position: Position.Right,
    x: WIDTH - HANDLE / 2,
    y: head + OUTPUTS_PADDING / 2 + i * OUTPUT_ROW + (OUTPUT_ROW - HANDLE) / 2,
    width: HANDLE,
    height: HANDLE,
  }));
  if (hasInput(type)) {
    handles.push({
      id: null,
      type: 'target',
      position: Position.Left,
      x: -HANDLE / 2,
      y: (height - HANDLE) / 2,
      width: HANDLE,
      height: HANDLE,
    });
  }
  return { initialWidth: WIDTH, initialHeight: height, handles };
}

/** The canvas nodes of a large flow carry their expected geometry; a small flow's are drawn and measured at once. */
export function withExpectedGeometry(nodes: CanvasNode[], belowHead = 0): CanvasNode[] {
  if (nodes.length <= VISIBLE_ONLY_NODE_LIMIT) return nodes;
  return nodes.map((n) => ({ ...n, ...expectedGeometry(n.data.type, n.data.config, belowHead) }));
}

/**
 * Once React Flow has measured a node, the estimate must go: React Flow reads a node's `handles` again whenever the node
 * object changes (a drag, a config edit), and would put its edges back on the estimated handles.
 */
export function withoutExpectedGeometry(nodes: CanvasNode[], measured: ReadonlySet<string>): CanvasNode[] {
  if (!measured.size) return nodes;
  let changed = false;
  const next = nodes.map((n) => {
    if (!n.handles || !measured.has(n.id)) return n;
    changed = true;
    const { handles: _h, initialWidth: _w, initialHeight: _hh, ...rest } = n;
    return rest;
  });
  return changed ? next : nodes;
}
