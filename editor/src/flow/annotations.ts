import type { Node, NodeChange, NodePositionChange, XYPosition } from '@xyflow/react';
import { NOTE_SIZE, type FlowGroup, type FlowNote, type NoteColor } from '@flightdeck/workflows';
import type { CanvasNode } from './graph.ts';

/**
 * Sticky notes and group frames on the canvas. Both are React Flow nodes of their own types beside the flow's nodes,
 * but the draft keeps them in lists of their own, so that everything that reads the flow's nodes (the validator,
 * auto-layout, align, search, the inspector) never sees them.
 *
 * A group is a frame annotation, not a React Flow sub-flow: with `parentId` a member's position would be relative to
 * its group, and the engine, elkjs and the version diff would have to translate it back. Here a member keeps its
 * absolute position, the frame's bounds are derived from its members on every render, and moving the frame moves
 * the members by the same amount.
 */
export type NoteData = { text: string; color: NoteColor };
export type NoteCanvasNode = Node<NoteData, 'note'>;
export type FrameData = { label: string; members: string[] };
export type FrameCanvasNode = Node<FrameData, 'frame'>;
export type AnyCanvasNode = CanvasNode | NoteCanvasNode | FrameCanvasNode;
/** A group as the draft keeps it: the document's group, and whether its frame is selected. */
export type GroupState = FlowGroup & { selected?: boolean };

export const NOTE_NODE_TYPE = 'note' as const;
export const FRAME_NODE_TYPE = 'frame' as const;
/** Room around the members, and above them for the label. */
export const FRAME_PAD = { side: 24, top: 44 } as const;
// Below the flow's nodes even when selected (React Flow lifts a selected node by 1000), so a member stays clickable.
const FRAME_Z = -1001;
const NODE_W = 220;
const NODE_H = 90;

export const isNote = (n: AnyCanvasNode): n is NoteCanvasNode => n.type === NOTE_NODE_TYPE;
export const isFrame = (n: AnyCanvasNode): n is FrameCanvasNode => n.type === FRAME_NODE_TYPE;
/** A note's or frame's colour on a minimap (a frame is only its members); undefined for the flow's nodes. */
export const annotationMiniMapColor = (n: { type?: string }): string | undefined =>
  n.type === NOTE_NODE_TYPE ? '#fde68a' : n.type === FRAME_NODE_TYPE ? 'transparent' : undefined;

export function notesToCanvas(notes: readonly FlowNote[] = []): NoteCanvasNode[] {
  return notes.map((n) => ({
    id: n.id,
    type: NOTE_NODE_TYPE,
    position: { ...n.position },
    width: n.size.width,
    height: n.size.height,
    data: { text: n.text, color: n.color },
    dragHandle: '.fd-note__bar',
  }));
}

const size = (v: number | undefined, fallback: number) => Math.max(NOTE_SIZE.min, Math.min(NOTE_SIZE.max, Math.round(v ?? fallback)));

export function notesToDocument(notes: readonly NoteCanvasNode[]): FlowNote[] {
  return notes.map((n) => ({
    id: n.id,
    text: n.data.text,
    color: n.data.color,
    position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
    size: { width: size(n.width ?? n.measured?.width, NOTE_SIZE.width), height: size(n.height ?? n.measured?.height, NOTE_SIZE.height) },
  }));
}

/** The groups as saved: members that were deleted are left out, and a group left with none goes. */
export function groupsToDocument(groups: readonly GroupState[], nodes: readonly { id: string }[]): FlowGroup[] {
  const ids = new Set(nodes.map((n) => n.id));
  return groups.map((g) => ({ id: g.id, label: g.label, nodes: g.nodes.filter((m) => ids.has(m)) })).filter((g) => g.nodes.length > 0);
}

/** Each group's frame: the box around its members that are on the canvas. */
export function frameNodes(groups: readonly GroupState[], nodes: readonly CanvasNode[]): FrameCanvasNode[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const frames: FrameCanvasNode[] = [];
  for (const g of groups) {
    const members = g.nodes.map((id) => byId.get(id)).filter((n): n is CanvasNode => !!n);
    if (!members.length) continue;
    const left = Math.min(...members.map((n) => n.position.x)) - FRAME_PAD.side;
    const top = Math.min(...members.map((n) => n.position.y)) - FRAME_PAD.top;
    const right = Math.max(...members.map((n) => n.position.x + (n.measured?.width ?? NODE_W))) + FRAME_PAD.side;
    const bottom = Math.max(...members.map((n) => n.position.y + (n.measured?.height ?? NODE_H))) + FRAME_PAD.side;
    frames.push({
      id: g.id,
      type: FRAME_NODE_TYPE,
      position: { x: left, y: top },
      width: right - left,
      height: bottom - top,
      zIndex: FRAME_Z,
      selected: !!g.selected,
      data: { label: g.label, members: members.map((n) => n.id) },
    });
  }
  return frames;
}

/**
 * Where the notes that sit on a frame go when its members move from `before` to `after` (auto-layout): each keeps its
 * place relative to the frame's corner. A note sits on the frame its centre is in (the smallest, where frames overlap);
 * notes on no frame are not in the answer, and stay where they are.
 */
export function notesCarriedByFrames(
  notes: readonly NoteCanvasNode[],
  groups: readonly GroupState[],
  before: readonly CanvasNode[],
  after: readonly CanvasNode[],
): Map<string, XYPosition> {
  const framesBefore = frameNodes(groups, before);
  const framesAfter = new Map(frameNodes(groups, after).map((f) => [f.id, f]));
  const area = (f: FrameCanvasNode) => f.width! * f.height!;
  const out = new Map<string, XYPosition>();
  for (const n of notes) {
    const cx = n.position.x + (n.width ?? n.measured?.width ?? NOTE_SIZE.width) / 2;
    const cy = n.position.y + (n.height ?? n.measured?.height ?? NOTE_SIZE.height) / 2;
    const on = framesBefore
      .filter((f) => cx >= f.position.x && cx <= f.position.x + f.width! && cy >= f.position.y && cy <= f.position.y + f.height!)
      .sort((a, b) => area(a) - area(b))[0];
    const moved = on && framesAfter.get(on.id);
    if (!on || !moved) continue;
    const dx = moved.position.x - on.position.x;
    const dy = moved.position.y - on.position.y;
    if (dx || dy) out.set(n.id, { x: n.position.x + dx, y: n.position.y + dy });
  }
  return out;
}

/** A new group of `members`; a node leaves the group it was in (a node is in one group at most), and emptied groups go. */
export function groupNodes(groups: readonly GroupState[], members: readonly string[], id: string, label: string): GroupState[] {
  const taken = new Set(members);
  const rest = groups.map((g) => ({ ...g, selected: false, nodes: g.nodes.filter((m) => !taken.has(m)) })).filter((g) => g.nodes.length);
  return [...rest, { id, label, nodes: [...members], selected: true }];
}

/** Removes the groups whose frame is selected or that hold one of `nodeIds`; the nodes stay where they are. */
export function ungroupNodes(groups: readonly GroupState[], nodeIds: readonly string[]): GroupState[] {
  const ids = new Set(nodeIds);
  return groups.filter((g) => !g.selected && !g.nodes.some((m) => ids.has(m)));
}

/**
 * A frame dragged to `to` moves its members by as much. Members that React Flow is moving in the same batch (they
 * were selected with the frame) already move, so they are left out instead of moving twice.
 */
export function frameMoves(
  frame: { position: XYPosition; data: FrameData },
  to: XYPosition,
  nodes: readonly CanvasNode[],
  movingAlready: ReadonlySet<string>,
  dragging: boolean,
): NodePositionChange[] {
  const dx = to.x - frame.position.x;
  const dy = to.y - frame.position.y;
  if (!dx && !dy) return [];
  const members = new Set(frame.data.members);
  return nodes
    .filter((n) => members.has(n.id) && !movingAlready.has(n.id))
    .map((n) => ({ type: 'position', id: n.id, position: { x: n.position.x + dx, y: n.position.y + dy }, dragging }));
}

/** An id for a note or group that no node, note or group has: `note_3`, `group_2`. */
export function nextAnnotationId(kind: 'note' | 'group', taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let i = 1; ; i++) if (!used.has(`${kind}_${i}`)) return `${kind}_${i}`;
}

/** A little markdown for a note, as blocks of plain text (rendered as React elements, never as HTML). */
export type NoteBlock = { kind: 'heading' | 'item' | 'text'; spans: { text: string; bold: boolean }[] };

export function noteBlocks(text: string): NoteBlock[] {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line): NoteBlock => {
      const heading = /^\s*#{1,3}\s+(.*)$/.exec(line);
      const item = /^\s*[-*]\s+(.*)$/.exec(line);
      const body = heading?.[1] ?? item?.[1] ?? line;
      const spans = body.split(/\*\*/).map((part, i) => ({ text: part, bold: i % 2 === 1 }));
      return { kind: heading ? 'heading' : item ? 'item' : 'text', spans: spans.filter((s) => s.text) };
    });
}

/**
 * The notes and frames of a canvas that shows a version as it is (a run, a version diff): drawn as the editor draws
 * them, but not dragged, selected, deleted or reached by Tab; the views show no controls when there are no actions.
 */
export function readOnlyCanvasNodes(
  notes: readonly NoteCanvasNode[],
  groups: readonly GroupState[],
  nodes: readonly CanvasNode[],
): AnyCanvasNode[] {
  const fixed = { draggable: false, selectable: false, focusable: false, connectable: false, deletable: false, selected: false };
  // As the editor draws them: frames under the nodes, notes over them.
  return [...frameNodes(groups, nodes).map((f) => ({ ...f, ...fixed })), ...nodes, ...notes.map((n) => ({ ...n, ...fixed }))];
}

/**
 * The notes in the order a person reads the canvas: top to bottom, and left to right among notes that start on the same
 * row (within half a default note's height), for the text list beside a read-only canvas.
 */
export function notesInReadingOrder<T extends { id: string; position: XYPosition }>(notes: readonly T[]): T[] {
  const row = (n: T) => Math.round(n.position.y / (NOTE_SIZE.height / 2));
  return [...notes].sort((a, b) => row(a) - row(b) || a.position.x - b.position.x || a.id.localeCompare(b.id));
}

/** The node a React Flow change is about. */
export const changeId = (c: NodeChange<AnyCanvasNode>): string => (c.type === 'add' || c.type === 'replace' ? c.item.id : c.id);

/** A read-only canvas's changes for the flow's nodes (their measured sizes); its notes and frames are fixed. */
export function flowNodeChanges(changes: readonly NodeChange<AnyCanvasNode>[], drawn: readonly AnyCanvasNode[]): NodeChange<CanvasNode>[] {
  const annotations = new Set(drawn.filter((n) => isNote(n) || isFrame(n)).map((n) => n.id));
  return changes.filter((c) => !annotations.has(changeId(c))) as NodeChange<CanvasNode>[];
}
