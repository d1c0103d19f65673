import { useCallback, useMemo, useState, type DragEvent, type ReactNode } from 'react';
import { Map as MapIcon } from 'lucide-react';
import {
  Background,
  ControlButton,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  SelectionMode,
  useReactFlow,
  type Connection,
  type Edge,
  type Node,
  type OnBeforeDelete,
} from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import { problemText } from '@flightdeck/workflows';
import { nodeType } from '../catalogue.ts';
import { useLocale } from '../i18n/index.ts';
import { annotatedNodeTypes } from '../flow/annotationNodeTypes.ts';
import { AnnotationContext, type AnnotationActions } from '../flow/annotationContext.ts';
import { annotationMiniMapColor, type AnyCanvasNode } from '../flow/annotations.ts';
import { useFlowAriaLabels } from '../flow/ariaLabels.ts';
import { FIT_OPTIONS, FitView } from '../flow/FitView.tsx';
import { PRO_OPTIONS } from '../flow/canvasOptions.ts';
import { VISIBLE_ONLY_NODE_LIMIT } from '../flow/nodeGeometry.ts';
import type { CanvasEdge, CanvasNode } from '../flow/graph.ts';
import type { IssueIndex } from '../flow/issues.ts';
import type { FlowDraft } from './useFlowDraft.ts';
import { PALETTE_MIME } from './Palette.tsx';
import { Modal } from '../components/Modal.tsx';

const DELETE_KEYS = ['Backspace', 'Delete'];
const MULTI_SELECT_KEYS = ['Shift', 'Meta', 'Control'];
const defaultEdgeOptions = { markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 } };
// Stable props (see canvasOptions.ts): the canvas re-renders on each drag frame, so its callbacks never depend on `draft`
// itself, a new object each render, only on its stable callbacks.
const SNAP_GRID: [number, number] = [8, 8];

// Module-level: a new function each render would repaint every minimap node on every drag frame.
const miniMapColor = (n: Node) => annotationMiniMapColor(n) ?? nodeType((n as CanvasNode).data.type)?.editor.color ?? '#94a3b8';

/**
 * Above this many nodes the minimap starts hidden (a control button shows it): it follows every node, so on a large
 * flow it costs a drag frame a good part of its budget.
 */
const MINIMAP_NODE_LIMIT = 200;

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/**
 * The editable canvas: drop from the palette, connect handles, select with a shift-drag box, delete
 * with the keyboard (asking first when connections go with the nodes). `children` draw over it.
 */
export function EditorCanvas({ draft, issues, children }: { draft: FlowDraft; issues: IssueIndex; children?: ReactNode }) {
  const { t } = useTranslation();
  const { screenToFlowPosition } = useReactFlow();
  const ariaLabelConfig = useFlowAriaLabels();
  const locale = useLocale();
  const [miniMapChoice, setMiniMapChoice] = useState<boolean | null>(null);
  const showMiniMap = miniMapChoice ?? draft.nodes.length <= MINIMAP_NODE_LIMIT;

  // Issues are painted on a derived copy so that React Flow's own edge state stays untouched.
  const edges = useMemo<CanvasEdge[]>(
    () =>
      draft.edges.map((e) => {
        const problems = issues.byEdge.get(e.id);
        if (!problems?.length) return e;
        return {
          ...e,
          className: 'fd-edge--error',
          label: truncate(problemText(problems[0]!, locale), 48),
          markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18, color: '#dc2626' },
        };
      }),
    [draft.edges, issues, locale],
  );

  const onDragOver = useCallback((e: DragEvent) => {
    if (!e.dataTransfer.types.includes(PALETTE_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  }, []);

  const { addNode, remember, connect, canConnect } = draft;
  const onDrop = useCallback(
    (e: DragEvent) => {
      const type = e.dataTransfer.getData(PALETTE_MIME);
      if (!type || !nodeType(type)) return;
      e.preventDefault();
      const p = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      // Drop so the pointer sits near the node's top-left corner, as when dragging a card.
      addNode(type, { x: Math.round(p.x - 20), y: Math.round(p.y - 20) }, { select: true });
    },
    [addNode, screenToFlowPosition],
  );

  const [confirm, setConfirm] = useState<{ edges: number; resolve: (ok: boolean) => void } | null>(null);
  // One undo step for the nodes and edges React Flow is about to remove (it reports them in two batches).
  const onBeforeDelete = useCallback<OnBeforeDelete<AnyCanvasNode, CanvasEdge>>(
    async ({ nodes, edges: gone }) => {
      if (!nodes.length && !gone.length) return false;
      // Edges the user picked are meant; edges that only go because their node does are worth a question.
      const attached = gone.filter((e) => !e.selected).length;
      const ok = attached === 0 || (await new Promise<boolean>((resolve) => setConfirm({ edges: attached, resolve })));
      setConfirm(null);
      if (ok) remember();
      return ok;
    },
    [remember],
  );

  const onConnect = useCallback((c: Connection) => void connect(c), [connect]);
  const isValidConnection = useCallback((c: Connection | Edge) => canConnect(c), [canConnect]);
  const { updateNote, renameGroup, takeFreshNote } = draft;
  const annotationActions = useMemo<AnnotationActions>(
    () => ({ updateNote, renameGroup, takeFreshNote }),
    [updateNote, renameGroup, takeFreshNote],
  );

  return (
    <div
      className="fd-canvas"
      onDragOver={onDragOver}
      onDrop={onDrop}
      // Shift-drag draws a selection box; without this the browser also extends a text selection across the page.
      onMouseDown={(e) => e.shiftKey && e.preventDefault()}
      data-testid="canvas"
      aria-label={t('canvas.label')}
    >
      <AnnotationContext.Provider value={annotationActions}>
        <ReactFlow<AnyCanvasNode, CanvasEdge>
          nodes={draft.canvasNodes}
          edges={edges}
          nodeTypes={annotatedNodeTypes}
          onNodesChange={draft.onCanvasNodesChange}
          onEdgesChange={draft.onEdgesChange}
          onConnect={onConnect}
          isValidConnection={isValidConnection}
          deleteKeyCode={DELETE_KEYS}
          onBeforeDelete={onBeforeDelete}
          selectionKeyCode="Shift"
          multiSelectionKeyCode={MULTI_SELECT_KEYS}
          selectionMode={SelectionMode.Partial}
          defaultEdgeOptions={defaultEdgeOptions}
          onlyRenderVisibleElements={draft.nodes.length > VISIBLE_ONLY_NODE_LIMIT}
          fitView
          fitViewOptions={FIT_OPTIONS}
          minZoom={0.2}
          snapToGrid
          snapGrid={SNAP_GRID}
          proOptions={PRO_OPTIONS}
          ariaLabelConfig={ariaLabelConfig}
        >
          <FitView />
          {children}
          <Background gap={16} />
          <Controls showInteractive={false}>
            <ControlButton
              onClick={() => setMiniMapChoice(!showMiniMap)}
              aria-pressed={showMiniMap}
              aria-label={t(showMiniMap ? 'canvas.hideMinimap' : 'canvas.showMinimap')}
              title={t(showMiniMap ? 'canvas.hideMinimap' : 'canvas.showMinimap')}
              data-testid="minimap-toggle"
            >
              <MapIcon aria-hidden />
            </ControlButton>
          </Controls>
          {showMiniMap && <MiniMap pannable zoomable nodeColor={miniMapColor} />}
        </ReactFlow>
      </AnnotationContext.Provider>
      {draft.nodes.length === 0 && draft.notes.length === 0 && <div className="fd-canvas__empty">{t('canvas.empty')}</div>}
      {confirm && (
        <Modal
          title={t('tools.confirmDeleteTitle')}
          onClose={() => confirm.resolve(false)}
          testId="confirm-delete"
          footer={
            <>
              <button type="button" className="fd-btn" data-testid="confirm-delete-cancel" onClick={() => confirm.resolve(false)}>
                {t('common.cancel')}
              </button>
              <button type="button" className="fd-btn fd-btn--danger" data-testid="confirm-delete-ok" onClick={() => confirm.resolve(true)}>
                {t('tools.confirmDelete')}
              </button>
            </>
          }
        >
          <p>{t('tools.confirmDeleteBody', { count: confirm.edges })}</p>
        </Modal>
      )}
    </div>
  );
}
