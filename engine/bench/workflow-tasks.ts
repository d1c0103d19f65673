/**
 * Part of npm run bench: the worker time of each workflow task of a 20-node flow (trigger, nine
 * webhook calls each followed by a CEL condition, end), from the histories' WorkflowTaskStarted →
 * WorkflowTaskCompleted timestamps, the first task of a run (which loads the run's modules and the
 * frozen graph) and the later ones (an activity result moving the interpreter on) apart. Since
 * 2026-12-07 the webhook calls are local activities, run inside the task that calls them: a task's
 * time then includes its calls' HTTP round trips, and most runs have one task. Target:
 * every task ≤ 10 ms. The stack is the product's (embedded PostgreSQL, the dev server with its
 * database file, the API and the worker in this process, as webhook-flow.ts runs it).
 */
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { observeActivations } from '../src/worker/flow-worker.ts';
import { percentile, processCpuMs, startBenchStack, writeBenchResult } from './stack.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 4);
const COMMAND = `BENCH_RUNS=${RUNS} BENCH_CONCURRENT=${CONCURRENT} npx tsx engine/bench/workflow-tasks.ts   (part of npm run bench)`;

const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/step`;

const stack = await startBenchStack('workflow-tasks', {
  pg: Number(process.env.BENCH_PG_PORT ?? 54397),
  temporal: Number(process.env.BENCH_TEMPORAL_PORT ?? 7295),
});
const admin = await stack.user('admin@bench.local', 'Admin', 'admin');
const api = (method: string, path: string, body?: unknown) => stack.api(admin.token, method, path, body);

const pos = { x: 0, y: 0 };
const STEPS = 9;
const nodes = [
  { id: 'start', type: 'trigger.manual', config: {}, position: pos },
  ...Array.from({ length: STEPS }, (_, i) => [
    { id: `call${i}`, type: 'channel.webhook', config: { url, body: { step: i, n: '{{ input.n }}' } }, position: pos },
    { id: `check${i}`, type: 'control.condition', config: { expression: `input.n >= ${i}` }, position: pos },
  ]).flat(),
  { id: 'done', type: 'control.end', config: {}, position: pos },
];
const edges = [
  { id: 'e-start', source: 'start', sourceHandle: 'next', target: 'call0' },
  ...Array.from({ length: STEPS }, (_, i) => [
    { id: `e-call${i}`, source: `call${i}`, sourceHandle: 'sent', target: `check${i}` },
    { id: `e-check${i}`, source: `check${i}`, sourceHandle: 'true', target: i + 1 < STEPS ? `call${i + 1}` : 'done' },
  ]).flat(),
];
if (nodes.length !== 20) throw new Error(`the flow has ${nodes.length} nodes, not 20`);
const created = await api('POST', '/api/flows', { name: 'bench 20 nodes', graph: { schemaVersion: 1, nodes, edges } });
await api('POST', `/api/flows/${created.id}/versions`, {});

const client = stack.server.temporal.client;
const startRun = async () => {
  const run = await api('POST', `/api/flows/${created.id}/runs`, { input: { n: 100 } });
  await client.workflow.getHandle(run.workflowId).result();
  return run.workflowId as string;
};
// The worker's very first run compiles the shared modules' code (V8's JIT) and pays it once per worker thread: it is
// reported on its own, and the runs measured below come after it and one round at the bench's concurrency.
const cold: number[] = [];
const stopObservingCold = observeActivations((a) => {
  if (a.workflowType === 'runFlow' && a.first) cold.push(a.ms);
});
await startRun();
await Promise.all(Array.from({ length: CONCURRENT }, startRun));
stopObservingCold();
const workflowIds: string[] = [];
let next = 0;
// CPU per run is load-independent where the task times (wall clock) are not: this process (API, worker) and the dev server.
const cpu0 = process.cpuUsage();
const server0 = processCpuMs(stack.temporal.process.pid);
// The worker's own time: each activation, from the call into the workflow thread until its commands came back.
const activationMs = { first: [] as number[], later: [] as number[] };
const stopObserving = observeActivations((a) => {
  if (a.workflowType === 'runFlow') activationMs[a.first ? 'first' : 'later'].push(a.ms);
});
await Promise.all(
  Array.from({ length: CONCURRENT }, async () => {
    while (next < RUNS) {
      next++;
      workflowIds.push(await startRun());
    }
  }),
);
const cpu = process.cpuUsage(cpu0);
stopObserving();
const cpuMsPerRun = {
  node: +((cpu.user + cpu.system) / 1000 / RUNS).toFixed(2),
  temporal: +((processCpuMs(stack.temporal.process.pid) - server0) / RUNS).toFixed(2),
};

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
const first: number[] = [];
const later: number[] = [];
for (const id of workflowIds) {
  let startedAt: number | undefined;
  let tasks = 0;
  for (const e of (await client.workflow.getHandle(id).fetchHistory()).events ?? []) {
    if (e.workflowTaskStartedEventAttributes) startedAt = ms(e.eventTime);
    else if (e.workflowTaskCompletedEventAttributes && startedAt !== undefined) {
      (tasks++ === 0 ? first : later).push(ms(e.eventTime) - startedAt);
      startedAt = undefined;
    }
  }
}
// A run whose calls are all local activities has one task (the calls inside it), so "later" can be empty.
const summary = (xs: number[]) =>
  xs.length
    ? { n: xs.length, p50: +percentile(xs, 50).toFixed(1), p99: +percentile(xs, 99).toFixed(1), max: +Math.max(...xs).toFixed(1) }
    : { n: 0, p50: null, p99: null, max: null };
const machine =
  `${process.platform} ${process.arch}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, ` +
  `shared machine, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
const result = {
  command: COMMAND,
  machine,
  runs: RUNS,
  nodes: 20,
  workflowTaskMs: { first: summary(first), later: summary(later) },
  activationMs: { first: summary(activationMs.first), later: summary(activationMs.later), workersFirstRun: cold[0] ?? null },
  cpuMsPerRun,
  targetMs: 10,
};
console.log(`\nWorkflow tasks of a 20-node flow (${RUNS} runs, ${CONCURRENT} at a time), worker time from the histories\n`);
console.log(`    first task   p50 ${result.workflowTaskMs.first.p50} ms   p99 ${result.workflowTaskMs.first.p99} ms   (n ${first.length})`);
console.log(`    later tasks  p50 ${result.workflowTaskMs.later.p50} ms   p99 ${result.workflowTaskMs.later.p99} ms   (n ${later.length})`);
console.log(
  `    worker time per activation (workflow thread round trip): first p50 ${result.activationMs.first.p50} / p99 ` +
    `${result.activationMs.first.p99} ms (n ${activationMs.first.length}), later p50 ${result.activationMs.later.p50} / p99 ` +
    `${result.activationMs.later.p99} ms (n ${activationMs.later.length}); the worker's first run (before these): ` +
    `${cold[0]?.toFixed(1)} ms`,
);
console.log(`    CPU per run  node ${cpuMsPerRun.node} ms (API, worker)   dev server ${cpuMsPerRun.temporal} ms`);
console.log(`    target ≤ 10 ms per task\n  command: ${COMMAND}\n  machine: ${machine}`);
writeBenchResult('workflow-tasks', result);
console.log('  written to .bench/workflow-tasks.json');
await stack.close();
receiver.close();
process.exit(0);
