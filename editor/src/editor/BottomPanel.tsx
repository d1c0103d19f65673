import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CanvasEdge, CanvasNode } from '../flow/graph.ts';
import type { Issue } from '../flow/issues.ts';
import { ProblemsPanel } from './ProblemsPanel.tsx';
import { RunsPanel } from './RunsPanel.tsx';
import { SchedulePanel } from './SchedulePanel.tsx';
import { VersionsPanel } from '../versions/VersionsPanel.tsx';
import { useOptionalAuth } from '../auth/AuthProvider.tsx';
import { mayDo } from '../auth/permissions.ts';

export type BottomTab = 'problems' | 'runs' | 'schedule' | 'versions';

/** The tabs under the canvas: the draft's problems, the flow's past runs and, for a scheduled flow, its schedule. */
export function BottomPanel(props: {
  tab: BottomTab;
  onTab: (tab: BottomTab) => void;
  issues: Issue[];
  /** Shown after the problems; they do not block publishing. */
  warnings: Issue[];
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  onPick: (target: { nodeId?: string; edgeId?: string }) => void;
  flowId: string | null;
  /** Set when the draft starts with a schedule trigger. */
  schedule?: { departmentId: string | null | undefined; draftAhead: boolean };
  departmentId: string | null | undefined;
  onRollback: (version: number) => Promise<void>;
}) {
  const { t } = useTranslation();
  const auth = useOptionalAuth();
  // The Schedule tab goes with the schedule trigger; if it was showing, the runs take its place.
  const current: BottomTab = props.tab === 'schedule' && !props.schedule ? 'runs' : props.tab;
  const tabButton = (tab: BottomTab, label: ReactNode) => (
    <button
      type="button"
      role="tab"
      id={`tab-${tab}`}
      aria-selected={current === tab}
      aria-controls="bottom-tabpanel"
      className={`fd-tab${current === tab ? ' is-active' : ''}`}
      data-testid={`tab-${tab}`}
      onClick={() => props.onTab(tab)}
    >
      {label}
    </button>
  );
  return (
    <section className="fd-bottom" aria-label={t('editor.bottomPanel')}>
      <div className="fd-tabs" role="tablist">
        {tabButton(
          'problems',
          <>
            {t('problems.title')}
            <span className={`fd-count${props.issues.length ? ' is-bad' : ''}`} data-testid="problems-count">
              {props.issues.length}
            </span>
            {props.warnings.length > 0 && (
              <span
                className="fd-count is-warn"
                data-testid="warnings-count"
                title={t('problems.warnings', { count: props.warnings.length })}
              >
                ⚠ {props.warnings.length}
              </span>
            )}
          </>,
        )}
        {tabButton('runs', t('runs.title'))}
        {tabButton('versions', t('versions.title'))}
        {props.schedule && tabButton('schedule', t('schedule.title'))}
      </div>
      <div className="fd-tabpanel" role="tabpanel" id="bottom-tabpanel" aria-labelledby={`tab-${current}`}>
        {current === 'problems' ? (
          <ProblemsPanel issues={props.issues} warnings={props.warnings} nodes={props.nodes} edges={props.edges} onPick={props.onPick} />
        ) : current === 'versions' ? (
          <VersionsPanel
            flowId={props.flowId}
            canPublish={mayDo(auth?.user, 'flows:publish', props.departmentId ?? undefined)}
            onRollback={props.onRollback}
          />
        ) : current === 'schedule' && props.schedule ? (
          <SchedulePanel flowId={props.flowId} departmentId={props.schedule.departmentId} draftAhead={props.schedule.draftAhead} />
        ) : (
          <RunsPanel flowId={props.flowId} />
        )}
      </div>
    </section>
  );
}
