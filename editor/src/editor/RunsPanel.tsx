import { useTranslation } from 'react-i18next';
import { useRuns } from '../api/queries.ts';
import type { RunSummary } from '../api/types.ts';
import { PanelQuery } from '../components/PanelQuery.tsx';
import { elapsed, formatDateTime, formatMs } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import { useLocale } from '../i18n/index.ts';
import { href } from '../routes.ts';
import { StatusBadge } from '../runs/status.tsx';

/** Past runs of this flow, newest first; each opens in the run view. */
export function RunsPanel({ flowId }: { flowId: string | null }) {
  const { t } = useTranslation();
  const runs = useRuns(flowId ?? undefined);
  if (!flowId) return <p className="fd-muted fd-pad">{t('runs.saveFirst')}</p>;
  return (
    <PanelQuery query={runs} loadError={(detail) => t('runs.loadError', { detail })}>
      {(items) => (items.length ? <RunsTable runs={items} /> : <p className="fd-muted fd-pad">{t('runs.none')}</p>)}
    </PanelQuery>
  );
}

function RunsTable({ runs }: { runs: RunSummary[] }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const sorted = [...runs].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return (
    <table className="fd-table fd-table--compact" data-testid="runs-panel">
      <thead>
        <tr>
          <th>{t('runs.status')}</th>
          <th>{t('runs.version')}</th>
          <th>{t('runs.started')}</th>
          <th>{t('runs.duration')}</th>
          <th>{t('runs.reason')}</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((r) => (
          <tr key={r.id} data-testid={`run-row-${r.id}`}>
            <td>
              <Link href={href.run(r.id)} className="fd-row-link">
                <StatusBadge status={r.status} />
              </Link>
            </td>
            <td>v{r.version}</td>
            <td>
              <Link href={href.run(r.id)}>{formatDateTime(r.startedAt, locale)}</Link>
            </td>
            <td>{formatMs(elapsed(r.startedAt, r.endedAt))}</td>
            <td className="fd-ellipsis" title={r.reason ?? ''}>
              {r.reason ?? ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
