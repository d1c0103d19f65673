import { problemText } from '@flightdeck/workflows';
import { memo, useEffect, useRef, type CSSProperties } from 'react';
import { Handle, Position, useUpdateNodeInternals, type NodeProps } from '@xyflow/react';
import { handleLabel, handlesFor, nodeText, nodeType } from '../catalogue.ts';
import { useCanvasText } from '../i18n/index.ts';
import { formatMs } from '../components/format.ts';
import { useCanvasInfo } from './canvasContext.ts';
import { takenHandles } from './runState.ts';
import { NodeIcon } from './NodeIcon.tsx';
import type { CanvasNode } from './graph.ts';
import { approvalCount, isApprovalView } from '../approvals/approval.ts';

/**
 * React Flow measures a node's handles when the node mounts and when its size changes; a config edit that adds or
 * renames a handle (a split's branch, a monitor's rule) changes neither, so the node asks for a new measure then.
 * Only then: asking on mount as well costs a DOM query and a store update per node, which made opening a large
 * flow quadratic.
 */
function useRemeasureOnHandleChange(id: string, handleKey: string): void {
  const updateNodeInternals = useUpdateNodeInternals();
  const measured = useRef(handleKey);
  useEffect(() => {
    if (measured.current === handleKey) return;
    measured.current = handleKey;
    updateNodeInternals(id);
  }, [id, handleKey, updateNodeInternals]);
}

/** One node on the canvas, in the editor and in the run view; everything it shows comes from the catalogue. */
function FlowNodeViewImpl({ id, data, selected }: NodeProps<CanvasNode>) {
  const { t, locale } = useCanvasText();
  const { mode, issues, run, orphanHandles, reached, diff } = useCanvasInfo();
  const mark = mode === 'diff' ? diff?.get(id) : undefined;
  const orphans = orphanHandles?.get(id) ?? [];
  const desc = nodeType(data.type);
  const text = nodeText(data.type, locale);
  const handles = handlesFor(data.type, data.config);
  useRemeasureOnHandleChange(id, [...handles, ...orphans].join('\u0000'));

  const nodeIssues = mode === 'edit' ? (issues.byNode.get(id) ?? []) : [];
  const state = mode === 'run' ? run?.nodes[id] : undefined;
  const status = mode === 'run' ? (state?.status ?? 'pending') : undefined;
  const taken = takenHandles(state);
  const editable = mode === 'edit';
  const classes = ['fd-node'];
  if (selected) classes.push('is-selected');
  if (nodeIssues.length) classes.push('has-issues');
  if (!desc) classes.push('is-unknown');
  if (status) classes.push(`status-${status}`);
  const wasReached = reached ? reached.has(id) : undefined;
  if (wasReached !== undefined) classes.push(wasReached ? 'is-reached' : 'is-unreached');
  if (mark) classes.push(`diff-${mark}`);

  const style = { '--node-color': desc?.editor.color ?? '#64748b' } as CSSProperties;
  const title = text?.title ?? data.type;
  const tooltip = nodeIssues.length ? nodeIssues.map((i) => `• ${problemText(i, locale)}`).join('\n') : (text?.description ?? '');

  return (
    <div
      className={classes.join(' ')}
      style={style}
      data-testid={`node-${id}`}
      data-status={status}
      data-type={data.type}
      data-reached={wasReached}
      data-diff={mark}
      title={tooltip}
    >
      {(desc?.hasInput ?? true) && (
        <Handle type="target" position={Position.Left} isConnectable={editable} className="fd-handle fd-handle--in" />
      )}
      <div className="fd-node__head">
        <span className="fd-node__icon" aria-hidden>
          <NodeIcon type={data.type} />
        </span>
        <div className="fd-node__names">
          <div className="fd-node__title">{title}</div>
          <div className="fd-node__label">{data.label || id}</div>
        </div>
        {nodeIssues.length > 0 && (
          <span className="fd-node__issue-count" aria-label={t('problems.count', { count: nodeIssues.length })}>
            {nodeIssues.length}
          </span>
        )}
      </div>
      {/* In the editor the issue list already says this. */}
      {!desc && mode === 'run' && <div className="fd-node__note">{t('node.unknownType', { type: data.type })}</div>}
      {status && (
        <div className="fd-node__run">
          <span className={`fd-badge status-${status}`} data-testid={`node-status-${id}`}>
            {t(`status.${status}`, { defaultValue: status })}
          </span>
          {state && state.executions > 1 && (
            <span title={t('run.executions')}>{t('run.executionsShort', { count: state.executions })}</span>
          )}
          {isApprovalView(state?.detail) && (
            <span
              className={`fd-node__approval astatus-${state.detail.status}`}
              data-testid={`node-approval-${id}`}
              data-status={state.detail.status}
              title={t(`approval.status.${state.detail.status}`)}
            >
              {t('approval.progress', { approved: approvalCount(state.detail), needed: Math.max(1, state.detail.needed) })}
            </span>
          )}
          <span className="fd-node__duration">
            {formatMs(
              // eslint-disable-next-line react-hooks/purity -- a running node's time so far as of this render; each poll re-renders it
              state?.durationMs ?? (state?.startedAt !== undefined && status === 'running' ? Date.now() - state.startedAt : undefined),
            )}
          </span>
        </div>
      )}
      {handles.length + orphans.length > 0 && (
        <div className="fd-node__outputs">
          {handles.map((h) => (
            <div key={h} className={`fd-node__output${taken.includes(h) ? ' is-taken' : ''}`} data-handle={h}>
              <span className="fd-node__handle-label">{handleLabel(data.type, h, locale)}</span>
              <Handle type="source" id={h} position={Position.Right} isConnectable={editable} className="fd-handle fd-handle--out" />
            </div>
          ))}
          {orphans.map((h) => (
            <div key={`orphan-${h}`} className="fd-node__output is-orphan" data-handle={h} title={t('node.orphanHandle', { handle: h })}>
              <span className="fd-node__handle-label">⚠ {h}</span>
              <Handle type="source" id={h} position={Position.Right} isConnectable={false} className="fd-handle fd-handle--out" />
            </div>
          ))}
        </div>
      )}
      {nodeIssues.length > 0 && (
        <ul className="fd-node__issues">
          {nodeIssues.slice(0, 2).map((i, n) => (
            <li key={n}>{problemText(i, locale)}</li>
          ))}
          {nodeIssues.length > 2 && <li>{t('node.moreIssues', { count: nodeIssues.length - 2 })}</li>}
        </ul>
      )}
    </div>
  );
}

/**
 * Only what the node shows: React Flow passes its measured size and place as props too, so a plain memo rendered every
 * node a second time once they were measured, and the dragged node on every frame.
 */
const sameView = (a: NodeProps<CanvasNode>, b: NodeProps<CanvasNode>) => a.id === b.id && a.data === b.data && a.selected === b.selected;
export const FlowNodeView = memo(FlowNodeViewImpl, sameView);
export const canvasNodeTypes = { flow: FlowNodeView };
