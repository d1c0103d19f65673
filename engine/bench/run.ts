/**
 * npm run bench: the interpreter against a hand-written Temporal workflow doing the same ten
 * webhook calls, side by side in one process, on a real Temporal dev server and a real local
 * HTTP receiver. Prints runs/s for 200 concurrent runs and the per-node latency overhead.
 */
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import { FlowWorker } from '../src/worker/flow-worker.ts';
import { createOutboundGuard, webhookActivity } from '@flightdeck/activities';

// The bench's receivers are on loopback, which outbound calls refuse unless allowed.
const sendWebhook = webhookActivity(createOutboundGuard({ allow: '127.0.0.1' }));
import type { RunState } from '@flightdeck/workflows';
import { findTemporalCli, HOW_TO_GET_TEMPORAL, startTemporalDevServer } from '../src/launcher/temporal-cli.ts';

const CONCURRENT = Number(process.env.BENCH_RUNS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const LATENCY_RUNS = Number(process.env.BENCH_LATENCY_RUNS ?? 40);

Runtime.install({ logger: new DefaultLogger('ERROR') });

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

const tenStepFlow = {
  schemaVersion: 1,
  nodes: [
    { id: 'start', type: 'trigger.manual', config: {}, position: { x: 0, y: 0 } },
    ...Array.from({ length: 10 }, (_, i) => ({
      id: `step${i + 1}`,
      type: 'channel.webhook',
      config: { url, body: { step: i + 1, run: '{{ run.id }}' } },
      position: { x: (i + 1) * 200, y: 0 },
    })),
    { id: 'done', type: 'control.end', config: {}, position: { x: 2400, y: 0 } },
  ],
  edges: [
    { id: 'e0', source: 'start', sourceHandle: 'next', target: 'step1' },
    ...Array.from({ length: 9 }, (_, i) => ({ id: `e${i + 1}`, source: `step${i + 1}`, sourceHandle: 'sent', target: `step${i + 2}` })),
    { id: 'e10', source: 'step10', sourceHandle: 'sent', target: 'done' },
  ],
};

const binary = findTemporalCli();
if (!binary) {
  console.error(HOW_TO_GET_TEMPORAL);
  process.exit(1);
}
const temporal = await startTemporalDevServer({ binary, port: Number(process.env.BENCH_TEMPORAL_PORT ?? 7299) });
const workflowBundle = await bundleWorkflowCode({
  workflowsPath: fileURLToPath(new URL('./baseline-workflows.ts', import.meta.url)),
  logger: new DefaultLogger('ERROR'),
});
const nativeConnection = await NativeConnection.connect({ address: temporal.address });
const taskQueue = 'bench';
const worker = await FlowWorker.create({
  // the product's sandbox settings, for a like-for-like baseline
  connection: nativeConnection,
  taskQueue,
  workflowBundle,
  activities: { sendWebhook },
  maxConcurrentActivityTaskExecutions: 200,
  maxCachedWorkflows: 1000,
});
const workerRunning = worker.run();
const connection = await Connection.connect({ address: temporal.address });
const client = new Client({ connection });

type Mode = 'interpreter' | 'hand-written';
let seq = 0;
async function runOnce(mode: Mode): Promise<{ ms: number; nodeMs: number[] }> {
  const id = `bench-${mode}-${seq++}`;
  const started = performance.now();
  if (mode === 'interpreter') {
    const state = (await client.workflow.execute('runFlow', {
      taskQueue,
      workflowId: id,
      args: [{ flowId: 'bench', versionId: 'bench', version: 1, graph: tenStepFlow, input: {} }],
    })) as RunState;
    if (state.status !== 'completed') throw new Error(`interpreter run ${id} ended ${state.status}`);
    const nodeMs = Object.entries(state.nodes)
      .filter(([k]) => k.startsWith('step'))
      .map(([, s]) => s.durationMs ?? NaN);
    return { ms: performance.now() - started, nodeMs };
  }
  const res = (await client.workflow.execute('handWrittenTenSteps', { taskQueue, workflowId: id, args: [{ url, runId: id }] })) as {
    nodeMs: number[];
  };
  return { ms: performance.now() - started, nodeMs: res.nodeMs };
}

async function throughput(mode: Mode): Promise<number> {
  const t = performance.now();
  await Promise.all(Array.from({ length: CONCURRENT }, () => runOnce(mode)));
  return CONCURRENT / ((performance.now() - t) / 1000);
}

// Warm up both paths (bundle load, worker caches, JIT) before measuring anything.
await Promise.all([
  ...Array.from({ length: 20 }, () => runOnce('interpreter')),
  ...Array.from({ length: 20 }, () => runOnce('hand-written')),
]);

const rps: Record<Mode, number[]> = { interpreter: [], 'hand-written': [] };
for (let round = 0; round < ROUNDS; round++) {
  // Alternate the order so neither mode always runs on a warmer or colder machine.
  const order: Mode[] = round % 2 === 0 ? ['hand-written', 'interpreter'] : ['interpreter', 'hand-written'];
  for (const mode of order) rps[mode].push(await throughput(mode));
}

const latency: Record<Mode, { runMs: number[]; nodeMs: number[] }> = {
  interpreter: { runMs: [], nodeMs: [] },
  'hand-written': { runMs: [], nodeMs: [] },
};
for (let i = 0; i < LATENCY_RUNS; i++) {
  for (const mode of (i % 2 === 0 ? ['interpreter', 'hand-written'] : ['hand-written', 'interpreter']) as Mode[]) {
    const r = await runOnce(mode);
    latency[mode].runMs.push(r.ms);
    latency[mode].nodeMs.push(...r.nodeMs);
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const interp = mean(rps.interpreter);
const hand = mean(rps['hand-written']);
const perNode = (mode: Mode, p: number) => percentile(latency[mode].nodeMs, p);
const perRunNode = (mode: Mode, p: number) => percentile(latency[mode].runMs, p) / 10;
const results = {
  command: 'npm run bench',
  concurrentRuns: CONCURRENT,
  rounds: ROUNDS,
  throughputRunsPerSec: {
    interpreter: +interp.toFixed(1),
    handWritten: +hand.toFixed(1),
    ratio: +(interp / hand).toFixed(3),
    samples: rps,
  },
  perNodeLatencyMs: {
    interpreter: { p50: perNode('interpreter', 50), p99: perNode('interpreter', 99) },
    handWritten: { p50: perNode('hand-written', 50), p99: perNode('hand-written', 99) },
    overhead: {
      p50: perNode('interpreter', 50) - perNode('hand-written', 50),
      p99: perNode('interpreter', 99) - perNode('hand-written', 99),
    },
  },
  endToEndPerNodeMs: {
    interpreter: { p50: +perRunNode('interpreter', 50).toFixed(2), p99: +perRunNode('interpreter', 99).toFixed(2) },
    handWritten: { p50: +perRunNode('hand-written', 50).toFixed(2), p99: +perRunNode('hand-written', 99).toFixed(2) },
    overhead: {
      p50: +(perRunNode('interpreter', 50) - perRunNode('hand-written', 50)).toFixed(2),
      p99: +(perRunNode('interpreter', 99) - perRunNode('hand-written', 99)).toFixed(2),
    },
  },
  latencyRuns: LATENCY_RUNS,
  machine: `${process.platform} ${process.arch}, node ${process.version}`,
};

console.log('\n10-step webhook flow, interpreter vs hand-written Temporal workflow (same worker, same receiver)\n');
console.log(`  throughput, ${CONCURRENT} concurrent runs (mean of ${ROUNDS} rounds each):`);
console.log(`    interpreter   ${interp.toFixed(1)} runs/s`);
console.log(`    hand-written  ${hand.toFixed(1)} runs/s`);
console.log(`    ratio         ${(interp / hand).toFixed(3)}×   (target ≥ 0.9×)`);
console.log(`  per-node latency, sequential runs (${LATENCY_RUNS} each; workflow clock, ms):`);
console.log(`    interpreter   p50 ${results.perNodeLatencyMs.interpreter.p50}  p99 ${results.perNodeLatencyMs.interpreter.p99}`);
console.log(`    hand-written  p50 ${results.perNodeLatencyMs.handWritten.p50}  p99 ${results.perNodeLatencyMs.handWritten.p99}`);
console.log(
  `    overhead      p50 ${results.perNodeLatencyMs.overhead.p50}  p99 ${results.perNodeLatencyMs.overhead.p99}   (target p50 < 2 ms)`,
);
console.log(`  end-to-end run time / 10 (client clock, ms):`);
console.log(`    interpreter   p50 ${results.endToEndPerNodeMs.interpreter.p50}  p99 ${results.endToEndPerNodeMs.interpreter.p99}`);
console.log(`    hand-written  p50 ${results.endToEndPerNodeMs.handWritten.p50}  p99 ${results.endToEndPerNodeMs.handWritten.p99}`);
console.log(`    overhead      p50 ${results.endToEndPerNodeMs.overhead.p50}  p99 ${results.endToEndPerNodeMs.overhead.p99}\n`);

const out = fileURLToPath(new URL('../../.bench/', import.meta.url));
mkdirSync(out, { recursive: true });
writeFileSync(`${out}interpreter.json`, JSON.stringify(results, null, 2));
console.log(`  written to .bench/interpreter.json`);

worker.shutdown();
await workerRunning;
await nativeConnection.close();
await connection.close();
await temporal.stop();
receiver.close();
