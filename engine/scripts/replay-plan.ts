import { INGEST_LIMITS } from '@flightdeck/workflows';

/** One CSV line of a scenario file, kept as text: the server does the checking. */
export interface ReplayRow {
  ts: string;
  line: string;
}

export interface ReplayBatch {
  /** Wall-clock ms after the replay starts at which to send this batch. */
  offsetMs: number;
  /** The simulated time the batch carries (its points' ts, epoch ms). */
  simMs: number;
  /** Data lines, without the header. */
  lines: string[];
}

/**
 * Groups a scenario's points by timestamp, in time order, and says when each group goes out:
 * `speed` simulated seconds pass per wall second, so at 3600 an hourly file sends an hour a second.
 * A group over the batch limit is split into several batches at the same offset. Pure, so the test
 * checks the schedule without waiting it out.
 */
export function planReplay(rows: readonly ReplayRow[], speed: number, maxBatch: number = INGEST_LIMITS.points): ReplayBatch[] {
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError('speed must be a positive number');
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError('maxBatch must be a positive integer');
  const groups = new Map<number, string[]>();
  for (const r of rows) {
    const t = Date.parse(r.ts);
    if (!Number.isFinite(t)) throw new RangeError(`Not a time: ${r.ts}`);
    const g = groups.get(t);
    if (g) g.push(r.line);
    else groups.set(t, [r.line]);
  }
  const times = [...groups.keys()].sort((a, b) => a - b);
  const start = times[0] ?? 0;
  const out: ReplayBatch[] = [];
  for (const simMs of times) {
    const lines = groups.get(simMs)!;
    const offsetMs = Math.round((simMs - start) / speed);
    for (let i = 0; i < lines.length; i += maxBatch) out.push({ offsetMs, simMs, lines: lines.slice(i, i + maxBatch) });
  }
  return out;
}

/** A scenario file's data lines (header and blank lines dropped), with the ts each starts with. */
export function replayRows(csv: string): ReplayRow[] {
  return csv
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => ({ ts: line.slice(0, line.indexOf(',')), line }));
}
