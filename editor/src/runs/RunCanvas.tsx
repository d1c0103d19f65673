import { useMemo } from 'react';
import { Background, Controls, MarkerType, MiniMap, ReactFlow } from '@xyflow/react';
import type { FlowDocument, RunState } from '@flightdeck/workflows';
import { useTranslation } from 'react-i18next';
import { canvasNodeTypes } from '../flow/FlowNodeView.tsx';
import { useFlowAriaLabels } from '../flow/ariaLabels.ts';
import { CanvasContext, type CanvasInfo } from '../flow/canvasContext.ts';
import { toCanvas, type CanvasEdge, type CanvasNode } from '../flow/graph.ts';
import { EMPTY_INDEX } from '../flow/issues.ts';

const STATUS_COLOR: Record<string, string> = {
  pending: '#94a3b8',
  running: '#2563eb',
  completed: '#16a34a',
  failed: '#dc2626',
  skipped: '#cbd5e1',
  cancelled: '#a16207',
};

/** The pinned graph of a run, read-only, painted with each node's status and the edges the run took. */
export function RunCanvas(props: { graph: FlowDocument; state: RunState | null; selectedId: string | null; onSelect: (id: string | null) => void }) {
  const { t } = useTranslation();
  const ariaLabelConfig = useFlowAriaLabels();
  const base = useMemo(() => toCanvas(props.graph), [props.graph]);
  const nodes = useMemo<CanvasNode[]>(
    () => base.nodes.map((n) => ({ ...n, selected: n.id === props.selectedId, draggable: false, connectable: false })),
    [base, props.selectedId],
  );
  const edges = useMemo<CanvasEdge[]>(
    () =>
      base.edges.map((e) => {
        const source = props.state?.nodes[e.source];
        const target = props.state?.nodes[e.target];
        // A node records the handle it left by, so an edge was taken when it leaves by that handle.
        const taken = !!source && source.executions > 0 && source.handle === e.sourceHandle && (target?.executions ?? 0) > 0;
        const className = taken ? 'fd-edge--taken' : props.state && props.state.status !== 'running' ? 'fd-edge--idle' : undefined;
        return { ...e, className, animated: taken && target?.status === 'running', markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 } };
      }),
    [base, props.state],
  );
  const info = useMemo<CanvasInfo>(() => ({ mode: 'run', issues: EMPTY_INDEX, run: props.state }), [props.state]);
  return (
    <CanvasContext.Provider value={info}>
      <div className="fd-canvas" data-testid="run-canvas" aria-label={t('run.canvas')}>
        <ReactFlow<CanvasNode, CanvasEdge>
          nodes={nodes}
          edges={edges}
          nodeTypes={canvasNodeTypes}
          nodesDraggable={false}
          nodesConnectable={false}
          edgesFocusable={false}
          deleteKeyCode={null}
          onNodeClick={(_, n) => props.onSelect(n.id)}
          onPaneClick={() => props.onSelect(null)}
          fitView
          fitViewOptions={{ maxZoom: 1.1, padding: 0.2 }}
          minZoom={0.2}
          proOptions={{ hideAttribution: true }}
          ariaLabelConfig={ariaLabelConfig}
        >
          <Background gap={16} />
          <Controls showInteractive={false} />
          <MiniMap pannable zoomable nodeColor={(n) => STATUS_COLOR[props.state?.nodes[n.id]?.status ?? 'pending'] ?? '#94a3b8'} />
        </ReactFlow>
      </div>
    </CanvasContext.Provider>
  );
}
