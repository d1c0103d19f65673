import { checkPoint, isMetricValue, isRawMetric, MAX_METRIC_VALUE, metricIdOf, type RawMetric } from './kpi.ts';

/**
 * What metrics ingest accepts, as pure checks shared by the HTTP edge, the CSV reader, the replay
 * tool and the editor's upload. A batch is refused whole when any point is bad, so every check
 * names the point and the field, never just "bad input".
 */
export const INGEST_LIMITS = {
  /** Points in one batch (JSON array items or CSV data lines). */
  points: 10_000,
  /** Request body bytes, JSON or CSV: 10,000 points with a few dimensions each fit. */
  bodyBytes: 4_000_000,
  channelChars: 64,
  dimensionKeys: 8,
  dimensionKeyChars: 32,
  dimensionValueChars: 64,
  minYear: 2000,
  maxYear: 2099,
  /** Field problems listed in one refusal; the count of bad points is always complete. */
  listedIssues: 100,
} as const;

/** Rows one metrics read answers at most (a 30-day hourly campaign of 5 channels has about 25,000). */
export const METRICS_QUERY_ROWS = 50_000;

export const METRICS_CSV_HEADER = 'ts,channel,metric,value';

/** A point as stored: time in ms, the metric's one id, dimensions with their canonical key. */
export interface IngestPoint {
  ts: number;
  channel: string;
  metric: RawMetric;
  value: number;
  dimensions: Record<string, string>;
  /** Sorted `k=v` pairs as JSON ("" for none): two spellings of the same dimensions are one series. */
  dimensionsKey: string;
}

export interface PointIssue {
  field: 'ts' | 'channel' | 'metric' | 'value' | 'dimensions' | 'point';
  message: string;
}

const CHANNEL = /^[a-z0-9][a-z0-9_-]*$/;
const DIMENSION_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
// Minutes required, seconds and up to milliseconds optional; a zone (Z or ±hh:mm) required.
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|([+-])(\d{2}):(\d{2}))$/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** An ISO 8601 time with a zone in years 2000–2099 → epoch ms; a string saying what is wrong otherwise. */
export function parseMetricTime(text: unknown): number | string {
  if (typeof text !== 'string') return 'Must be an ISO 8601 time with a zone, as a string';
  if (text.length > 40) return 'Too long for a time';
  const m = ISO.exec(text);
  if (!m) return `"${text}" is not an ISO 8601 time with a zone (2026-05-20T00:00:00Z or …+08:00)`;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const ms = Number((m[7] ?? '').padEnd(3, '0') || 0);
  const local = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(local);
  // Date.UTC rolls 2026-02-30 over to March; a round trip that changes the fields was not a date.
  if (
    y < 100 ||
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    back.getUTCHours() !== h ||
    back.getUTCMinutes() !== mi ||
    back.getUTCSeconds() !== s
  )
    return `"${text}" is not a date and time of day`;
  const offset = m[8] === 'Z' ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (Number(m[10] ?? 0) > 23 || Number(m[11] ?? 0) > 59) return `"${text}" has no valid zone offset`;
  const t = local - offset * 60_000;
  const year = new Date(t).getUTCFullYear();
  if (year < INGEST_LIMITS.minYear || year > INGEST_LIMITS.maxYear)
    return `${text} is outside the years ${INGEST_LIMITS.minYear}–${INGEST_LIMITS.maxYear}`;
  return t;
}

export function channelIssue(channel: unknown): string | undefined {
  if (typeof channel !== 'string' || channel === '') return 'A channel name is required';
  if (channel.length > INGEST_LIMITS.channelChars) return `A channel name has at most ${INGEST_LIMITS.channelChars} characters`;
  if (!CHANNEL.test(channel)) return 'A channel name is a slug: lower-case letters, digits, "_" and "-", starting with a letter or digit';
  return undefined;
}

/**
 * Only raw metrics are stored (case and the documented aliases are forgiven: "Clicks", "negative").
 * Derived KPIs are computed from their inputs, and an unknown name is refused rather than stored
 * where no KPI would ever read it.
 */
export function rawMetricOf(metric: unknown): RawMetric | string {
  if (typeof metric !== 'string' || metric === '') return 'A metric name is required';
  if (metric.length > 64) return 'Not a known metric';
  const id = metricIdOf(metric);
  if (id !== undefined && isRawMetric(id)) return id;
  if (id !== undefined) return `${id} is a derived KPI, computed from its inputs; send those instead`;
  return `"${metric}" is not a known metric (one of impressions, clicks, conversions, spend, revenue, new_customers, negative_mentions)`;
}

export function valueIssue(value: unknown): string | undefined {
  if (isMetricValue(value)) return undefined;
  return `Must be a finite number of magnitude at most ${MAX_METRIC_VALUE}`;
}

/** A metric value as CSV writes it: plain decimal or exponent notation only (no "NaN", "0x1F", "" or "1,5"). */
export function parseCsvValue(text: string): unknown {
  return DECIMAL.test(text) ? Number(text) : text;
}

/** Dimensions: a flat object of a few short string keys and values, and their canonical key. */
export function checkDimensions(dims: unknown): { dimensions: Record<string, string>; key: string } | string {
  if (dims === undefined) return { dimensions: {}, key: '' };
  if (typeof dims !== 'object' || dims === null || Array.isArray(dims)) return 'Dimensions are an object of string keys and string values';
  const entries = Object.entries(dims as Record<string, unknown>);
  if (entries.length > INGEST_LIMITS.dimensionKeys) return `At most ${INGEST_LIMITS.dimensionKeys} dimensions`;
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > INGEST_LIMITS.dimensionKeyChars || !DIMENSION_KEY.test(k))
      return `Dimension "${k.slice(0, 40)}": a key is 1–${INGEST_LIMITS.dimensionKeyChars} letters, digits, "_", "." or "-"`;
    if (typeof v !== 'string') return `Dimension ${k}: the value must be a string`;
    if (v.length > INGEST_LIMITS.dimensionValueChars) return `Dimension ${k}: at most ${INGEST_LIMITS.dimensionValueChars} characters`;
  }
  const sorted = entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) as [string, string][];
  return { dimensions: Object.fromEntries(sorted), key: sorted.length ? JSON.stringify(sorted) : '' };
}

/**
 * The answers of the checks that depend on one string only (a time, a channel, a metric name), remembered for one batch:
 * its points share a handful of each, and a time is the costly one (a regex, a calendar round trip). Bounded by the batch.
 */
export interface CheckMemo {
  time(text: unknown): number | string;
  channel(text: unknown): string | undefined;
  metric(text: unknown): RawMetric | string;
}

function remembered<T>(check: (text: unknown) => T): (text: unknown) => T {
  const known = new Map<string, T>();
  return (text) => {
    if (typeof text !== 'string') return check(text);
    let answer = known.get(text);
    if (answer === undefined && !known.has(text)) known.set(text, (answer = check(text)));
    return answer as T;
  };
}

export function checkMemo(): CheckMemo {
  return { time: remembered(parseMetricTime), channel: remembered(channelIssue), metric: remembered(rawMetricOf) };
}

const UNREMEMBERED: CheckMemo = { time: parseMetricTime, channel: channelIssue, metric: rawMetricOf };

/** One point as it arrived (JSON item or CSV row) → the point to store, or every problem with it. */
export function checkIngestPoint(raw: unknown, memo: CheckMemo = UNREMEMBERED): { point: IngestPoint } | { issues: PointIssue[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { issues: [{ field: 'point', message: 'A point is an object {ts, channel, metric, value, dimensions?}' }] };
  const p = raw as Record<string, unknown>;
  const issues: PointIssue[] = [];
  const extra = Object.keys(p).filter((k) => !['ts', 'channel', 'metric', 'value', 'dimensions'].includes(k));
  if (extra.length) issues.push({ field: 'point', message: `Unknown field(s): ${extra.slice(0, 5).join(', ').slice(0, 200)}` });
  const ts = memo.time(p.ts);
  if (typeof ts === 'string') issues.push({ field: 'ts', message: ts });
  const channel = memo.channel(p.channel);
  if (channel) issues.push({ field: 'channel', message: channel });
  const metric = memo.metric(p.metric);
  if (!isRawMetric(metric)) issues.push({ field: 'metric', message: metric });
  const value = valueIssue(p.value);
  if (value) issues.push({ field: 'value', message: value });
  const dims = checkDimensions(p.dimensions);
  if (typeof dims === 'string') issues.push({ field: 'dimensions', message: dims });
  if (issues.length || typeof ts === 'string' || typeof dims === 'string' || !isRawMetric(metric)) return { issues };
  const point: IngestPoint = {
    ts,
    channel: p.channel as string,
    metric,
    value: p.value as number,
    dimensions: dims.dimensions,
    dimensionsKey: dims.key,
  };
  // What ingest stores must be what the KPI maths accepts; the stricter checks above imply it.
  checkPoint({ ts: new Date(ts).toISOString(), channel: point.channel, metric, value: point.value }, 0);
  return { point };
}

export interface BatchIssue {
  /** The point's index (JSON) or the file's line number, 1 being the header (CSV). */
  at: number;
  field: PointIssue['field'];
  message: string;
}

export type BatchCheck = { ok: true; points: IngestPoint[] } | { ok: false; issues: BatchIssue[]; badPoints: number };

/** Every point checked; the batch passes only when all do (a batch is stored whole or not at all). */
export function checkIngestBatch(raws: readonly { at: number; raw: unknown }[]): BatchCheck {
  const points: IngestPoint[] = [];
  const issues: BatchIssue[] = [];
  let badPoints = 0;
  const memo = checkMemo();
  for (const { at, raw } of raws) {
    const r = checkIngestPoint(raw, memo);
    if ('point' in r) points.push(r.point);
    else {
      badPoints++;
      for (const i of r.issues) if (issues.length < INGEST_LIMITS.listedIssues) issues.push({ at, ...i });
    }
  }
  return badPoints ? { ok: false, issues, badPoints } : { ok: true, points };
}

export interface CsvRows {
  /** Each data line as a raw point (value parsed when it is a number), with its line number. */
  rows: { at: number; raw: Record<string, unknown> }[];
  /** Problems with the file itself (header, column counts), by line. */
  issues: BatchIssue[];
  /** Lines that are not a point at all (wrong column count), beside the rows. */
  badLines: number;
}

/**
 * The scenario files' format: a `ts,channel,metric,value` header, then one point a line (LF or
 * CRLF, blank lines skipped). No field of a good point holds a comma or a quote, so none is quoted.
 */
export function readMetricsCsv(text: string): CsvRows {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const issues: BatchIssue[] = [];
  const rows: CsvRows['rows'] = [];
  let badLines = 0;
  const header = (lines[0] ?? '').trim().toLowerCase();
  if (header !== METRICS_CSV_HEADER) {
    issues.push({ at: 1, field: 'point', message: `The first line must be the header "${METRICS_CSV_HEADER}"` });
    return { rows, issues, badLines: 1 };
  }
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cells = line.split(',');
    if (cells.length !== 4) {
      if (issues.length < INGEST_LIMITS.listedIssues)
        issues.push({
          at: i + 1,
          field: 'point',
          message: `Expected 4 comma-separated fields (${METRICS_CSV_HEADER}), found ${cells.length}`,
        });
      badLines++;
      continue;
    }
    const [ts, channel, metric, value] = cells.map((c) => c.trim()) as [string, string, string, string];
    rows.push({ at: i + 1, raw: { ts, channel, metric, value: parseCsvValue(value) } });
  }
  return { rows, issues, badLines };
}

export interface CsvBatch {
  /** A batch the API takes: the header, then up to `size` of the file's data lines. */
  text: string;
  /** The file's line number of the batch's first data line (the file's header is line 1). */
  firstLine: number;
  points: number;
}

/**
 * Splits a large scenario file into batches the API takes, each with the header, so a browser can
 * upload it in sequence and show progress. Line numbers in a refusal are the batch's; `fileLine`
 * maps them back to the file's. Blank lines are dropped, which shifts nothing (the map keeps them).
 */
export function splitMetricsCsv(text: string, size: number = INGEST_LIMITS.points): CsvBatch[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = lines[0] ?? '';
  const out: CsvBatch[] = [];
  let current: string[] = [];
  let first = 0;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    if (current.length === 0) first = i + 1;
    current.push(lines[i]!);
    if (current.length === size) {
      out.push({ text: [header, ...current].join('\n') + '\n', firstLine: first, points: current.length });
      current = [];
    }
  }
  if (current.length) out.push({ text: [header, ...current].join('\n') + '\n', firstLine: first, points: current.length });
  return out;
}

/**
 * The file's line number for line `batchLine` of a batch that splitMetricsCsv made: the batch's lines
 * are consecutive non-blank lines of the file, so this needs the file's text to skip blank ones.
 */
export function fileLineOf(text: string, batch: CsvBatch, batchLine: number): number {
  if (batchLine <= 1) return 1;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let seen = 0;
  for (let i = batch.firstLine - 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    if (++seen === batchLine - 1) return i + 1;
  }
  return batch.firstLine + batchLine - 2;
}
