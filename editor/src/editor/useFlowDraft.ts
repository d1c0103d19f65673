import { useCallback, useMemo, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import {
  addEdge,
  useEdgesState,
  useNodesState,
  type Connection,
  type Edge,
  type EdgeChange,
  type NodeChange,
  type XYPosition,
} from '@xyflow/react';
import {
  campaignNeeds as campaignNeedsOf,
  flowWarnings,
  validateFlow,
  type CampaignNeed,
  type FlowDocumentInput,
} from '@flightdeck/workflows';
import { hasInput, initialConfig } from '../catalogue.ts';
import {
  nextEdgeId,
  nextNodeId,
  toCanvas,
  toDocument,
  CANVAS_NODE_TYPE,
  type CanvasEdge,
  type CanvasNode,
  type FlowNodeData,
} from '../flow/graph.ts';
import { fromValidation, fromWarnings, type Issue } from '../flow/issues.ts';
import { emptyHistory, record, redo as redoOf, undo as undoOf, type History } from '../flow/history.ts';

/** One undo step: the graph as it was. Arrays are never mutated, so keeping references is enough. */
interface Snapshot {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
}

/**
 * The draft graph being edited: React Flow's controlled nodes and edges, the flow document
 * derived from them, and the validator's verdict on it. Every edit goes through here, and so
 * into the undo history: one step per user action (a whole drag, a paste, a layout), typing in
 * one field coalesced into one step.
 */
export function useFlowDraft(initial: FlowDocumentInput) {
  const start = useMemo(() => toCanvas(initial), [initial]);
  const [nodes, setNodes, onNodesChangeRaw] = useNodesState<CanvasNode>(start.nodes);
  const [edges, setEdges, onEdgesChangeRaw] = useEdgesState<CanvasEdge>(start.edges);

  // Mirrors of the latest state, so imperative callers (test hooks, id generation) see edits at once.
  const nodesRef = useRef(nodes);
  const edgesRef = useRef(edges);
  /* eslint-disable react-hooks/refs -- written during render, not in an effect, for the reason above */
  nodesRef.current = nodes;
  edgesRef.current = edges;
  /* eslint-enable react-hooks/refs */

  const historyRef = useRef<History<Snapshot>>(emptyHistory());
  const [can, setCan] = useState({ undo: false, redo: false });
  const syncCan = useCallback(() => {
    const h = historyRef.current;
    setCan((c) =>
      c.undo === h.past.length > 0 && c.redo === h.future.length > 0 ? c : { undo: h.past.length > 0, redo: h.future.length > 0 },
    );
  }, []);
  /** Records the graph as it is now, before a change; `key` coalesces a run of edits to one thing. */
  const remember = useCallback(
    (key?: string) => {
      const before = { nodes: nodesRef.current, edges: edgesRef.current };
      historyRef.current = record(historyRef.current, before, { ...(key !== undefined ? { key } : {}), now: Date.now() });
      syncCan();
    },
    [syncCan],
  );
  const show = useCallback(
    (s: Snapshot) => {
      nodesRef.current = s.nodes;
      edgesRef.current = s.edges;
      flushSync(() => {
        setNodes(s.nodes);
        setEdges(s.edges);
      });
    },
    [setNodes, setEdges],
  );
  const undo = useCallback(() => {
    const r = undoOf(historyRef.current, { nodes: nodesRef.current, edges: edgesRef.current });
    if (!r) return false;
    historyRef.current = r.history;
    show(r.state);
    syncCan();
    return true;
  }, [show, syncCan]);
  const redo = useCallback(() => {
    const r = redoOf(historyRef.current, { nodes: nodesRef.current, edges: edgesRef.current });
    if (!r) return false;
    historyRef.current = r.history;
    show(r.state);
    syncCan();
    return true;
  }, [show, syncCan]);

  // A drag sends a position change per frame: the step is recorded once, when the first one arrives.
  const dragging = useRef(false);
  const onNodesChange = useCallback(
    (changes: NodeChange<CanvasNode>[]) => {
      const moves = changes.filter((c) => c.type === 'position');
      if (moves.some((c) => c.type === 'position' && c.dragging)) {
        if (!dragging.current) remember();
        dragging.current = true;
      } else if (moves.length) {
        // The end of a drag, or a keyboard move (arrow keys), which coalesces while the keys are pressed.
        if (!dragging.current) remember('keyboard-move');
        dragging.current = false;
      }
      // Removals come from the Delete key; the canvas records them in onBeforeDelete, as one step for nodes and edges.
      onNodesChangeRaw(changes);
    },
    [onNodesChangeRaw, remember],
  );
  const onEdgesChange = useCallback((changes: EdgeChange<CanvasEdge>[]) => onEdgesChangeRaw(changes), [onEdgesChangeRaw]);

  const doc = useMemo(() => toDocument(nodes, edges), [nodes, edges]);
  // Dragging changes positions many times a second; validation only needs to rerun when structure changes.
  const structureKey = useMemo(() => JSON.stringify({ n: doc.nodes.map(({ position: _p, ...rest }) => rest), e: doc.edges }), [doc]);
  const { issues, warnings, campaignNeeds } = useMemo((): { issues: Issue[]; warnings: Issue[]; campaignNeeds: CampaignNeed[] } => {
    const result = validateFlow(doc);
    if (!result.ok) return { issues: fromValidation(result.issues), warnings: [], campaignNeeds: [] };
    return { issues: [], warnings: fromWarnings(flowWarnings(result.flow)), campaignNeeds: campaignNeedsOf(result.flow) };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [structureKey]);

  const addNode = useCallback(
    (type: string, position: XYPosition, options: { select?: boolean } = {}): string => {
      const id = nextNodeId(
        type,
        nodesRef.current.map((n) => n.id),
      );
      const node: CanvasNode = {
        id,
        type: CANVAS_NODE_TYPE,
        position,
        data: { type, config: initialConfig(type) },
        selected: !!options.select,
      };
      const next = [...nodesRef.current.map((n) => (options.select && n.selected ? { ...n, selected: false } : n)), node];
      remember();
      nodesRef.current = next;
      // Synchronous so that an id handed back to a caller is already on the canvas.
      flushSync(() => setNodes(next));
      return id;
    },
    [setNodes, remember],
  );

  const canConnect = useCallback((c: Connection | Edge): boolean => {
    if (!c.source || !c.target || !c.sourceHandle) return false;
    if (c.source === c.target) return false;
    const target = nodesRef.current.find((n) => n.id === c.target);
    if (!target || !hasInput(target.data.type)) return false;
    return !edgesRef.current.some((e) => e.source === c.source && e.sourceHandle === c.sourceHandle && e.target === c.target);
  }, []);

  const connect = useCallback(
    (c: Connection): string | null => {
      if (!canConnect(c)) return null;
      const id = nextEdgeId(edgesRef.current.map((e) => e.id));
      const next = addEdge({ ...c, id }, edgesRef.current);
      remember();
      edgesRef.current = next;
      flushSync(() => setEdges(next));
      return id;
    },
    [canConnect, setEdges, remember],
  );

  /** Writes through the refs at once, so that a record taken right after sees this edit. */
  const commitNodes = useCallback(
    (next: CanvasNode[]) => {
      nodesRef.current = next;
      setNodes(next);
    },
    [setNodes],
  );
  const commitEdges = useCallback(
    (next: CanvasEdge[]) => {
      edgesRef.current = next;
      setEdges(next);
    },
    [setEdges],
  );

  const updateNodeData = useCallback(
    (id: string, patch: Partial<FlowNodeData>) => {
      // Typing in one field of one node is one step.
      remember(`data:${id}:${Object.keys(patch).sort().join(',')}`);
      commitNodes(nodesRef.current.map((n) => (n.id === id ? { ...n, data: { ...n.data, ...patch } } : n)));
    },
    [commitNodes, remember],
  );

  const removeNode = useCallback(
    (id: string) => {
      remember();
      commitNodes(nodesRef.current.filter((n) => n.id !== id));
      commitEdges(edgesRef.current.filter((e) => e.source !== id && e.target !== id));
    },
    [commitNodes, commitEdges, remember],
  );

  const removeEdge = useCallback(
    (id: string) => {
      remember();
      commitEdges(edgesRef.current.filter((e) => e.id !== id));
    },
    [commitEdges, remember],
  );

  /** Adds pasted or duplicated nodes and edges as one step; they become the selection. */
  const insert = useCallback(
    (more: { nodes: CanvasNode[]; edges: CanvasEdge[] }) => {
      if (!more.nodes.length) return;
      remember();
      const unselect = <T extends { selected?: boolean }>(x: T): T => (x.selected ? { ...x, selected: false } : x);
      flushSync(() => {
        commitNodes([...nodesRef.current.map(unselect), ...more.nodes]);
        commitEdges([...edgesRef.current.map(unselect), ...more.edges]);
      });
    },
    [commitNodes, commitEdges, remember],
  );

  /** Moves several nodes at once (align, distribute, auto-layout) as one step. */
  const moveNodes = useCallback(
    (positions: ReadonlyMap<string, XYPosition>) => {
      const moved = nodesRef.current.some((n) => {
        const p = positions.get(n.id);
        return p && (p.x !== n.position.x || p.y !== n.position.y);
      });
      if (!moved) return;
      remember();
      flushSync(() => commitNodes(nodesRef.current.map((n) => (positions.has(n.id) ? { ...n, position: positions.get(n.id)! } : n))));
    },
    [commitNodes, remember],
  );

  /** Selects one node or edge (or nothing), as a click on it would. */
  const select = useCallback(
    (target: { nodeId?: string; edgeId?: string }) => {
      setNodes((ns) => ns.map((n) => (!!n.selected === (n.id === target.nodeId) ? n : { ...n, selected: n.id === target.nodeId })));
      setEdges((es) => es.map((e) => (!!e.selected === (e.id === target.edgeId) ? e : { ...e, selected: e.id === target.edgeId })));
    },
    [setNodes, setEdges],
  );

  const getDocument = useCallback(() => toDocument(nodesRef.current, edgesRef.current), []);

  /** Puts another graph on the canvas (someone else's save, a rollback); returns it as the document it now is. */
  const replace = useCallback(
    (graph: FlowDocumentInput) => {
      const next = toCanvas(graph);
      // Another graph, not an edit: undoing into the one it replaced would silently revert someone's save.
      historyRef.current = emptyHistory();
      syncCan();
      nodesRef.current = next.nodes;
      edgesRef.current = next.edges;
      setNodes(next.nodes);
      setEdges(next.edges);
      return toDocument(next.nodes, next.edges);
    },
    [setNodes, setEdges, syncCan],
  );

  return {
    nodes,
    edges,
    onNodesChange,
    onEdgesChange,
    doc,
    issues,
    warnings,
    campaignNeeds,
    addNode,
    connect,
    canConnect,
    updateNodeData,
    removeNode,
    removeEdge,
    select,
    getDocument,
    replace,
    insert,
    moveNodes,
    remember,
    undo,
    redo,
    canUndo: can.undo,
    canRedo: can.redo,
    /** The latest graph, for imperative callers between renders. */
    current: () => ({ nodes: nodesRef.current, edges: edgesRef.current }),
  };
}

export type FlowDraft = ReturnType<typeof useFlowDraft>;
