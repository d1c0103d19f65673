import { useEffect, useMemo, useRef } from 'react';
import { Background, Controls, MarkerType, MiniMap, ReactFlow, ReactFlowProvider } from '@xyflow/react';
import type { FlowDocumentInput, RunState } from '@flightdeck/workflows';
import { useTranslation } from 'react-i18next';
import { annotatedNodeTypes } from '../flow/annotationNodeTypes.ts';
import { CANVAS_NODE_TYPE } from '../flow/graph.ts';
import { annotationMiniMapColor, flowNodeChanges, readOnlyCanvasNodes, type AnyCanvasNode } from '../flow/annotations.ts';
import { useFlowAriaLabels } from '../flow/ariaLabels.ts';
import { FIT_OPTIONS, FitView } from '../flow/FitView.tsx';
import { PRO_OPTIONS } from '../flow/canvasOptions.ts';
import { ReadOnlyNotesList } from '../flow/ReadOnlyNotesList.tsx';
import { CanvasContext, type CanvasInfo } from '../flow/canvasContext.ts';
import { toCanvas, type CanvasEdge, type CanvasNode } from '../flow/graph.ts';
import { EMPTY_INDEX } from '../flow/issues.ts';
import { takenHandles } from '../flow/runState.ts';
import { useReadOnlyNodes } from '../flow/useReadOnlyNodes.ts';
import { RUN_ROW_HEIGHT } from '../flow/nodeGeometry.ts';

const STATUS_COLOR: Record<string, string> = {
  pending: '#94a3b8',
  running: '#2563eb',
  completed: '#16a34a',
  failed: '#dc2626',
  skipped: '#cbd5e1',
  cancelled: '#a16207',
};

function readOnly(nodes: CanvasNode[]): CanvasNode[] {
  return nodes.map((n) => ({ ...n, draggable: false, connectable: false, deletable: false }));
}

/**
 * The pinned graph of a run, read-only, painted with each node's status and the edges the run took.
 * It has its own React Flow store: inside the editor (dry run) it must not share the editor's.
 */
export function RunCanvas(props: Parameters<typeof RunCanvasInner>[0]) {
  return (
    <ReactFlowProvider>
      <RunCanvasInner {...props} />
    </ReactFlowProvider>
  );
}

interface RunCanvasProps {
  graph: FlowDocumentInput;
  state: RunState | null;
  selectedId: string | null;
  onSelect: (id: string | null) => void;
}

function RunCanvasInner(props: RunCanvasProps) {
  const { t } = useTranslation();
  const ariaLabelConfig = useFlowAriaLabels();
  const base = useMemo(() => toCanvas(props.graph), [props.graph]);
  // React Flow records measured sizes through node changes; the minimap and fitView need them.
  const { nodes, replace, update, onNodesChange, visibleOnly } = useReadOnlyNodes(() => readOnly(base.nodes), RUN_ROW_HEIGHT);
  const shown = useRef(base);
  useEffect(() => {
    // Only a different graph replaces the nodes; re-setting the same ones would drop their measurements.
    if (shown.current === base) return;
    shown.current = base;
    replace(readOnly(base.nodes));
  }, [base, replace]);
  useEffect(() => {
    update((ns) => ns.map((n) => (!!n.selected === (n.id === props.selectedId) ? n : { ...n, selected: n.id === props.selectedId })));
  }, [props.selectedId, update, nodes.length]);
  // Frames follow the measured nodes, so they are derived on each render rather than kept in the nodes' state.
  const drawn = useMemo(() => readOnlyCanvasNodes(base.notes, base.groups, nodes), [base, nodes]);
  const edges = useMemo<CanvasEdge[]>(
    () =>
      base.edges.map((e) => {
        const source = props.state?.nodes[e.source];
        const target = props.state?.nodes[e.target];
        // A node records the handle it left by, so an edge was taken when it leaves by that handle.
        const taken =
          !!source && source.executions > 0 && takenHandles(source).includes(e.sourceHandle ?? '') && (target?.executions ?? 0) > 0;
        const className = taken ? 'fd-edge--taken' : props.state && props.state.status !== 'running' ? 'fd-edge--idle' : undefined;
        return {
          ...e,
          className,
          animated: taken && target?.status === 'running',
          markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18, ...(taken ? { color: '#16a34a' } : {}) },
        };
      }),
    [base, props.state],
  );
  const info = useMemo<CanvasInfo>(() => ({ mode: 'run', issues: EMPTY_INDEX, run: props.state }), [props.state]);
  return (
    <CanvasContext.Provider value={info}>
      <div className="fd-canvas" data-testid="run-canvas" aria-label={t('run.canvas')}>
        <ReactFlow<AnyCanvasNode, CanvasEdge>
          nodes={drawn}
          edges={edges}
          onNodesChange={(changes) => onNodesChange(flowNodeChanges(changes, drawn))}
          nodeTypes={annotatedNodeTypes}
          nodesDraggable={false}
          nodesConnectable={false}
          edgesFocusable={false}
          deleteKeyCode={null}
          onNodeClick={(_, n) => n.type === CANVAS_NODE_TYPE && props.onSelect(n.id)}
          onPaneClick={() => props.onSelect(null)}
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
          <MiniMap
            pannable
            zoomable
            nodeColor={(n) => annotationMiniMapColor(n) ?? STATUS_COLOR[props.state?.nodes[n.id]?.status ?? 'pending'] ?? '#94a3b8'}
          />
        </ReactFlow>
        <ReadOnlyNotesList notes={base.notes} />
      </div>
    </CanvasContext.Provider>
  );
}
