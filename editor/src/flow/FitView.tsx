import { useEffect, useRef } from 'react';
import { useNodesInitialized, useReactFlow, useStore, type FitViewOptions } from '@xyflow/react';

/*
 * `includeHiddenNodes` (no canvas hides nodes) makes React Flow fit every node by its size, measured or expected: by
 * default it fits only the measured ones, and a large flow draws only the nodes in view (flow/nodeGeometry.ts).
 */
export const FIT_OPTIONS: FitViewOptions = { maxZoom: 1.1, padding: 0.2, includeHiddenNodes: true };

/**
 * Fits the graph once the pane has a size and every node has been measured; React Flow's own
 * `fitView` prop can fire before a grid or dialog has laid the pane out. With `onResize` it
 * refits whenever the pane changes size, which suits read-only views only.
 */
export function FitView({ onResize = false }: { onResize?: boolean }) {
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  const measured = useNodesInitialized();
  const { fitView } = useReactFlow();
  const done = useRef(false);
  useEffect(() => {
    if (!width || !height || !measured) return;
    if (done.current && !onResize) return;
    done.current = true;
    void fitView(FIT_OPTIONS);
  }, [width, height, measured, fitView, onResize]);
  return null;
}
