import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FlowDocumentInput, RunState } from '@flightdeck/workflows';
import type { RunActivities } from '../api/types.ts';
import { NodeRunDetails } from './NodeRunDetails.tsx';
import { RunCanvas } from './RunCanvas.tsx';

const LEGEND = ['pending', 'running', 'completed', 'failed', 'skipped', 'cancelled'] as const;

/** A run's graph with per-node status, and the details of the node picked on it. Used for real runs and dry runs. */
/** `live`: a real run on the server (decisions can be made from it), not a dry run. */
export function RunView({
  graph,
  state,
  live = false,
  activities,
}: {
  graph: FlowDocumentInput;
  state: RunState | null;
  live?: boolean;
  /** A real run's activity calls, for attempts per node. */
  activities?: RunActivities['items'];
}) {
  const { t } = useTranslation();
  const [selected, setSelected] = useState<string | null>(null);
  const counts = new Map<string, number>();
  for (const n of graph.nodes) {
    const s = state?.nodes[n.id]?.status ?? 'pending';
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  return (
    <div className="fd-runview">
      <div className="fd-runview__canvas">
        <RunCanvas graph={graph} state={state} selectedId={selected} onSelect={setSelected} />
        <ul className="fd-legend" aria-label={t('run.legend')}>
          {LEGEND.filter((s) => counts.get(s)).map((s) => (
            <li key={s} className={`status-${s}`}>
              <span className="fd-legend__dot" aria-hidden />
              {t(`status.${s}`, { defaultValue: s })} · {counts.get(s)}
            </li>
          ))}
        </ul>
      </div>
      <aside className="fd-runview__side" aria-label={t('run.nodeDetails')}>
        <h2 className="fd-panel__title">{t('run.nodeDetails')}</h2>
        <NodeRunDetails graph={graph} state={state} nodeId={selected} live={live} activities={activities} />
      </aside>
    </div>
  );
}
