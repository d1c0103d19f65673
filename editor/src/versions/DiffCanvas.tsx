import { useMemo } from 'react';
import { Background, Controls, MarkerType, ReactFlow, ReactFlowProvider } from '@xyflow/react';
import type { FlowDiff, FlowDocumentInput } from '@flightdeck/workflows';
import { useTranslation } from 'react-i18next';
import { annotatedNodeTypes } from '../flow/annotationNodeTypes.ts';
import { flowNodeChanges, readOnlyCanvasNodes, type AnyCanvasNode } from '../flow/annotations.ts';
import { useFlowAriaLabels } from '../flow/ariaLabels.ts';
import { FIT_OPTIONS, FitView } from '../flow/FitView.tsx';
import { PRO_OPTIONS } from '../flow/canvasOptions.ts';
import { ReadOnlyNotesList } from '../flow/ReadOnlyNotesList.tsx';
import { CanvasContext, type CanvasInfo, type DiffMark } from '../flow/canvasContext.ts';
import { CANVAS_NODE_TYPE, toCanvas, type CanvasEdge } from '../flow/graph.ts';
import { EMPTY_INDEX } from '../flow/issues.ts';
import { useReadOnlyNodes } from '../flow/useReadOnlyNodes.ts';

const GHOST_DROP = 130;

const edgeKey = (e: { source: string; sourceHandle?: string | null; target: string }) =>
  JSON.stringify([e.source, e.sourceHandle ?? '', e.target]);

/** Marks every node, note and group (their ids are shared in a version) by what happened to it. */
function diffMarks(diff: FlowDiff): Map<string, DiffMark> {
  const marks = new Map<string, DiffMark>();
  for (const d of [{ ...diff.nodes, changed: diff.nodes.changed.map((c) => c.id) }, diff.notes, diff.groups]) {
    for (const id of d.added) marks.set(id, 'added');
    for (const id of d.removed) marks.set(id, 'removed');
    for (const id of d.changed) marks.set(id, 'changed');
    for (const id of d.moved) marks.set(id, 'moved');
  }
  return marks;
}

/**
 * The newer graph with the older one's removed nodes, edges, notes and groups drawn in as ghosts, everything marked
 * by what happened to it.
 */
export function diffCanvas(from: FlowDocumentInput, to: FlowDocumentInput, diff: FlowDiff) {
  const a = toCanvas(from);
  const b = toCanvas(to);
  const marks = diffMarks(diff);
  const removed = new Set(diff.nodes.removed);
  // A ghost where a newer node now stands (a node replaced by another) is drawn just below it, so both can be seen.
  const covered = (p: { x: number; y: number }) =>
    b.nodes.some((n) => Math.abs(n.position.x - p.x) < 200 && Math.abs(n.position.y - p.y) < 80);
  const ghosts = a.nodes
    .filter((n) => removed.has(n.id))
    .map((n) => (covered(n.position) ? { ...n, position: { x: n.position.x, y: n.position.y + GHOST_DROP } } : n));
  const nodes = [...b.nodes, ...ghosts].map((n) => ({
    ...n,
    draggable: false,
    connectable: false,
    deletable: false,
  }));
  const added = new Set(diff.edges.added.map(edgeKey));
  const gone = new Set(diff.edges.removed.map(edgeKey));
  const edges: CanvasEdge[] = [
    ...b.edges.map((e) => ({ ...e, className: added.has(edgeKey(e)) ? 'fd-edge--added' : undefined })),
    ...a.edges.filter((e) => gone.has(edgeKey(e))).map((e) => ({ ...e, id: `removed:${e.id}`, className: 'fd-edge--removed' })),
  ].map((e) => ({ ...e, markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 } }));
  const goneNotes = new Set(diff.notes.removed);
  const goneGroups = new Set(diff.groups.removed);
  const notes = [...b.notes, ...a.notes.filter((n) => goneNotes.has(n.id))];
  const groups = [...b.groups, ...a.groups.filter((g) => goneGroups.has(g.id))];
  return { nodes, edges, marks, notes, groups };
}

export function DiffCanvas(props: { from: FlowDocumentInput; to: FlowDocumentInput; diff: FlowDiff; onSelect?: (id: string) => void }) {
  return (
    <ReactFlowProvider>
      <DiffCanvasInner {...props} />
    </ReactFlowProvider>
  );
}

function DiffCanvasInner(props: { from: FlowDocumentInput; to: FlowDocumentInput; diff: FlowDiff; onSelect?: (id: string) => void }) {
  const { t } = useTranslation();
  const ariaLabelConfig = useFlowAriaLabels();
  const shown = useMemo(() => diffCanvas(props.from, props.to, props.diff), [props.from, props.to, props.diff]);
  // Measured sizes come back as node changes; fitView needs them.
  const { nodes, onNodesChange, visibleOnly } = useReadOnlyNodes(() => shown.nodes);
  // Frames follow the measured nodes (a removed group frames its members as they are drawn here).
  const drawn = useMemo(() => readOnlyCanvasNodes(shown.notes, shown.groups, nodes), [shown, nodes]);
  const info = useMemo<CanvasInfo>(() => ({ mode: 'diff', issues: EMPTY_INDEX, run: null, diff: shown.marks }), [shown.marks]);
  return (
    <CanvasContext.Provider value={info}>
      <div className="fd-canvas fd-diffcanvas" data-testid="diff-canvas" aria-label={t('versions.diffCanvas')}>
        <ReactFlow<AnyCanvasNode, CanvasEdge>
          nodes={drawn}
          edges={shown.edges}
          onNodesChange={(changes) => onNodesChange(flowNodeChanges(changes, drawn))}
          nodeTypes={annotatedNodeTypes}
          nodesDraggable={false}
          nodesConnectable={false}
          edgesFocusable={false}
          deleteKeyCode={null}
          onNodeClick={(_, n) => n.type === CANVAS_NODE_TYPE && props.onSelect?.(n.id)}
          onlyRenderVisibleElements={visibleOnly}
          fitView
          fitViewOptions={FIT_OPTIONS}
          minZoom={0.2}
          proOptions={PRO_OPTIONS}
          ariaLabelConfig={ariaLabelConfig}
        >
          <FitView onResize />
          <Background gap={16} />
          <Controls showInteractive={false} />
        </ReactFlow>
        <ReadOnlyNotesList notes={shown.notes} marks={shown.marks} />
      </div>
    </CanvasContext.Provider>
  );
}
