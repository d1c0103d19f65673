import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CAMPAIGN_STATUSES, type Locale } from '@flightdeck/workflows';
import { api } from '../api/client.ts';
import { useDepartments, usePortfolio } from '../api/queries.ts';
import type { PortfolioQuery, PortfolioRow } from '../api/types.ts';
import { AppHeader } from '../components/AppHeader.tsx';
import { useErrorText } from '../components/errorText.ts';
import { formatMoney, formatNumber, formatPercent } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import { useDocumentTitle } from '../components/useDocumentTitle.ts';
import { useLocale } from '../i18n/index.ts';
import { href, navigate, type PortfolioView } from '../routes.ts';
import { CampaignStatusBadge } from './CampaignFacts.tsx';
import { ScrollRegion } from '../components/ScrollRegion.tsx';

type SortKey = 'name' | 'status' | 'department' | 'phase' | 'attainment' | 'roi' | 'budgetUse' | 'updatedAt';
const COLUMNS: { key: SortKey; numeric?: boolean }[] = [
  { key: 'name' },
  { key: 'status' },
  { key: 'department' },
  { key: 'phase' },
  { key: 'attainment', numeric: true },
  { key: 'roi', numeric: true },
  { key: 'budgetUse', numeric: true },
];

/** An attainment rate as a chip in its status band; no value is a dash, never 0 % or NaN. */
export function BandChip({ rate, status, label }: { rate: number | null; status: string | null; label?: string }) {
  const { t } = useTranslation();
  const locale = useLocale();
  return (
    <li className={status ? `fd-band--${status}` : 'fd-band--none'} title={status ? t(`lessons.band.${status}`) : t('portfolio.noValue')}>
      {label && <span className="fd-mono">{label}</span>} {rate === null ? '—' : formatPercent(rate, locale, 0)}
    </li>
  );
}

/** Every campaign I may read with its attainment, ROI and budget use: sortable, filtered through the address, exportable. */
export function PortfolioPage({ view }: { view: PortfolioView }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const errorText = useErrorText();
  const departments = useDepartments();
  const query = view as PortfolioQuery;
  const portfolio = usePortfolio(query);
  const [q, setQ] = useState(view.q ?? '');
  useDocumentTitle(t('portfolio.title'));
  const set = (changes: PortfolioView) => navigate(href.portfolio({ ...view, ...changes }), { replace: true });
  const sort = view.sort ?? 'updatedAt';
  const order = view.order ?? 'desc';
  const sortBy = (key: SortKey) => set({ sort: key, order: sort === key && order === 'asc' ? 'desc' : 'asc' });

  let body;
  if (portfolio.isPending) body = <p className="fd-muted">{t('common.loading')}</p>;
  else if (portfolio.isError)
    body = (
      <div className="fd-state fd-state--error" role="alert" data-testid="portfolio-error">
        <p>{errorText(portfolio.error)}</p>
      </div>
    );
  else if (!portfolio.data.items.length)
    body = (
      <div className="fd-state" data-testid="portfolio-empty">
        <p className="fd-muted">{t('portfolio.empty')}</p>
      </div>
    );
  else
    body = (
      <ScrollRegion>
        <table className="fd-table fd-table--portfolio" data-testid="portfolio-table">
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th
                  key={c.key}
                  className={c.numeric ? 'fd-num' : undefined}
                  aria-sort={sort === c.key ? (order === 'asc' ? 'ascending' : 'descending') : undefined}
                >
                  <button
                    type="button"
                    className="fd-btn fd-btn--link"
                    onClick={() => sortBy(c.key)}
                    data-testid={`portfolio-sort-${c.key}`}
                  >
                    {t(`portfolio.col.${c.key}`)}
                    {sort === c.key ? (order === 'asc' ? ' ▲' : ' ▼') : ''}
                  </button>
                </th>
              ))}
              <th>{t('portfolio.col.goals')}</th>
            </tr>
          </thead>
          <tbody>
            {portfolio.data.items.map((r) => (
              <Row key={r.id} row={r} locale={locale} />
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    );

  return (
    <div className="fd-app">
      <AppHeader />
      <main className="fd-page">
        <div className="fd-page__head">
          <div>
            <h1>{t('portfolio.title')}</h1>
            <p className="fd-muted">{t('portfolio.subtitle')}</p>
          </div>
          <a className="fd-btn" href={api.portfolioCsvHref(query)} download data-testid="portfolio-csv">
            ⤓ {t('portfolio.csv')}
          </a>
        </div>
        <form
          className="fd-alerts__filters"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            set({ q: q.trim() || undefined });
          }}
        >
          <div className="fd-field">
            <label className="fd-field__label" htmlFor="portfolio-q">
              {t('portfolio.search')}
            </label>
            <input
              id="portfolio-q"
              className="fd-input"
              value={q}
              maxLength={200}
              onChange={(e) => setQ(e.target.value)}
              data-testid="portfolio-q"
            />
          </div>
          <div className="fd-field">
            <label className="fd-field__label" htmlFor="portfolio-status">
              {t('portfolio.col.status')}
            </label>
            <select
              id="portfolio-status"
              className="fd-input"
              value={view.status ?? ''}
              onChange={(e) => set({ status: e.target.value || undefined })}
              data-testid="portfolio-status"
            >
              <option value="">{t('portfolio.any')}</option>
              {CAMPAIGN_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`campaignStatus.${s}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="fd-field">
            <label className="fd-field__label" htmlFor="portfolio-department">
              {t('portfolio.col.department')}
            </label>
            <select
              id="portfolio-department"
              className="fd-input"
              value={view.department ?? ''}
              onChange={(e) => set({ department: e.target.value || undefined })}
              data-testid="portfolio-department"
            >
              <option value="">{t('portfolio.any')}</option>
              {departments.data?.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </div>
          <div className="fd-field">
            <label className="fd-field__label" htmlFor="portfolio-channel">
              {t('portfolio.channel')}
            </label>
            <input
              id="portfolio-channel"
              className="fd-input"
              defaultValue={view.channel ?? ''}
              maxLength={64}
              placeholder="douyin_ads"
              onBlur={(e) => set({ channel: e.target.value.trim() || undefined })}
              data-testid="portfolio-channel"
            />
          </div>
          <button type="submit" className="fd-btn fd-btn--primary" data-testid="portfolio-search">
            {t('portfolio.apply')}
          </button>
        </form>
        {portfolio.data && (
          <p className="fd-muted fd-small" aria-live="polite" data-testid="portfolio-count">
            {t('portfolio.count', { count: portfolio.data.total })}
          </p>
        )}
        {body}
      </main>
    </div>
  );
}

function Row({ row: r, locale }: { row: PortfolioRow; locale: Locale }) {
  const { t } = useTranslation();
  const phase = r.phase ? t(`phase.${r.phase}`, { defaultValue: r.phase }) : t(`portfolio.timing.${r.timing}`);
  return (
    <tr data-testid={`portfolio-row-${r.id}`} data-campaign-id={r.id}>
      <td>
        <Link href={href.campaign(r.id)} className="fd-flowlink">
          {r.name}
        </Link>
      </td>
      <td>
        <CampaignStatusBadge status={r.status} />
      </td>
      <td>{r.department ?? '—'}</td>
      <td>{phase}</td>
      <td className="fd-num">
        <ul className="fd-chips" data-testid="portfolio-attainment">
          <BandChip rate={r.attainment} status={r.attainmentStatus} />
        </ul>
      </td>
      <td className="fd-num" data-testid="portfolio-roi">
        {formatNumber(r.roi, locale, { maximumFractionDigits: 2 })}
      </td>
      <td
        className="fd-num"
        data-testid="portfolio-budget"
        title={`${formatMoney(r.spent, r.currency ?? undefined, locale)} / ${formatMoney(r.planned, r.currency ?? undefined, locale)}`}
      >
        {formatPercent(r.budgetUse, locale, 0)}
      </td>
      <td>
        {r.hasMetrics ? (
          <ul className="fd-chips">
            {r.goals.map((g) => (
              <BandChip key={g.kpi} rate={g.rate} status={g.status} label={g.kpi} />
            ))}
          </ul>
        ) : (
          <span className="fd-muted fd-small" data-testid="portfolio-no-metrics">
            {t('portfolio.noMetrics')}
          </span>
        )}
      </td>
    </tr>
  );
}
