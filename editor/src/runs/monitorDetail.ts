import type { RuleStatus } from '@flightdeck/workflows';

export interface MonitorDetail {
  monitorId: string;
  watermark: string | null;
  statuses: RuleStatus[];
}

export function isMonitorDetail(detail: unknown): detail is MonitorDetail {
  const d = detail as Partial<MonitorDetail> | null;
  return !!d && typeof d === 'object' && typeof d.monitorId === 'string' && Array.isArray(d.statuses);
}

/** A value in its rule's unit: ratios as percentages, durations (no-data silence) in hours. */
export function formatRuleValue(value: number | null, unit: RuleStatus['unit'], locale: string): string {
  if (value === null || !Number.isFinite(value)) return '—';
  if (unit === 'ratio') return `${(value * 100).toLocaleString(locale, { maximumFractionDigits: 2 })} %`;
  if (unit === 'ms') return `${(value / 3_600_000).toLocaleString(locale, { maximumFractionDigits: 1 })} h`;
  return value.toLocaleString(locale, { maximumFractionDigits: 2 });
}
