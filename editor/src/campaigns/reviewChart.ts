import type { Locale } from '@flightdeck/workflows';
import type { ChartOption } from '../components/EChart.tsx';
import { formatMoney, formatPercent } from '../components/format.ts';
import type { StoredReview } from '../api/types.ts';

const BAND_LINES = [0.7, 0.9, 1.1];
/** Canvas rich text gives braces and bars a meaning; data never should. */
const plain = (s: string) => s.replace(/[{}|]/g, '');

/** Attainment per goal as points against the status band edges (70 %, 90 %, 110 %), so the band each sits in shows. */
export function attainmentChartOption(review: StoredReview, o: { locale: Locale; label: (kpi: string) => string }): ChartOption {
  const goals = review.attainment.filter((g) => g.rate !== null);
  const top = Math.max(1.3, ...goals.map((g) => g.rate! * 1.1));
  return {
    animation: false,
    grid: { left: 56, right: 24, top: 16, bottom: 40, outerBoundsMode: 'none' },
    tooltip: { trigger: 'item', renderMode: 'richText' },
    xAxis: { type: 'category', data: goals.map((g) => plain(o.label(g.kpi))) },
    yAxis: {
      type: 'value',
      min: 0,
      max: Number.isFinite(top) ? top : 1.3,
      axisLabel: { formatter: (v: number) => formatPercent(v, o.locale, 0) },
    },
    series: [
      {
        type: 'scatter',
        id: 'attainment',
        symbolSize: 16,
        data: goals.map((g) => ({ value: g.rate!, itemStyle: { color: g.met ? '#16a34a' : '#dc2626' } })),
        tooltip: { valueFormatter: (v) => formatPercent(Number(v), o.locale, 1) },
        markLine: {
          silent: true,
          symbol: 'none',
          lineStyle: { color: '#94a3b8', type: 'dashed' },
          label: { position: 'insideEndTop', formatter: (p) => formatPercent(Number(p.value), o.locale, 0) },
          data: BAND_LINES.map((y) => ({ yAxis: String(y) })),
        },
      },
    ],
  };
}

/** Spend and revenue per day of the campaign's own time zone, the two lines a budget owner reads together. */
export function dailyChartOption(
  review: StoredReview,
  o: { locale: Locale; currency: string; spend: string; revenue: string },
): ChartOption {
  const money = (v: unknown) => formatMoney(Number(v), o.currency, o.locale);
  return {
    animation: false,
    grid: { left: 80, right: 24, top: 16, bottom: 40, outerBoundsMode: 'none' },
    tooltip: { trigger: 'axis', renderMode: 'richText', valueFormatter: money },
    xAxis: { type: 'category', data: review.daily.map((d) => d.date) },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => money(v) } },
    series: [
      { type: 'line', id: 'spend', name: plain(o.spend), data: review.daily.map((d) => d.spend), color: '#dc2626', showSymbol: false },
      {
        type: 'line',
        id: 'revenue',
        name: plain(o.revenue),
        data: review.daily.map((d) => d.revenue),
        color: '#2563eb',
        showSymbol: false,
      },
    ],
  };
}
