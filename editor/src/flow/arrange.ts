import type { XYPosition } from '@xyflow/react';

/** A node's box on the canvas; width and height are as measured (or a default before the first paint). */
export interface Box {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export type Alignment = 'left' | 'centerX' | 'right' | 'top' | 'centerY' | 'bottom';
export type Axis = 'horizontal' | 'vertical';

/** New positions lining the boxes up on one edge or centre line of the selection's bounding box. */
export function align(boxes: readonly Box[], how: Alignment): Map<string, XYPosition> {
  const out = new Map<string, XYPosition>();
  if (boxes.length < 2) return out;
  const minX = Math.min(...boxes.map((b) => b.x));
  const maxX = Math.max(...boxes.map((b) => b.x + b.w));
  const minY = Math.min(...boxes.map((b) => b.y));
  const maxY = Math.max(...boxes.map((b) => b.y + b.h));
  for (const b of boxes) {
    let { x, y } = b;
    if (how === 'left') x = minX;
    else if (how === 'right') x = maxX - b.w;
    else if (how === 'centerX') x = (minX + maxX) / 2 - b.w / 2;
    else if (how === 'top') y = minY;
    else if (how === 'bottom') y = maxY - b.h;
    else y = (minY + maxY) / 2 - b.h / 2;
    out.set(b.id, { x: Math.round(x), y: Math.round(y) });
  }
  return out;
}

/**
 * Equal gaps between neighbours along one axis, the first and last box staying where they are.
 * When the boxes overlap more than the span allows, the gap is zero rather than negative.
 */
export function distribute(boxes: readonly Box[], axis: Axis): Map<string, XYPosition> {
  const out = new Map<string, XYPosition>();
  if (boxes.length < 3) return out;
  const pos = (b: Box) => (axis === 'horizontal' ? b.x : b.y);
  const size = (b: Box) => (axis === 'horizontal' ? b.w : b.h);
  const sorted = [...boxes].sort((a, b) => pos(a) - pos(b) || a.id.localeCompare(b.id));
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  const span = pos(last) + size(last) - pos(first);
  const total = sorted.reduce((s, b) => s + size(b), 0);
  const gap = Math.max(0, (span - total) / (sorted.length - 1));
  let cursor = pos(first);
  for (const b of sorted) {
    const p = Math.round(cursor);
    out.set(b.id, axis === 'horizontal' ? { x: p, y: b.y } : { x: b.x, y: p });
    cursor += size(b) + gap;
  }
  return out;
}
