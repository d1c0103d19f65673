import type { LineSeriesOption } from 'echarts/charts';
import { METRICS, type Locale, type MetricId } from '@flightdeck/workflows';
import type { ChartOption } from '../components/EChart.tsx';
import { formatMoney, formatNumber, formatPercent, formatShortDateTime } from '../components/format.ts';
import type { KpiChartModel } from './kpiChart.ts';

/** A KPI value in its unit: ratios as percentages, money in the campaign's currency. */
export function formatKpi(value: number | null | undefined, kpi: MetricId, currency: string, locale: Locale): string {
  const unit = METRICS[kpi].unit;
  if (unit === 'ratio') return kpi === 'roi' ? formatNumber(value, locale, { maximumFractionDigits: 2 }) : formatPercent(value, locale, 2);
  if (unit === 'money') return formatMoney(value, currency, locale);
  return formatNumber(value, locale, { maximumFractionDigits: 1 });
}

export interface ChartWords {
  goal: string;
  ceiling: string;
  rule: (ruleId: string) => string;
  fired: (ruleId: string) => string;
  acked: (ruleId: string) => string;
  baseline: (ruleId: string) => string;
}

/** Canvas rich text gives braces and bars a meaning; data never should. */
const plain = (s: string) => s.replace(/[{}|]/g, '');
const HALF_HOUR = 1_800_000;

/** The y range that holds the line and every reference line, with room above. */
function yRange(model: KpiChartModel): { min: number; max: number } {
  const ys = [
    ...model.series.map(([, v]) => v),
    ...model.thresholds.map((t) => t.value),
    ...(model.band?.points.flatMap(([, lo, hi]) => [lo, hi]) ?? []),
    ...(model.target ? [model.target.value] : []),
  ].filter(Number.isFinite);
  const lo = Math.min(0, ...ys);
  const hi = Math.max(0, ...ys);
  const min = lo < 0 ? lo * 1.1 : 0;
  const max = hi > 0 ? hi * 1.1 : 1;
  // Values near the float limit would overflow by the 10 % headroom; the axis then keeps the values themselves.
  return { min: Number.isFinite(min) ? min : lo, max: Number.isFinite(max) ? max : hi };
}

const BAND = '#f59e0b';

/**
 * The baseline band as ECharts draws one: the lower line, then the band's width stacked on it and
 * filled, and the baseline dashed in between. The band is silent: hover reads the KPI, not its edges.
 */
function bandSeries(model: KpiChartModel, name: string): LineSeriesOption[] {
  const band = model.band;
  if (!band || !band.points.length) return [];
  const common = {
    type: 'line' as const,
    showSymbol: false,
    silent: true,
    stack: 'band',
    // Both edges below zero (a falling ROI) must still stack as one band, not as two signs.
    stackStrategy: 'all' as const,
    lineStyle: { opacity: 0 },
    z: 1,
  };
  return [
    { ...common, id: 'band-lower', name, data: band.points.map(([t, lo]) => [t, lo]) },
    {
      ...common,
      id: 'band-width',
      name,
      data: band.points.map(([t, lo, hi]) => [t, hi - lo]),
      areaStyle: { color: BAND, opacity: 0.18 },
    },
    {
      id: 'baseline',
      type: 'line',
      name,
      silent: true,
      showSymbol: false,
      data: band.points.map(([t, , , b]) => [t, b]),
      lineStyle: { color: BAND, type: 'dashed', width: 1 },
      itemStyle: { color: BAND },
      z: 2,
    },
  ];
}

export function kpiChartOption(
  model: KpiChartModel,
  o: { kpi: MetricId; currency: string; locale: Locale; timeZone: string; words: ChartWords },
): ChartOption {
  const fmt = (v: number) => formatKpi(v, o.kpi, o.currency, o.locale);
  const label = METRICS[o.kpi].label[o.locale];
  // A numeric yAxis snaps to the nearest data value (ECharts 6); a string is read as the exact value.
  const lines: LineSeriesOption['markLine'] = {
    silent: true,
    symbol: 'none',
    label: { position: 'insideEndTop' },
    data: [
      ...(model.target
        ? [
            {
              yAxis: String(model.target.value),
              name: 'goal',
              lineStyle: { color: '#16a34a', type: 'dashed' as const, width: 2 },
              label: {
                position: 'insideEndTop' as const,
                formatter: `${model.target.lowerIsBetter ? o.words.ceiling : o.words.goal} ${fmt(model.target.value)}`,
                color: '#15803d',
              },
            },
          ]
        : []),
      ...model.thresholds.map((t) => ({
        yAxis: String(t.value),
        name: t.ruleId,
        lineStyle: { color: '#dc2626', type: 'dotted' as const, width: 2 },
        label: { position: 'insideEndTop' as const, formatter: `${plain(o.words.rule(t.ruleId))} ${fmt(t.value)}`, color: '#b91c1c' },
      })),
    ],
  };
  const marker = (kind: 'fired' | 'acked') =>
    model.markers.filter((m) => m.kind === kind).map((m) => ({ value: [m.at, m.y], name: m.alertId, ruleId: m.ruleId }));
  const { min, max } = yRange(model);
  return {
    animation: false,
    // Fixed margins (ECharts 6 would otherwise shrink the plot to fit labels), so the plot is where one expects it.
    grid: { left: 72, right: 48, top: 24, bottom: 40, outerBoundsMode: 'none' },
    xAxis: {
      type: 'time',
      axisLabel: { hideOverlap: true, formatter: (v: number) => formatShortDateTime(v, o.locale, o.timeZone) },
    },
    yAxis: { type: 'value', min, max, axisLabel: { formatter: (v: number) => fmt(v) } },
    tooltip: {
      trigger: 'axis',
      renderMode: 'richText',
      formatter: (raw) => {
        const params = Array.isArray(raw) ? raw : [raw];
        const at = Number((params[0] as { axisValue?: unknown } | undefined)?.axisValue);
        const out = Number.isFinite(at) ? [formatShortDateTime(at, o.locale, o.timeZone)] : [];
        for (const p of params) {
          const [x, y] = (Array.isArray(p.value) ? p.value : []) as number[];
          if (p.seriesId === 'kpi' && typeof y === 'number') out.push(`${label}: ${fmt(y)}`);
          else if (p.seriesId === 'baseline' && typeof y === 'number') out.push(`${p.seriesName ?? ''}: ${fmt(y)}`);
          else if ((p.seriesId === 'fired' || p.seriesId === 'acked') && typeof x === 'number' && Math.abs(x - at) <= HALF_HOUR) {
            const ruleId = plain(String((p.data as { ruleId?: unknown } | undefined)?.ruleId ?? ''));
            out.push(p.seriesId === 'fired' ? o.words.fired(ruleId) : o.words.acked(ruleId));
          }
        }
        if (model.target) out.push(`${model.target.lowerIsBetter ? o.words.ceiling : o.words.goal}: ${fmt(model.target.value)}`);
        return out.map(plain).join('\n');
      },
    },
    series: [
      {
        id: 'kpi',
        type: 'line',
        name: label,
        data: model.series,
        showSymbol: model.series.length < 60,
        lineStyle: { width: 2, color: '#2563eb' },
        itemStyle: { color: '#2563eb' },
        markLine: lines,
      },
      ...bandSeries(model, plain(o.words.baseline(model.band?.ruleId ?? ''))),
      { id: 'fired', type: 'scatter', data: marker('fired'), symbol: 'pin', symbolSize: 26, itemStyle: { color: '#dc2626' }, z: 5 },
      { id: 'acked', type: 'scatter', data: marker('acked'), symbol: 'circle', symbolSize: 12, itemStyle: { color: '#16a34a' }, z: 5 },
    ],
  };
}
