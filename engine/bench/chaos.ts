/**
 * Part of npm run bench: the chaos scenario of engine/test/chaos.test.ts, longer. Many realistic
 * runs (approval by a scripted approver, a durable delay, a signed webhook send) while the worker
 * is killed with SIGKILL, the Temporal dev server restarts on its database file and PostgreSQL
 * restarts on its data directory. Prints the counts and writes .bench/chaos.json.
 *
 *   BENCH_CHAOS_RUNS=500 BENCH_CHAOS_KILLS=10 CHAOS_SEED=7 npx tsx engine/bench/chaos.ts
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { findTemporalCli, HOW_TO_GET_TEMPORAL } from '../src/launcher/temporal-cli.ts';
import { bundleFlowWorkflows } from '../src/worker/create-worker.ts';
import { formatChaosReport, runChaos } from '../test/support/chaos.ts';
import { writeBenchResult } from './stack.ts';

const temporalCli = findTemporalCli();
if (!temporalCli) throw new Error(HOW_TO_GET_TEMPORAL);
const bundlePath = join(mkdtempSync(join(tmpdir(), 'flightdeck-chaos-bundle-')), 'workflow-bundle.js');
writeFileSync(bundlePath, (await bundleFlowWorkflows()).code);

const report = await runChaos({
  temporalCli,
  workflowBundlePath: bundlePath,
  runs: Number(process.env.BENCH_CHAOS_RUNS ?? 500),
  workerKills: Number(process.env.BENCH_CHAOS_KILLS ?? 10),
  seed: Number(process.env.CHAOS_SEED ?? Date.now() % 100_000),
  log: (line) => console.log(`  ${line}`),
});
console.log(formatChaosReport(report));
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
writeBenchResult('chaos', { ...report, notCompleted: report.notCompleted.length });
const ok =
  report.notCompleted.length === 0 &&
  report.runsWithDuplicateMessages === 0 &&
  report.runsWithoutMessage === 0 &&
  report.tasksApproved === report.runs;
if (!ok) {
  console.error('chaos: some runs did not complete exactly once', JSON.stringify(report.notCompleted.slice(0, 5), null, 2));
  process.exit(1);
}
process.exit(0);
