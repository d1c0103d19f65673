import { useCallback, useMemo, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import {
  addEdge,
  applyEdgeChanges,
  applyNodeChanges,
  useStoreApi,
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
import {
  frameMoves,
  changeId,
  frameNodes,
  groupNodes,
  nextAnnotationId,
  notesToCanvas,
  ungroupNodes,
  type AnyCanvasNode,
  type GroupState,
  type NoteCanvasNode,
  type NoteData,
} from '../flow/annotations.ts';
import { NOTE_SIZE } from '@flightdeck/workflows';
import { withExpectedGeometry, withoutExpectedGeometry } from '../flow/nodeGeometry.ts';

/** One undo step: the graph as it was, notes and groups included. Arrays are never mutated, so keeping references is enough. */
interface Snapshot {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  notes: NoteCanvasNode[];
  groups: GroupState[];
}

/**
 * The draft graph being edited: React Flow's controlled nodes and edges, the flow document
 * derived from them, and the validator's verdict on it. Every edit goes through here, and so
 * into the undo history: one step per user action (a whole drag, a paste, a layout), typing in
 * one field coalesced into one step.
 */
export function useFlowDraft(initial: FlowDocumentInput) {
  const start = useMemo(() => {
    const canvas = toCanvas(initial);
    return { ...canvas, nodes: withExpectedGeometry(canvas.nodes) };
  }, [initial]);
  const [nodes, setNodes] = useState<CanvasNode[]>(start.nodes);
  const [edges, setEdges] = useState<CanvasEdge[]>(start.edges);
  // Never executed, and kept apart from the flow's nodes so that nothing reading those has to skip them.
  const [notes, setNotes] = useState<NoteCanvasNode[]>(start.notes);
  const [groups, setGroups] = useState<GroupState[]>(start.groups);

  /*
   * The graph itself: every edit writes these first, so imperative callers (test hooks, id generation) see it at once,
   * and the state above follows them for rendering. During a drag they run ahead of the state (see `showLive`).
   */
  const nodesRef = useRef(start.nodes);
  const edgesRef = useRef(start.edges);
  const notesRef = useRef(start.notes);
  const groupsRef = useRef(start.groups);
  const commitNodes = useCallback((next: CanvasNode[]) => {
    nodesRef.current = next;
    setNodes(next);
  }, []);
  const commitEdges = useCallback((next: CanvasEdge[]) => {
    edgesRef.current = next;
    setEdges(next);
  }, []);
  const commitNotes = useCallback((next: NoteCanvasNode[]) => {
    notesRef.current = next;
    setNotes(next);
  }, []);
  const commitGroups = useCallback((next: GroupState[]) => {
    groupsRef.current = next;
    setGroups(next);
  }, []);

  const historyRef = useRef<History<Snapshot>>(emptyHistory());
  const [can, setCan] = useState({ undo: false, redo: false });
  const syncCan = useCallback(() => {
    const h = historyRef.current;
    setCan((c) =>
      c.undo === h.past.length > 0 && c.redo === h.future.length > 0 ? c : { undo: h.past.length > 0, redo: h.future.length > 0 },
    );
  }, []);
  /** Records the graph as it is now, before a change; `key` coalesces a run of edits to one thing. */
  const snapshot = useCallback(
    (): Snapshot => ({ nodes: nodesRef.current, edges: edgesRef.current, notes: notesRef.current, groups: groupsRef.current }),
    [],
  );
  const remember = useCallback(
    (key?: string) => {
      const before = snapshot();
      historyRef.current = record(historyRef.current, before, { ...(key !== undefined ? { key } : {}), now: Date.now() });
      syncCan();
    },
    [syncCan, snapshot],
  );
  // Nodes React Flow has measured: an undo must not bring back their expected geometry (see nodeGeometry.ts).
  const measuredIds = useRef(new Set<string>());
  const show = useCallback(
    (s: Snapshot) =>
      flushSync(() => {
        commitNodes(withoutExpectedGeometry(s.nodes, measuredIds.current));
        commitEdges(s.edges);
        commitNotes(s.notes);
        commitGroups(s.groups);
      }),
    [commitNodes, commitEdges, commitNotes, commitGroups],
  );
  const undo = useCallback(() => {
    const r = undoOf(historyRef.current, snapshot());
    if (!r) return false;
    historyRef.current = r.history;
    show(r.state);
    syncCan();
    return true;
  }, [show, syncCan, snapshot]);
  const redo = useCallback(() => {
    const r = redoOf(historyRef.current, snapshot());
    if (!r) return false;
    historyRef.current = r.history;
    show(r.state);
    syncCan();
    return true;
  }, [show, syncCan, snapshot]);

  const flowStore = useStoreApi<AnyCanvasNode, CanvasEdge>();
  /**
   * A drag moves nodes on every frame. Rendering the editor for each (and React Flow taking the nodes back through its
   * props) cost more than a frame on a large flow, so while a drag lasts its positions go to the refs and straight into
   * React Flow's store, frames following their members; the state, and so the document and validation, take them when
   * the drag ends (its last change is not `dragging`).
   */
  const aheadOfState = useRef(false);
  const showLive = useCallback(() => {
    aheadOfState.current = true;
    flowStore.getState().setNodes([...frameNodes(groupsRef.current, nodesRef.current), ...nodesRef.current, ...notesRef.current]);
  }, [flowStore]);

  // A drag sends a position change per frame: the step is recorded once, when the first one arrives.
  const dragging = useRef(false);
  const onNodesChange = useCallback(
    (changes: NodeChange<CanvasNode>[], live = false) => {
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
      const measuredNow = new Set<string>();
      for (const c of changes) if (c.type === 'dimensions') measuredNow.add(c.id);
      for (const id of measuredNow) measuredIds.current.add(id);
      const next = withoutExpectedGeometry(applyNodeChanges(changes, nodesRef.current), measuredNow);
      if (live) nodesRef.current = next;
      else commitNodes(next);
    },
    [commitNodes, remember],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange<CanvasEdge>[]) => commitEdges(applyEdgeChanges(changes, edgesRef.current)),
    [commitEdges],
  );

  const frames = useMemo(() => frameNodes(groups, nodes), [groups, nodes]);
  /** What React Flow draws: frames under the nodes, notes over them. */
  const canvasNodes = useMemo<AnyCanvasNode[]>(() => [...frames, ...nodes, ...notes], [frames, nodes, notes]);

  // A note's drag or resize is one step, as a node's drag is.
  const noteGesture = useRef(false);
  /**
   * React Flow's changes for everything it draws, split by owner: a note's go to the notes, a frame's select it,
   * move its members or (removed) ungroup them; the rest are the flow's nodes'.
   */
  const onCanvasNodesChange = useCallback(
    (changes: NodeChange<AnyCanvasNode>[]) => {
      const live = changes.every((c) => c.type === 'position' && c.dragging);
      const noteIds = new Set(notesRef.current.map((n) => n.id));
      const frameById = new Map(frameNodes(groupsRef.current, nodesRef.current).map((f) => [f.id, f]));
      const idOf = changeId;
      const forNotes = changes.filter((c) => noteIds.has(idOf(c))) as NodeChange<NoteCanvasNode>[];
      const forFrames = changes.filter((c) => frameById.has(idOf(c)));
      const forNodes = changes.filter((c) => !noteIds.has(idOf(c)) && !frameById.has(idOf(c))) as NodeChange<CanvasNode>[];

      if (forNotes.length) {
        const gesture = forNotes.some((c) => (c.type === 'position' && c.dragging) || (c.type === 'dimensions' && c.resizing));
        const ended = forNotes.some((c) => (c.type === 'position' && !c.dragging) || (c.type === 'dimensions' && c.resizing === false));
        if (gesture && !noteGesture.current) remember();
        else if (ended && !noteGesture.current && forNotes.some((c) => c.type === 'position')) remember('keyboard-move');
        noteGesture.current = gesture;
        const next = applyNodeChanges(forNotes, notesRef.current);
        if (live) notesRef.current = next;
        else commitNotes(next);
      }
      if (forFrames.length) {
        const moving = new Set(forNodes.filter((c) => c.type === 'position').map((c) => c.id));
        let nextGroups = groupsRef.current;
        for (const c of forFrames) {
          if (c.type === 'select') nextGroups = nextGroups.map((g) => (g.id === c.id ? { ...g, selected: c.selected } : g));
          else if (c.type === 'remove') nextGroups = nextGroups.filter((g) => g.id !== c.id);
          else if (c.type === 'position' && c.position)
            forNodes.push(...frameMoves(frameById.get(c.id)!, c.position, nodesRef.current, moving, !!c.dragging));
        }
        if (nextGroups !== groupsRef.current) commitGroups(nextGroups);
      }
      if (forNodes.length) onNodesChange(forNodes, live);
      if (live) showLive();
      else if (aheadOfState.current) {
        aheadOfState.current = false;
        commitNodes(nodesRef.current);
        commitNotes(notesRef.current);
      }
    },
    [onNodesChange, remember, showLive, commitNodes, commitNotes, commitGroups],
  );

  const doc = useMemo(() => toDocument(nodes, edges, notes, groups), [nodes, edges, notes, groups]);
  // Dragging changes positions many times a second; validation only needs to rerun when structure changes.
  const structureKey = useMemo(
    () =>
      JSON.stringify({
        n: doc.nodes.map(({ position: _p, ...rest }) => rest),
        e: doc.edges,
        a: [doc.notes?.map((n) => [n.id, n.text.length]), doc.groups],
      }),
    [doc],
  );
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
      // Synchronous so that an id handed back to a caller is already on the canvas.
      flushSync(() => commitNodes(next));
      return id;
    },
    [commitNodes, remember],
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
      flushSync(() => commitEdges(next));
      return id;
    },
    [canConnect, commitEdges, remember],
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

  /** Adds pasted or duplicated nodes, edges, notes and groups as one step; they become the selection. */
  const insert = useCallback(
    (more: { nodes: CanvasNode[]; edges: CanvasEdge[]; notes?: NoteCanvasNode[]; groups?: GroupState[] }) => {
      if (!more.nodes.length && !more.notes?.length) return;
      remember();
      const unselect = <T extends { selected?: boolean }>(x: T): T => (x.selected ? { ...x, selected: false } : x);
      flushSync(() => {
        commitNodes([...nodesRef.current.map(unselect), ...more.nodes]);
        commitEdges([...edgesRef.current.map(unselect), ...more.edges]);
        commitNotes([...notesRef.current.map(unselect), ...(more.notes ?? [])]);
        commitGroups([...groupsRef.current.map(unselect), ...(more.groups ?? [])]);
      });
    },
    [commitNodes, commitEdges, commitNotes, commitGroups, remember],
  );

  /** Every id on the canvas: nodes, notes and groups share one id space. */
  const allIds = useCallback(
    () => [...nodesRef.current.map((n) => n.id), ...notesRef.current.map((n) => n.id), ...groupsRef.current.map((g) => g.id)],
    [],
  );

  // The note just added opens for typing once; the same note brought back by redo or a paste does not.
  const freshNote = useRef<string | null>(null);
  const takeFreshNote = useCallback((id: string) => {
    if (freshNote.current !== id) return false;
    freshNote.current = null;
    return true;
  }, []);

  /** A new, selected note at `position`; returns its id. */
  const addNote = useCallback(
    (position: XYPosition, text = ''): string => {
      const id = nextAnnotationId('note', allIds());
      freshNote.current = id;
      const [note] = notesToCanvas([{ id, text, color: 'yellow', position, size: { width: NOTE_SIZE.width, height: NOTE_SIZE.height } }]);
      remember();
      flushSync(() =>
        commitNotes([...notesRef.current.map((n) => (n.selected ? { ...n, selected: false } : n)), { ...note!, selected: true }]),
      );
      return id;
    },
    [allIds, commitNotes, remember],
  );

  const updateNote = useCallback(
    (id: string, patch: Partial<NoteData>) => {
      remember(`note:${id}:${Object.keys(patch).sort().join(',')}`);
      commitNotes(notesRef.current.map((n) => (n.id === id ? { ...n, data: { ...n.data, ...patch } } : n)));
    },
    [commitNotes, remember],
  );

  /** Frames the selected nodes (or the given ones) in a new group; returns its id, or null with nothing to group. */
  const groupSelected = useCallback(
    (label: string, ids?: readonly string[]): string | null => {
      const members = ids ?? nodesRef.current.filter((n) => n.selected).map((n) => n.id);
      if (!members.length) return null;
      const id = nextAnnotationId('group', allIds());
      remember();
      flushSync(() => commitGroups(groupNodes(groupsRef.current, members, id, label)));
      return id;
    },
    [allIds, commitGroups, remember],
  );

  /** Removes the selected frames and the groups of the selected nodes; the nodes stay. */
  const ungroupSelected = useCallback((): boolean => {
    const next = ungroupNodes(
      groupsRef.current,
      nodesRef.current.filter((n) => n.selected).map((n) => n.id),
    );
    if (next.length === groupsRef.current.length) return false;
    remember();
    flushSync(() => commitGroups(next));
    return true;
  }, [commitGroups, remember]);

  const renameGroup = useCallback(
    (id: string, label: string) => {
      remember(`group:${id}:label`);
      commitGroups(groupsRef.current.map((g) => (g.id === id ? { ...g, label } : g)));
    },
    [commitGroups, remember],
  );

  /** Moves several nodes, and notes (ids are one space), at once (align, distribute, auto-layout) as one step. */
  const moveNodes = useCallback(
    (positions: ReadonlyMap<string, XYPosition>) => {
      const movedIn = <T extends { id: string; position: XYPosition }>(items: readonly T[]) =>
        items.some((n) => {
          const p = positions.get(n.id);
          return p && (p.x !== n.position.x || p.y !== n.position.y);
        });
      const place = <T extends { id: string; position: XYPosition }>(items: T[]) =>
        items.map((n) => (positions.has(n.id) ? { ...n, position: positions.get(n.id)! } : n));
      const nodesMove = movedIn(nodesRef.current);
      const notesMove = movedIn(notesRef.current);
      if (!nodesMove && !notesMove) return;
      remember();
      flushSync(() => {
        if (nodesMove) commitNodes(place(nodesRef.current));
        if (notesMove) commitNotes(place(notesRef.current));
      });
    },
    [commitNodes, commitNotes, remember],
  );

  /** Selects one node or edge (or nothing), as a click on it would. */
  const select = useCallback(
    (target: { nodeId?: string; edgeId?: string }) => {
      const ns = nodesRef.current;
      const es = edgesRef.current;
      const notes = notesRef.current;
      const gs = groupsRef.current;
      commitNodes(ns.map((n) => (!!n.selected === (n.id === target.nodeId) ? n : { ...n, selected: n.id === target.nodeId })));
      commitEdges(es.map((e) => (!!e.selected === (e.id === target.edgeId) ? e : { ...e, selected: e.id === target.edgeId })));
      if (notes.some((n) => n.selected)) commitNotes(notes.map((n) => (n.selected ? { ...n, selected: false } : n)));
      if (gs.some((g) => g.selected)) commitGroups(gs.map((g) => (g.selected ? { ...g, selected: false } : g)));
    },
    [commitNodes, commitEdges, commitNotes, commitGroups],
  );

  const getDocument = useCallback(() => toDocument(nodesRef.current, edgesRef.current, notesRef.current, groupsRef.current), []);

  /** Puts another graph on the canvas (someone else's save, a rollback); returns it as the document it now is. */
  const replace = useCallback(
    (graph: FlowDocumentInput) => {
      const next = toCanvas(graph);
      // Another graph, not an edit: undoing into the one it replaced would silently revert someone's save.
      historyRef.current = emptyHistory();
      syncCan();
      commitNodes(next.nodes);
      commitEdges(next.edges);
      commitNotes(next.notes);
      commitGroups(next.groups);
      return toDocument(next.nodes, next.edges, next.notes, next.groups);
    },
    [commitNodes, commitEdges, commitNotes, commitGroups, syncCan],
  );

  return {
    nodes,
    edges,
    notes,
    groups,
    canvasNodes,
    onCanvasNodesChange,
    addNote,
    takeFreshNote,
    updateNote,
    groupSelected,
    ungroupSelected,
    renameGroup,
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
    current: () => ({ nodes: nodesRef.current, edges: edgesRef.current, notes: notesRef.current, groups: groupsRef.current }),
  };
}

export type FlowDraft = ReturnType<typeof useFlowDraft>;
