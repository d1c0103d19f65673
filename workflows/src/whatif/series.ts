import { isRawMetric, MAX_METRIC_VALUE, type MetricPoint } from '../kpi.ts';
import { channelIssue, checkIngestBatch, parseMetricTime, readMetricsCsv, rawMetricOf } from '../metric-points.ts';

/** A what-if input the form or the file got wrong, naming the field (or the file's line). */
export class WhatIfInputError extends Error {
  override name = 'WhatIfInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** Scenario files a browser simulates at most: a month of hourly data for 30 channels and metrics is about 150,000 points. */
export const MAX_SCENARIO_POINTS = 200_000;
export const MAX_SCENARIO_BYTES = 20_000_000;

/**
 * A scenario CSV (`ts,channel,metric,value`) → points in time order, checked with ingest's own
 * rules (so what simulates is what the engine would store); throws WhatIfInputError naming the
 * first bad line and field, never anything else.
 */
export function scenarioPoints(text: unknown): MetricPoint[] {
  if (typeof text !== 'string') throw new WhatIfInputError('file', 'A scenario file is text');
  if (text.length > MAX_SCENARIO_BYTES) throw new WhatIfInputError('file', `At most ${MAX_SCENARIO_BYTES} characters`);
  const read = readMetricsCsv(text);
  const first = read.issues[0];
  if (first) throw new WhatIfInputError(`line ${first.at}`, first.message);
  if (read.rows.length > MAX_SCENARIO_POINTS) throw new WhatIfInputError('file', `At most ${MAX_SCENARIO_POINTS} points`);
  if (read.rows.length === 0) throw new WhatIfInputError('file', 'The file has no points');
  const checked = checkIngestBatch(read.rows);
  if (!checked.ok) {
    const i = checked.issues[0]!;
    throw new WhatIfInputError(`line ${i.at} ${i.field}`, i.message);
  }
  return checked.points
    .map((p) => ({ ts: new Date(p.ts).toISOString(), channel: p.channel, metric: p.metric, value: p.value }))
    .sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
}

/** "Multiply channel's metric by factor from–to" ("*": every channel): the anomaly form's values, as typed. */
export interface AnomalyForm {
  channel: unknown;
  metric: unknown;
  factor: unknown;
  from: unknown;
  to: unknown;
}

export interface Anomaly {
  channel: string;
  metric: string;
  factor: number;
  from: number;
  to: number;
}

/** The largest factor the form takes: a 1000× spike is already absurd, and values stay inside the KPI maths' range. */
export const MAX_ANOMALY_FACTOR = 1000;

/** The form's values → an anomaly, or WhatIfInputError naming the field. */
export function checkAnomaly(form: AnomalyForm): Anomaly {
  // "*" is every channel, as the scenario files' anomalies write it.
  const channel = form.channel === '*' ? undefined : channelIssue(form.channel);
  if (channel) throw new WhatIfInputError('channel', channel);
  const metric = rawMetricOf(form.metric);
  if (!isRawMetric(metric)) throw new WhatIfInputError('metric', metric);
  const factor = typeof form.factor === 'string' && form.factor.trim() !== '' ? Number(form.factor) : form.factor;
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 0 || factor > MAX_ANOMALY_FACTOR)
    throw new WhatIfInputError('factor', `A number from 0 to ${MAX_ANOMALY_FACTOR}`);
  const from = parseMetricTime(form.from);
  if (typeof from === 'string') throw new WhatIfInputError('from', from);
  const to = parseMetricTime(form.to);
  if (typeof to === 'string') throw new WhatIfInputError('to', to);
  if (to <= from) throw new WhatIfInputError('to', 'Must be after the start');
  return { channel: form.channel as string, metric, factor, from, to };
}

/** The series with the anomaly applied: matching points in [from, to) multiplied, capped to the range the KPI maths takes. */
export function injectAnomaly(points: readonly MetricPoint[], anomaly: Anomaly): MetricPoint[] {
  return points.map((p) => {
    if ((anomaly.channel !== '*' && p.channel !== anomaly.channel) || p.metric !== anomaly.metric) return p;
    const t = Date.parse(p.ts);
    if (!(t >= anomaly.from && t < anomaly.to)) return p;
    const value = Math.max(-MAX_METRIC_VALUE, Math.min(MAX_METRIC_VALUE, p.value * anomaly.factor));
    return { ...p, value };
  });
}
