/**
 * What evaluating the workflow bundle's own modules costs each new run. With the reusable V8 context the SDK
 * keeps preloaded libraries (zod, liquidjs, cel-js) across runs but evaluates every other module of the bundle
 * again for each run; this measures that per-run cost on the real bundle, the same way (a fresh module cache
 * per "run" over one context holding the preloaded modules). Then the node types a run loads after its start
 * (nodes/load.ts), for the webhook flow's three types and the 20-node flow's four (webhook-flow.ts, workflow-tasks.ts).
 *
 *   npx tsx engine/bench/workflow-load.ts   (BENCH_LOAD_LIST=1 also lists the modules evaluated per run)
 */
import vm from 'node:vm';
import { bundleFlowWorkflows } from '../src/worker/create-worker.ts';

const RUNS = Number(process.env.BENCH_LOAD_RUNS ?? 200);

const bundle = await bundleFlowWorkflows();
const shared = new Map<string | symbol, unknown>();
let perRun: Map<string | symbol, unknown> | undefined;
const cache = new Proxy(
  {},
  {
    get: (_, p) => shared.get(p) ?? perRun?.get(p),
    set: (_, p, v) => {
      (perRun ?? shared).set(p, v);
      return true;
    },
  },
);
const context = vm.createContext({
  __webpack_module_cache__: cache,
  console,
  TextEncoder,
  TextDecoder,
  URL,
  URLSearchParams,
  AbortController,
});
vm.runInContext(bundle.code, context);
vm.runInContext('__TEMPORAL__.preloadModules?.()', context);
const importWorkflows = vm.runInContext(
  '() => { __TEMPORAL__.importWorkflows(); __TEMPORAL__.importInterceptors(); }',
  context,
) as () => void;

const times: number[] = [];
for (let i = 0; i < RUNS; i++) {
  perRun = new Map();
  const t0 = performance.now();
  importWorkflows();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(2);
console.log(
  `workflow bundle (${(bundle.code.length / 1024).toFixed(0)} KiB), own modules evaluated per run over ${RUNS} runs: ` +
    `p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms, modules per run ${perRun?.size ?? 0}`,
);

type LoadNodeTypes = (types: string[]) => Promise<(type: string) => unknown>;
const FLOWS: Record<string, string[]> = {
  'webhook flow': ['trigger.webhook', 'channel.webhook', 'control.end'],
  '20-node flow': ['trigger.manual', 'channel.webhook', 'control.condition', 'control.end'],
};
for (const [flow, types] of Object.entries(FLOWS)) {
  const loads: number[] = [];
  let modules = 0;
  for (let i = 0; i < RUNS; i++) {
    perRun = new Map();
    importWorkflows();
    const before = perRun.size;
    const record = perRun.get('./workflows/src/nodes/load.ts') as { exports: { loadNodeTypes: LoadNodeTypes } } | undefined;
    if (!record) throw new Error('nodes/load.ts is not evaluated at a run start any more: update this bench');
    const t0 = performance.now();
    const lookup = await record.exports.loadNodeTypes(types);
    loads.push(performance.now() - t0);
    if (types.some((t) => !lookup(t))) throw new Error(`a node type of the ${flow} did not load`);
    modules = perRun.size - before;
  }
  loads.sort((a, b) => a - b);
  const ql = (p: number) => loads[Math.min(loads.length - 1, Math.floor(p * loads.length))]!.toFixed(2);
  console.log(
    `node types of the ${flow} (${types.join(', ')}) loaded per run: p50 ${ql(0.5)} ms, p90 ${ql(0.9)} ms, ` +
      `p99 ${ql(0.99)} ms, modules ${modules}`,
  );
  if (process.env.BENCH_LOAD_LIST) console.log([...(perRun?.keys() ?? [])].slice(-modules).map(String).join('\n'));
}

if (process.env.BENCH_LOAD_LIST) {
  perRun = new Map();
  importWorkflows();
  console.log([...perRun.keys()].map(String).join('\n'));
  console.log(
    '--- shared:',
    [...shared.keys()]
      .map(String)
      .filter((k) => !k.includes('@temporalio'))
      .join('\n'),
  );
}
