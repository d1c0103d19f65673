import { useTranslation } from 'react-i18next';
import { METRICS } from '@flightdeck/workflows';
import { useComparison } from '../api/queries.ts';
import type { CampaignComparison } from '../api/types.ts';
import { useErrorText } from '../components/errorText.ts';
import { formatMoney, formatNumber, formatPercent } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import type { Locale } from '@flightdeck/workflows';
import { useLocale } from '../i18n/index.ts';
import { href } from '../routes.ts';
import { ScrollRegion } from '../components/ScrollRegion.tsx';

type Kpi = CampaignComparison['kpis'][number];

/** A KPI value in its unit; no value is a dash. */
function formatKpi(k: Kpi, value: number | null, locale: Locale): string {
  const unit = METRICS[k.metric].unit;
  // ROI is revenue ÷ spend, read as a multiple (4.16), as the portfolio shows it, not as a percentage.
  if (k.metric === 'roi') return formatNumber(value, locale, { maximumFractionDigits: 2 });
  if (unit === 'ratio') return formatPercent(value, locale, 2);
  if (unit === 'money') return formatMoney(value, undefined, locale);
  return formatNumber(value, locale, { maximumFractionDigits: 0 });
}

/**
 * "Compared with past campaigns": per KPI, this campaign's value, the median of the ended campaigns that
 * share a channel or a goal with it, its rank among them, and each past value. A compact table: the
 * values differ in unit, so one chart axis would not carry them.
 */
export function ComparisonSection({ campaignId }: { campaignId: string }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const errorText = useErrorText();
  const comparison = useComparison(campaignId);
  let body;
  if (comparison.isPending) body = <p className="fd-muted fd-small">{t('common.loading')}</p>;
  else if (comparison.isError) body = <p className="fd-error fd-small">{errorText(comparison.error)}</p>;
  else if (!comparison.data.comparable.length)
    body = (
      <p className="fd-muted fd-small" data-testid="comparison-none">
        {t('comparison.none')}
      </p>
    );
  else {
    const past = comparison.data.comparable;
    body = (
      <ScrollRegion>
        <table className="fd-table fd-table--compact" data-testid="comparison-table">
          <thead>
            <tr>
              <th>{t('comparison.kpi')}</th>
              <th className="fd-num">{t('comparison.this')}</th>
              <th className="fd-num">{t('comparison.median')}</th>
              <th className="fd-num">{t('comparison.rank')}</th>
              {past.map((p) => (
                <th key={p.id} className="fd-num">
                  <Link href={href.campaign(p.id)}>{p.name}</Link>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {comparison.data.kpis.map((k) => (
              <tr key={k.metric} data-testid={`comparison-${k.metric}`}>
                <td>{METRICS[k.metric].label[locale]}</td>
                <td className="fd-num" data-testid="comparison-value">
                  {formatKpi(k, k.value, locale)}
                </td>
                <td className="fd-num">{formatKpi(k, k.median, locale)}</td>
                <td className="fd-num fd-nowrap" data-testid="comparison-rank">
                  {k.rank === null ? '—' : t('comparison.rankOf', { rank: k.rank, of: k.of })}
                </td>
                {past.map((p) => (
                  <td key={p.id} className="fd-num">
                    {formatKpi(k, k.others.find((o) => o.id === p.id)?.value ?? null, locale)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    );
  }
  return (
    <section className="fd-card fd-section fd-section--wide" aria-labelledby="comparison-h" data-testid="comparison">
      <h2 id="comparison-h">{t('comparison.title')}</h2>
      <p className="fd-muted fd-small">{t('comparison.subtitle')}</p>
      {body}
    </section>
  );
}
