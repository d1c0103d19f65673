/**
 * What a call into a `vm` context costs with and without a timeout: the SDK gives every call into the workflow
 * sandbox one (its guard against a looping workflow), and for each such call Node starts and joins a watchdog
 * thread. A workflow task makes several calls. `FlowWorker` (engine/src/worker/flow-worker.ts) drops the per-call
 * timeout for one timer per activation; this shows why, side by side in one run.
 *
 *   npx tsx engine/bench/sandbox-calls.ts   (part of npm run bench)
 */
import { cpus, loadavg } from 'node:os';
import vm from 'node:vm';
import { writeBenchResult } from './stack.ts';

const CALLS = Number(process.env.BENCH_SANDBOX_CALLS ?? 5000);
const context = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
const script = new vm.Script('globalThis.n = (globalThis.n ?? 0) + 1');

function measure(options: vm.RunningScriptOptions) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) script.runInContext(context, options);
  const cpu = process.cpuUsage(cpu0);
  return { wallUs: +(((performance.now() - t0) * 1000) / CALLS).toFixed(1), cpuUs: +((cpu.user + cpu.system) / CALLS).toFixed(1) };
}

// Alternated twice, so a change in the machine's load hits both sides.
const rounds = [measure({}), measure({ timeout: 5000 }), measure({}), measure({ timeout: 5000 })];
const without = { wallUs: Math.min(rounds[0]!.wallUs, rounds[2]!.wallUs), cpuUs: Math.min(rounds[0]!.cpuUs, rounds[2]!.cpuUs) };
const withTimeout = { wallUs: Math.min(rounds[1]!.wallUs, rounds[3]!.wallUs), cpuUs: Math.min(rounds[1]!.cpuUs, rounds[3]!.cpuUs) };
const machine = `${process.platform} ${process.arch}, ${cpus().length} cores, node ${process.version}, load ${loadavg()
  .map((l) => l.toFixed(2))
  .join(' ')}`;
console.log(`\nA call into the workflow sandbox (${CALLS} calls each, best of two rounds)\n`);
console.log(`    no timeout (FlowWorker)   ${without.wallUs} µs wall, ${without.cpuUs} µs CPU per call`);
console.log(`    5 s timeout (SDK default) ${withTimeout.wallUs} µs wall, ${withTimeout.cpuUs} µs CPU per call`);
const wallRatio = (withTimeout.wallUs / without.wallUs).toFixed(0);
const cpuRatio = (withTimeout.cpuUs / without.cpuUs).toFixed(0);
console.log(`    ratio                     ${wallRatio}× wall, ${cpuRatio}× CPU`);
console.log(`  command: npx tsx engine/bench/sandbox-calls.ts   (part of npm run bench)\n  machine: ${machine}`);
writeBenchResult('sandbox-calls', { calls: CALLS, without, withTimeout, rounds, machine });
