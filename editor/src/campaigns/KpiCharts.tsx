import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { METRIC_IDS, METRICS, metricIdOf, type MetricId } from '@flightdeck/workflows';
import { useCampaignAlerts, useCampaignMetrics, useRunsById } from '../api/queries.ts';
import type { Campaign } from '../api/types.ts';
import { EChart, type ChartClick } from '../components/EChart.tsx';
import { useErrorText } from '../components/errorText.ts';
import { formatPercent, formatShortDateTime } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import { useLocale } from '../i18n/index.ts';
import { href, navigate } from '../routes.ts';
import { buildKpiChart, channelsOf, deviationCondition, rulesOfRuns } from './kpiChart.ts';
import { formatKpi, kpiChartOption } from './kpiChartOption.ts';

const SHOWN_MARKERS = 12;

/** The first goal that is a rate to hold, else CTR: what a campaign page should open on. */
function firstKpi(c: Campaign): MetricId {
  for (const g of c.goals) {
    const id = metricIdOf(g.kpi);
    if (id && g.by !== 'end') return id;
  }
  return 'ctr';
}

/**
 * KPI charts over the campaign's hourly metrics: the series, the goal's line, the lines of the
 * monitor rules on that KPI, and where alerts fired and were acknowledged (click one to open it).
 * Every ratio comes from the one KPI module, computed from the hourly sums the API returns.
 */
export function KpiCharts({ campaign: c }: { campaign: Campaign }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const errorText = useErrorText();
  // Null until someone picks: the chart then shows what the latest alert is about, which is what the page is opened for.
  const [pickedKpi, setKpi] = useState<MetricId | null>(null);
  const [pickedChannel, setChannel] = useState<string | null>(null);
  const metrics = useCampaignMetrics(c.id);
  const alerts = useCampaignAlerts(c.id);
  const alertItems = useMemo(() => alerts.data?.items ?? [], [alerts.data]);
  const runs = useRunsById(alertItems.flatMap((a) => (a.runId ? [a.runId] : [])));
  const runData = runs.map((r) => r.data);
  const runKey = runData.map((r) => r?.id ?? '').join();
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the runs change when their ids do
  const rules = useMemo(() => rulesOfRuns(runData.filter(Boolean), alertItems), [runKey, alertItems]);
  const latest = alertItems[0];
  const latestRule = latest ? rules.get(latest.ruleId) : undefined;
  const alerted = latestRule && 'metric' in latestRule && typeof latestRule.metric === 'string' ? metricIdOf(latestRule.metric) : undefined;
  const kpi = pickedKpi ?? alerted ?? firstKpi(c);
  const channel = pickedChannel ?? (alerted && latest?.channel ? latest.channel : '');
  const points = useMemo(() => metrics.data?.items ?? [], [metrics.data]);
  const channels = useMemo(
    () =>
      channelsOf(
        points,
        c.channels.map((ch) => ch.name),
      ),
    [points, c.channels],
  );
  const budget = channel ? c.budget.lines.filter((l) => l.channel === channel).reduce((s, l) => s + l.amount, 0) : c.budget.total;

  const model = useMemo(
    () =>
      buildKpiChart({
        points,
        alerts: alertItems,
        kpi,
        channel: channel || null,
        timeZone: c.timezone,
        goals: c.goals,
        budget,
        rules,
        campaign: c,
      }),
    [points, alertItems, kpi, channel, c, budget, rules],
  );
  const bandRule = model.band ? deviationCondition(rules.get(model.band.ruleId)) : null;
  const currency = c.budget.currency;
  const option = useMemo(
    () =>
      kpiChartOption(model, {
        kpi,
        currency,
        locale,
        timeZone: c.timezone,
        words: {
          goal: t('charts.goal'),
          ceiling: t('charts.ceiling'),
          rule: (ruleId) => t('charts.ruleLine', { rule: ruleId }),
          fired: (ruleId) => t('charts.fired', { rule: ruleId }),
          acked: (ruleId) => t('charts.acked', { rule: ruleId }),
          baseline: (ruleId) => t('charts.baseline', { rule: ruleId }),
        },
      }),
    [model, kpi, currency, locale, c.timezone, t],
  );
  const onClick = (e: ChartClick) => {
    const id = (e.data as { name?: unknown } | null)?.name;
    if ((e.seriesId === 'fired' || e.seriesId === 'acked') && typeof id === 'string') navigate(href.alert(id));
  };
  const fmt = (v: number) => formatKpi(v, kpi, currency, locale);

  return (
    <section className="fd-card fd-section fd-section--wide" aria-labelledby="charts-h" data-testid="campaign-charts">
      <div className="fd-section__head">
        <h2 id="charts-h">{t('charts.title')}</h2>
        <div className="fd-chart__pickers">
          <label className="fd-field__label" htmlFor="chart-kpi">
            {t('charts.kpi')}
          </label>
          <select
            id="chart-kpi"
            className="fd-input"
            data-testid="chart-kpi"
            value={kpi}
            onChange={(e) => setKpi(e.target.value as MetricId)}
          >
            {METRIC_IDS.map((id) => (
              <option key={id} value={id}>
                {METRICS[id].label[locale]}
              </option>
            ))}
          </select>
          <label className="fd-field__label" htmlFor="chart-channel">
            {t('charts.channel')}
          </label>
          <select
            id="chart-channel"
            className="fd-input"
            data-testid="chart-channel"
            value={channel}
            onChange={(e) => setChannel(e.target.value)}
          >
            <option value="">{t('charts.overall')}</option>
            {channels.map((ch) => (
              <option key={ch} value={ch}>
                {ch}
              </option>
            ))}
          </select>
        </div>
      </div>
      {metrics.isPending ? (
        <p className="fd-muted">{t('common.loading')}</p>
      ) : metrics.isError ? (
        <p className="fd-error-text" role="alert">
          {t('charts.loadError', { detail: errorText(metrics.error) })}
        </p>
      ) : !points.length ? (
        <p className="fd-muted" data-testid="charts-empty">
          {t('charts.empty')}
        </p>
      ) : (
        <>
          <EChart
            option={option}
            onClick={onClick}
            testId="kpi-chart"
            label={t('charts.label', { kpi: METRICS[kpi].label[locale], scope: channel || t('charts.overall') })}
          />
          {metrics.data.truncated && <p className="fd-muted">{t('charts.truncated')}</p>}
          <ul className="fd-chart__legend" data-testid="chart-legend">
            {model.target && (
              <li className="fd-chart__goal" data-testid="chart-goal">
                {model.target.lowerIsBetter
                  ? t('charts.ceilingText', { value: fmt(model.target.value) })
                  : t('charts.goalText', { value: fmt(model.target.value) })}
              </li>
            )}
            {model.thresholds.map((th) => (
              <li key={th.ruleId} className="fd-chart__rule" data-testid={`chart-rule-${th.ruleId}`}>
                {t('charts.ruleText', { rule: th.ruleId, value: fmt(th.value) })}
              </li>
            ))}
            {model.band && bandRule && (
              <li className="fd-chart__band" data-testid={`chart-band-${model.band.ruleId}`}>
                {t(model.band.daily ? 'charts.bandDailyText' : 'charts.bandText', {
                  rule: model.band.ruleId,
                  by: formatPercent(bandRule.by, locale, 0),
                })}
              </li>
            )}
            {!model.series.length && <li className="fd-muted">{t('charts.noValues')}</li>}
          </ul>
          {model.markers.length > 0 && (
            <ul className="fd-chart__markers" data-testid="chart-markers">
              {model.markers.slice(-SHOWN_MARKERS).map((m) => (
                <li key={`${m.alertId}-${m.kind}`} data-testid={`chart-marker-${m.alertId}-${m.kind}`}>
                  <Link href={href.alert(m.alertId)}>
                    {m.kind === 'fired' ? '▲ ' + t('charts.fired', { rule: m.ruleId }) : '● ' + t('charts.acked', { rule: m.ruleId })}
                  </Link>{' '}
                  <span className="fd-muted">{formatShortDateTime(m.when ?? m.at, locale, c.timezone)}</span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
