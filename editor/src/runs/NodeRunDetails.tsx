import { useTranslation } from 'react-i18next';
import { nodeInput, type FlowDocumentInput, type RunState } from '@flightdeck/workflows';
import { handleLabel, nodeTitle } from '../catalogue.ts';
import { useLocale } from '../i18n/index.ts';
import { elapsed, formatDateTime, formatMs, prettyJson } from '../components/format.ts';
import { StatusBadge } from './status.tsx';
import type { RunActivities } from '../api/types.ts';
import { takenHandles } from '../flow/runState.ts';
import { ApprovalTaskDetails } from '../approvals/ApprovalTaskDetails.tsx';
import { currentVotes, isApprovalView } from '../approvals/approval.ts';
import { DecisionForm } from '../approvals/DecisionForm.tsx';
import { useOptionalAuth } from '../auth/AuthProvider.tsx';
import { isMonitorDetail, MonitorRules } from './MonitorRules.tsx';

interface NodeRunDetailsProps {
  graph: FlowDocumentInput;
  state: RunState | null;
  nodeId: string | null;
  live?: boolean;
  activities?: RunActivities['items'];
}

/** The attempt a call-out node's answer came on (a webhook's `attempt`), when its output says. */
function attemptOf(output: unknown): number | undefined {
  const a = output !== null && typeof output === 'object' && !Array.isArray(output) ? (output as { attempt?: unknown }).attempt : undefined;
  return typeof a === 'number' && Number.isInteger(a) && a > 0 ? a : undefined;
}

/** What one node did in a run: status, timing, attempts, the outcome it took, what it read, its output or error. */
export function NodeRunDetails({ graph, state, nodeId, live = false, activities }: NodeRunDetailsProps) {
  const { t } = useTranslation();
  const locale = useLocale();
  const me = useOptionalAuth()?.user;
  const node = nodeId ? graph.nodes.find((n) => n.id === nodeId) : undefined;
  if (!node) return <p className="fd-muted">{t('run.pickNode')}</p>;
  const s = state?.nodes[node.id];
  const status = s?.status ?? 'pending';
  const duration = s?.durationMs ?? (s?.startedAt !== undefined && status === 'running' ? elapsed(s.startedAt, undefined) : undefined);
  // Its calls in its latest execution, from Temporal's history; else what a webhook's answer says.
  const calls = (activities ?? []).filter((a) => node && a.nodeId === node.id && a.execution === s?.executions);
  const attempt = calls.length ? Math.max(...calls.map((c) => c.attempts)) : attemptOf(s?.output);
  const input = state && s && s.executions > 0 ? nodeInput(graph.edges, state.nodes, node.id) : undefined;
  return (
    <div className="fd-run-node" data-testid="run-node-details" data-node-id={node.id}>
      <h3 className="fd-run-node__title">
        {node.label || node.id} <span className="fd-muted">· {nodeTitle(node.type, locale)}</span>
      </h3>
      <dl className="fd-facts">
        <dt>{t('run.status')}</dt>
        <dd>
          <StatusBadge status={status} />
        </dd>
        <dt>{t('run.executions')}</dt>
        <dd>{s?.executions ?? 0}</dd>
        {attempt !== undefined && (
          <>
            <dt>{t('run.attempts')}</dt>
            <dd data-testid="run-node-attempts">{attempt}</dd>
          </>
        )}
        <dt>{t('run.started')}</dt>
        <dd>{formatDateTime(s?.startedAt, locale)}</dd>
        <dt>{t('run.ended')}</dt>
        <dd>{formatDateTime(s?.endedAt, locale)}</dd>
        <dt>{t('run.duration')}</dt>
        <dd>{formatMs(duration)}</dd>
        {takenHandles(s).length > 0 && (
          <>
            <dt>{t('run.outcome')}</dt>
            <dd>
              {takenHandles(s)
                .map((h) => handleLabel(node.type, h, locale))
                .join(', ')}
            </dd>
          </>
        )}
      </dl>
      {s?.error && (
        <>
          <h4>{t('run.error')}</h4>
          <pre className="fd-pre fd-pre--error" data-testid="run-node-error">
            {s.error}
          </pre>
        </>
      )}
      {isApprovalView(s?.detail) ? (
        <>
          <h4>{t('approval.task')}</h4>
          <ApprovalTaskDetails view={s.detail} />
          {/* An eligible approver looking at a real run may decide right here. */}
          {live &&
            me &&
            s.detail.status === 'open' &&
            s.detail.eligible.some((p) => p.id === me.id) &&
            !currentVotes(s.detail).some((v) => v.userId === me.id) && (
              <DecisionForm taskId={s.detail.taskId} nodeId={node.id} title={s.detail.title} />
            )}
          <details className="fd-raw">
            <summary>{t('run.detail')}</summary>
            <pre className="fd-pre" data-testid="run-node-detail">
              {prettyJson(s.detail)}
            </pre>
          </details>
        </>
      ) : isMonitorDetail(s?.detail) ? (
        <>
          <h4>{t('monitor.rules')}</h4>
          <MonitorRules detail={s.detail} />
        </>
      ) : (
        s?.detail !== undefined && (
          <>
            <h4>{t('run.detail')}</h4>
            <pre className="fd-pre" data-testid="run-node-detail">
              {prettyJson(s.detail)}
            </pre>
          </>
        )
      )}
      {calls.length > 0 && (
        <>
          <h4>{t('run.calls')}</h4>
          <ul className="fd-plain-list" data-testid="run-node-calls">
            {calls.map((c, i) => (
              <li key={i}>
                <code>{c.activityType}</code> · {t('run.callAttempts', { count: c.attempts })} · {t(`run.callStatus.${c.status}`)}
                {c.error && <span className="fd-error-text"> · {c.error}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      {input !== undefined && (
        <>
          <h4>{t('run.nodeInput')}</h4>
          {Object.keys(input).length ? (
            <pre className="fd-pre" data-testid="run-node-input">
              {prettyJson(input)}
            </pre>
          ) : (
            <p className="fd-muted">{t('run.noInput')}</p>
          )}
        </>
      )}
      <h4>{t('run.output')}</h4>
      {s?.output !== undefined ? (
        <pre className="fd-pre" data-testid="run-node-output">
          {prettyJson(s.output)}
        </pre>
      ) : (
        <p className="fd-muted">{t('run.noOutput')}</p>
      )}
    </div>
  );
}
