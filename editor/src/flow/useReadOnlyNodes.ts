import { useCallback, useState, type Dispatch, type SetStateAction } from 'react';
import { applyNodeChanges, type NodeChange } from '@xyflow/react';
import type { CanvasNode } from './graph.ts';
import { VISIBLE_ONLY_NODE_LIMIT, withExpectedGeometry, withoutExpectedGeometry } from './nodeGeometry.ts';

/**
 * The nodes of a read-only canvas (a run, a version diff), drawn as the editor draws a large flow: above
 * VISIBLE_ONLY_NODE_LIMIT each node carries its expected geometry, so React Flow draws only the nodes in view
 * (`visibleOnly`), and a node's estimate goes once React Flow has measured it, so its edges end on its real handles.
 */
export function useReadOnlyNodes(
  initial: () => CanvasNode[],
  /** What this canvas draws under each node's head (RUN_ROW_HEIGHT in the run view), for the estimates. */
  belowHead = 0,
): {
  nodes: CanvasNode[];
  /** Replaces every node (another graph): they are estimated again. */
  replace: (nodes: CanvasNode[]) => void;
  update: Dispatch<SetStateAction<CanvasNode[]>>;
  onNodesChange: (changes: NodeChange<CanvasNode>[]) => void;
  visibleOnly: boolean;
} {
  const [nodes, update] = useState(() => withExpectedGeometry(initial(), belowHead));
  const replace = useCallback((next: CanvasNode[]) => update(withExpectedGeometry(next, belowHead)), [belowHead]);
  const onNodesChange = useCallback((changes: NodeChange<CanvasNode>[]) => {
    const measured = new Set<string>();
    for (const c of changes) if (c.type === 'dimensions') measured.add(c.id);
    update((ns) => withoutExpectedGeometry(applyNodeChanges(changes, ns), measured));
  }, []);
  return { nodes, replace, update, onNodesChange, visibleOnly: nodes.length > VISIBLE_ONLY_NODE_LIMIT };
}
