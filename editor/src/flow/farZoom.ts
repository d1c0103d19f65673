import { useStore, type ReactFlowState } from '@xyflow/react';
import { VISIBLE_ONLY_NODE_LIMIT } from './nodeGeometry.ts';

/**
 * Below this zoom a node's texts are a few pixels tall, too small to read: the canvas draws a node without its icon's
 * glyph, its label and its handles' labels (at the same size, so that nothing moves when the zoom crosses it). A large
 * flow opens fitted far below it, and those are most of what a node costs to draw, lay out and paint. Only a large
 * flow (more than VISIBLE_ONLY_NODE_LIMIT nodes): a small one draws fast either way, and is drawn as it always was.
 */
export const FAR_ZOOM = 0.3;

const isFar = (s: ReactFlowState) => s.transform[2] < FAR_ZOOM && s.nodeLookup.size > VISIBLE_ONLY_NODE_LIMIT;

/** Whether the canvas is zoomed out beyond reading; a node re-renders only when this changes, not on every pan or zoom. */
export function useFarZoom(): boolean {
  return useStore(isFar);
}
