import { problemText } from '@flightdeck/workflows';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { handleLabel } from '../catalogue.ts';
import { useLocale } from '../i18n/index.ts';
import type { CanvasEdge, CanvasNode } from '../flow/graph.ts';
import type { Issue } from '../flow/issues.ts';

/** Every issue in the draft; choosing one selects what it is about on the canvas. */
export function ProblemsPanel(props: {
  issues: Issue[];
  warnings: Issue[];
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  onPick: (target: { nodeId?: string; edgeId?: string }) => void;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  // Looked up once per issue: a find per issue made a flow with hundreds of issues quadratic on every drag frame.
  const nodesById = useMemo(() => new Map(props.nodes.map((n) => [n.id, n])), [props.nodes]);
  const edgesById = useMemo(() => new Map(props.edges.map((e) => [e.id, e])), [props.edges]);
  if (!props.issues.length && !props.warnings.length) {
    return (
      <div className="fd-problems fd-problems--ok" data-testid="problems-panel">
        <span className="fd-ok-dot" aria-hidden /> {t('problems.none')}
      </div>
    );
  }
  const nodeName = (id: string) => {
    return nodesById.get(id)?.data.label || id;
  };
  const where = (issue: Issue): string => {
    if (issue.edgeId) {
      const e = edgesById.get(issue.edgeId);
      if (!e) return issue.edgeId;
      const source = nodesById.get(e.source);
      const handle = source ? handleLabel(source.data.type, e.sourceHandle ?? '', locale) : e.sourceHandle;
      return t('problems.edge', { from: nodeName(e.source), handle, to: nodeName(e.target) });
    }
    if (issue.nodeId) return nodeName(issue.nodeId);
    return t('problems.flow');
  };
  return (
    <ul className="fd-problems" data-testid="problems-panel">
      {!props.issues.length && (
        <li className="fd-problems--ok" data-testid="problems-ready-with-warnings">
          <span className="fd-ok-dot" aria-hidden /> {t('problems.readyWithWarnings', { count: props.warnings.length })}
        </li>
      )}
      {[...props.issues, ...props.warnings].map((issue, n) => {
        const target = issue.edgeId ? { edgeId: issue.edgeId } : issue.nodeId ? { nodeId: issue.nodeId } : undefined;
        return (
          <li key={n}>
            <button
              type="button"
              className={`fd-problem${issue.warning ? ' fd-problem--warning' : ''}`}
              data-testid={issue.warning ? 'warning-item' : 'problem-item'}
              data-node-id={issue.nodeId}
              data-edge-id={issue.edgeId}
              disabled={!target}
              onClick={() => target && props.onPick(target)}
            >
              <span className="fd-problem__icon" aria-hidden>
                {issue.warning ? '⚠' : '!'}
              </span>
              <span className="fd-problem__where">{where(issue)}</span>
              <span className="fd-problem__msg">{problemText(issue, locale)}</span>
              {issue.source === 'server' && <span className="fd-tag">{t('problems.fromServer')}</span>}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
