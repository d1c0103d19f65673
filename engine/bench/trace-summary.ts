/**
 * Sums a Chromium timeline trace (engine/bench/editor-500.ts with BENCH_EDITOR_TRACE=1) by event name on the renderer's
 * main thread, and lists the long ones in time order: where an open's time goes between script, style, layout and paint.
 * Usage: npx tsx engine/bench/trace-summary.ts <file.trace.json> [minimum ms for the time-ordered list, default 8]
 */
import { readFileSync } from 'node:fs';

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: Record<string, unknown> };
}

const [file, minimum = '8'] = process.argv.slice(2);
if (!file) throw new Error('usage: npx tsx engine/bench/trace-summary.ts <file.trace.json> [minimum ms]');
const raw = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
const events = Array.isArray(raw) ? raw : raw.traceEvents;
// A navigation can change renderer process: the page's main thread is the renderer main thread that was busiest.
const mains = events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
const busy = (m: TraceEvent) =>
  events.filter((e) => e.pid === m.pid && e.tid === m.tid && e.ph === 'X' && e.name === 'RunTask').reduce((a, e) => a + (e.dur ?? 0), 0);
const main = mains.sort((a, b) => busy(b) - busy(a))[0];
if (!main) throw new Error('no renderer main thread in the trace');
const onMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined);
const KINDS = new Set([
  'UpdateLayoutTree',
  'Layout',
  'Paint',
  'PrePaint',
  'Layerize',
  'FunctionCall',
  'EvaluateScript',
  'v8.compile',
  'ParseHTML',
  'TimerFire',
  'FireAnimationFrame',
  'RunMicrotasks',
  'MajorGC',
  'MinorGC',
  'ResizeObserver',
  'UpdateLayer',
  'Commit',
  'HitTest',
  'EventDispatch',
  'ParseAuthorStyleSheet',
]);
const start = Math.min(...onMain.map((e) => e.ts));
// Top-level time per name: an event inside another of the listed kinds is charged to the outer one only when the names
// differ, so a Layout forced inside a FunctionCall counts as layout and is taken out of the call's own time.
const totals = new Map<string, number>();
const listed = onMain.filter((e) => KINDS.has(e.name)).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
const stack: TraceEvent[] = [];
const own = new Map<TraceEvent, number>();
for (const e of listed) {
  while (stack.length && stack[stack.length - 1]!.ts + stack[stack.length - 1]!.dur! <= e.ts) stack.pop();
  const parent = stack[stack.length - 1];
  if (parent) own.set(parent, (own.get(parent) ?? parent.dur!) - e.dur!);
  stack.push(e);
  own.set(e, own.get(e) ?? e.dur!);
}
for (const [e, us] of own) totals.set(e.name, (totals.get(e.name) ?? 0) + us);
console.log('own time by kind on the renderer main thread, ms:');
for (const [name, us] of [...totals].sort((a, b) => b[1] - a[1])) console.log(`${(us / 1000).toFixed(1).padStart(8)}  ${name}`);
console.log(`\nevents of ${minimum} ms or more, from the trace's start:`);
for (const e of listed)
  if (e.dur! >= Number(minimum) * 1000)
    console.log(`${((e.ts - start) / 1000).toFixed(0).padStart(6)} ms  ${(e.dur! / 1000).toFixed(1).padStart(7)} ms  ${e.name}`);
