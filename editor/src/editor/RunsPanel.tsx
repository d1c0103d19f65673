import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useCampaigns, useRuns } from '../api/queries.ts';
import type { RunFilter, RunSummary } from '../api/types.ts';
import { useErrorText } from '../components/errorText.ts';
import { elapsed, formatDateTime, formatMs } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import { useLocale } from '../i18n/index.ts';
import { href } from '../routes.ts';
import { StatusBadge } from '../runs/status.tsx';

const STATUSES = ['running', 'completed', 'failed', 'cancelled'] as const;
/** The API's bound on the search text; the box stops there rather than earn a refusal. */
const SEARCH_MAX = 100;

type Filter = Omit<RunFilter, 'flowId'>;

/** A datetime-local value (the browser's own zone) as the instant the API takes; empty or unreadable: no bound. */
function instantOf(local: string): string | undefined {
  if (!local) return undefined;
  const t = new Date(local).getTime();
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

/** Past runs of this flow, newest first, filtered and searched; each opens in the run view. */
export function RunsPanel({ flowId }: { flowId: string | null }) {
  const { t } = useTranslation();
  const [filter, setFilter] = useState<Filter>({});
  if (!flowId) return <p className="fd-muted fd-pad">{t('runs.saveFirst')}</p>;
  return (
    <div className="fd-runs-panel">
      <RunFilters filter={filter} onChange={setFilter} />
      <RunsList flowId={flowId} filter={filter} />
    </div>
  );
}

function RunFilters({ filter, onChange }: { filter: Filter; onChange: (f: Filter) => void }) {
  const { t } = useTranslation();
  const campaigns = useCampaigns();
  const [search, setSearch] = useState(filter.q ?? '');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const set = (patch: Partial<Filter>) => {
    const next: Filter = { ...filter, ...patch };
    for (const k of Object.keys(next) as (keyof Filter)[]) if (next[k] === undefined || next[k] === '') delete next[k];
    onChange(next);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    set({ q: search.trim() || undefined, startedFrom: instantOf(from), startedTo: instantOf(to) });
  };
  return (
    <form className="fd-filters fd-filters--compact" onSubmit={submit} data-testid="runs-filters" aria-label={t('runs.filters')}>
      <label>
        {t('runs.status')}
        <select
          value={filter.status ?? ''}
          data-testid="runs-filter-status"
          onChange={(e) => set({ status: (e.target.value || undefined) as Filter['status'] })}
        >
          <option value="">{t('runs.any')}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('runs.campaign')}
        <select
          value={filter.campaignId ?? ''}
          data-testid="runs-filter-campaign"
          onChange={(e) => set({ campaignId: e.target.value || undefined })}
        >
          <option value="">{t('runs.any')}</option>
          {(campaigns.data ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('runs.version')}
        <input
          type="number"
          min={1}
          step={1}
          inputMode="numeric"
          className="fd-input--narrow"
          data-testid="runs-filter-version"
          value={typeof filter.version === 'number' ? filter.version : ''}
          onChange={(e) => {
            const n = Number(e.target.value);
            set({ version: e.target.value && Number.isInteger(n) && n >= 1 ? n : undefined });
          }}
        />
      </label>
      <label>
        {t('runs.from')}
        <input type="datetime-local" value={from} data-testid="runs-filter-from" onChange={(e) => setFrom(e.target.value)} />
      </label>
      <label>
        {t('runs.to')}
        <input type="datetime-local" value={to} data-testid="runs-filter-to" onChange={(e) => setTo(e.target.value)} />
      </label>
      <label className="fd-filters__grow">
        {t('runs.search')}
        <input
          type="search"
          maxLength={SEARCH_MAX}
          placeholder={t('runs.searchHint')}
          data-testid="runs-filter-search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      </label>
      <button type="submit" className="fd-btn" data-testid="runs-filter-apply">
        {t('runs.apply')}
      </button>
    </form>
  );
}

function RunsList({ flowId, filter }: { flowId: string; filter: Filter }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const runs = useRuns(flowId, filter);
  if (runs.isPending) return <p className="fd-muted fd-pad">{t('common.loading')}</p>;
  if (runs.isError)
    return (
      <p className="fd-error-text fd-pad" role="alert" data-testid="runs-error">
        {t('runs.loadError', { detail: errorText(runs.error) })}{' '}
        <button type="button" className="fd-btn fd-btn--link" onClick={() => void runs.refetch()}>
          {t('common.retry')}
        </button>
      </p>
    );
  const items = runs.data.pages.flatMap((p) => p.items);
  const filtered = Object.keys(filter).length > 0;
  if (!items.length) return <p className="fd-muted fd-pad">{filtered ? t('runs.noneMatch') : t('runs.none')}</p>;
  return (
    <>
      <RunsTable runs={items} />
      {runs.hasNextPage && (
        <button
          type="button"
          className="fd-btn fd-btn--link"
          data-testid="runs-more"
          disabled={runs.isFetchingNextPage}
          onClick={() => void runs.fetchNextPage()}
        >
          {runs.isFetchingNextPage ? t('common.loading') : t('runs.more')}
        </button>
      )}
    </>
  );
}

function RunsTable({ runs }: { runs: RunSummary[] }) {
  const { t } = useTranslation();
  const locale = useLocale();
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
        {runs.map((r) => (
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
