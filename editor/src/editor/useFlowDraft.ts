import { useCallback, useMemo, useRef } from 'react';
import { flushSync } from 'react-dom';
import { addEdge, useEdgesState, useNodesState, type Connection, type Edge, type XYPosition } from '@xyflow/react';
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

/**
 * The draft graph being edited: React Flow's controlled nodes and edges, the flow document
 * derived from them, and the validator's verdict on it. Every edit goes through here.
 */
export function useFlowDraft(initial: FlowDocumentInput) {
  const start = useMemo(() => toCanvas(initial), [initial]);
  const [nodes, setNodes, onNodesChange] = useNodesState<CanvasNode>(start.nodes);
  const [edges, setEdges, onEdgesChange] = useEdgesState<CanvasEdge>(start.edges);

  // Mirrors of the latest state, so imperative callers (test hooks, id generation) see edits at once.
  const nodesRef = useRef(nodes);
  const edgesRef = useRef(edges);
  /* eslint-disable react-hooks/refs -- written during render, not in an effect, for the reason above */
  nodesRef.current = nodes;
  edgesRef.current = edges;
  /* eslint-enable react-hooks/refs */

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
      nodesRef.current = next;
      // Synchronous so that an id handed back to a caller is already on the canvas.
      flushSync(() => setNodes(next));
      return id;
    },
    [setNodes],
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
      edgesRef.current = next;
      flushSync(() => setEdges(next));
      return id;
    },
    [canConnect, setEdges],
  );

  const updateNodeData = useCallback(
    (id: string, patch: Partial<FlowNodeData>) => {
      setNodes((ns) => ns.map((n) => (n.id === id ? { ...n, data: { ...n.data, ...patch } } : n)));
    },
    [setNodes],
  );

  const removeNode = useCallback(
    (id: string) => {
      setNodes((ns) => ns.filter((n) => n.id !== id));
      setEdges((es) => es.filter((e) => e.source !== id && e.target !== id));
    },
    [setNodes, setEdges],
  );

  const removeEdge = useCallback((id: string) => setEdges((es) => es.filter((e) => e.id !== id)), [setEdges]);

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
      nodesRef.current = next.nodes;
      edgesRef.current = next.edges;
      setNodes(next.nodes);
      setEdges(next.edges);
      return toDocument(next.nodes, next.edges);
    },
    [setNodes, setEdges],
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
  };
}

export type FlowDraft = ReturnType<typeof useFlowDraft>;
