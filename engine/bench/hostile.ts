/**
 * Hostile expressions and templates: what they cost now that both are bounded.
 *
 * 1. In this thread: the worst hostile CEL expressions and Liquid templates, each timed until it
 *    fails with its budget or limit error (the cost a hostile author can buy per evaluation).
 * 2. On the real stack, worker and API in one process (as `npm start` runs them today): hostile
 *    runs (conditions over budget, templates over their render limit) started together while
 *    /healthz is asked every 20 ms; its latency percentiles, and how long the hostile runs take
 *    to fail. Then one ordinary run.
 *
 *   npx tsx engine/bench/hostile.ts      (BENCH_HOSTILE_RUNS, default 12)
 */
import { evaluateExpression, EXPRESSION_LIMITS, lastExpressionCost, MESSAGE_LIMITS, renderMessage } from '@flightdeck/workflows';
import { percentile, startBenchStack, writeBenchResult } from './stack.ts';

const RUNS = Number(process.env.BENCH_HOSTILE_RUNS ?? 12);
const literalList = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`;
const input = {
  xs: Array.from({ length: 3_000 }, (_, i) => i),
  word: 'x'.repeat(1_000),
  text: 'y'.repeat(20_000),
  s: `${'a'.repeat(5_000)}!`,
};

const EXPRESSIONS: Record<string, string> = {
  'nested map over input (9M iterations)': 'input.xs.map(a, input.xs.map(b, a * b)).size() > 0',
  'three nested maps over literals':
    `${literalList(300)}.map(a, ${literalList(300)}.map(b, ${literalList(300)}` + `.map(c, a + b + c))).size() > 0`,
  'string doubling':
    'cel.bind(s, input.word + input.word, cel.bind(t, s + s + s + s + s + s + s + s, ' +
    'cel.bind(u, t + t + t + t + t + t + t + t, u + u + u + u))).size() > 0',
  'huge split, mapped': 'input.text.split("").map(c, input.text).size() > 0',
  'deep equality in a loop': 'input.xs.all(x, input.xs == input.xs)',
  'regex bomb (a+)+$ on 5,000 chars': 'input.s.matches("(a+)+$")',
};
const TEMPLATES: Record<string, string> = {
  'five nested loops over a split':
    '{% assign s = "x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x" | split: "," %}' +
    '{% for a in s %}{% for b in s %}{% for c in s %}{% for d in s %}{% for e in s %}{{ a }}' +
    '{% endfor %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}',
  'range of 50M': '{% for i in (1..50000000) %}{{ i }}{% endfor %}',
  'append doubling': '{% assign s = "xxxxxxxxxx" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}',
  '3000 x 3000 liquid tag loops': '{% liquid\nfor i in (1..3000)\nfor j in (1..3000)\necho i\nendfor\nendfor\n%}',
};

function time(fn: () => unknown): { ms: number; error: string } {
  const started = performance.now();
  let error = 'none (completed)';
  try {
    fn();
  } catch (err) {
    error = (err as Error).message.replace(/^Expression ".*" failed: /s, '').slice(0, 90);
  }
  return { ms: Math.round((performance.now() - started) * 10) / 10, error };
}

console.log(`CEL limits: ${JSON.stringify(EXPRESSION_LIMITS)}`);
const expressionCosts: Record<string, unknown> = {};
for (const [name, source] of Object.entries(EXPRESSIONS)) {
  const t = time(() => evaluateExpression(source, { input }));
  expressionCosts[name] = { ...t, steps: lastExpressionCost().steps };
  console.log(`  ${name.padEnd(40)} ${String(t.ms).padStart(7)} ms  ${String(lastExpressionCost().steps).padStart(8)} steps  ${t.error}`);
}
console.log(`Liquid limits: ${JSON.stringify(MESSAGE_LIMITS)}`);
const templateCosts: Record<string, unknown> = {};
for (const [name, source] of Object.entries(TEMPLATES)) {
  const t = time(() => renderMessage(source, {}));
  templateCosts[name] = t;
  console.log(`  ${name.padEnd(40)} ${String(t.ms).padStart(7)} ms  ${t.error}`);
}

const stack = await startBenchStack('hostile', {
  pg: Number(process.env.BENCH_PG_PORT ?? 54431),
  temporal: Number(process.env.BENCH_TEMPORAL_PORT ?? 7331),
});
const admin = await stack.user('hostile-bench@local', 'Bench admin', 'admin');
const call = (method: string, path: string, body?: unknown) => stack.api(admin.token, method, path, body);

async function publish(name: string, nodes: unknown[], edges: unknown[]): Promise<string> {
  const graph = {
    nodes: nodes.map((n, i) => ({ ...(n as object), position: { x: i * 200, y: 0 } })),
    edges: edges.map((e, i) => ({ id: `e${i}`, ...(e as object) })),
  };
  const flow = await call('POST', '/api/flows', { name, graph });
  await call('POST', `/api/flows/${flow.id}/versions`, {});
  return flow.id;
}
async function waitForRun(runId: string): Promise<{ status: string }> {
  for (;;) {
    const run = await call('GET', `/api/runs/${runId}`);
    if (run.status !== 'running') return run;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const conditionFlows = await Promise.all(
  Object.values(EXPRESSIONS).map((expression, i) =>
    publish(
      `hostile condition ${i}`,
      [
        { id: 'start', type: 'trigger.manual', config: {} },
        { id: 'check', type: 'control.condition', config: { expression } },
        { id: 'yes', type: 'control.end', config: {} },
        { id: 'no', type: 'control.end', config: {} },
      ],
      [
        { source: 'start', sourceHandle: 'next', target: 'check' },
        { source: 'check', sourceHandle: 'true', target: 'yes' },
        { source: 'check', sourceHandle: 'false', target: 'no' },
      ],
    ),
  ),
);
const templateFlows = await Promise.all(
  Object.values(TEMPLATES).map((text, i) =>
    publish(
      `hostile template ${i}`,
      [
        { id: 'start', type: 'trigger.manual', config: {} },
        { id: 'bell', type: 'channel.in_app', config: { to: admin.email, title: 'Hostile', text } },
        { id: 'done', type: 'control.end', config: {} },
      ],
      [
        { source: 'start', sourceHandle: 'next', target: 'bell' },
        { source: 'bell', sourceHandle: 'sent', target: 'done' },
      ],
    ),
  ),
);
const all = [...conditionFlows, ...templateFlows];

const healthMs: number[] = [];
let probing = true;
const probe = (async () => {
  while (probing) {
    const started = performance.now();
    await fetch(`${stack.server.url}/healthz`);
    healthMs.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 20));
  }
})();
await new Promise((r) => setTimeout(r, 1_000));
const idle = [...healthMs];
healthMs.length = 0;

const started = performance.now();
const runs = await Promise.all(
  Array.from({ length: RUNS }, (_, i) => call('POST', `/api/flows/${all[i % all.length]}/runs`, { input }).then((r) => waitForRun(r.id))),
);
const hostileMs = performance.now() - started;
probing = false;
await probe;
const statuses = runs.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});

const ordinary = await publish(
  'ordinary',
  [
    { id: 'start', type: 'trigger.manual', config: {} },
    { id: 'check', type: 'control.condition', config: { expression: 'size(input.xs) > 10' } },
    { id: 'yes', type: 'control.end', config: {} },
  ],
  [
    { source: 'start', sourceHandle: 'next', target: 'check' },
    { source: 'check', sourceHandle: 'true', target: 'yes' },
  ],
);
const ordinaryStarted = performance.now();
const ordinaryRun = await waitForRun((await call('POST', `/api/flows/${ordinary}/runs`, { input })).id);
const ordinaryMs = performance.now() - ordinaryStarted;

const fmt = (xs: number[]) => ({
  samples: xs.length,
  p50: +percentile(xs, 50).toFixed(1),
  p99: +percentile(xs, 99).toFixed(1),
  max: +Math.max(...xs).toFixed(1),
});
const result = {
  expressionCosts,
  templateCosts,
  healthzIdleMs: fmt(idle),
  healthzUnderHostileLoadMs: fmt(healthMs),
  hostileRuns: { count: RUNS, statuses, allDoneMs: Math.round(hostileMs) },
  ordinaryRunAfter: { status: ordinaryRun.status, ms: Math.round(ordinaryMs) },
};
console.log(`/healthz idle:          ${JSON.stringify(result.healthzIdleMs)}`);
console.log(`/healthz, ${RUNS} hostile runs: ${JSON.stringify(result.healthzUnderHostileLoadMs)} (worker and API in one process)`);
console.log(
  `hostile runs: ${JSON.stringify(statuses)} in ${Math.round(hostileMs)} ms; ` +
    `ordinary run after: ${ordinaryRun.status} in ${Math.round(ordinaryMs)} ms`,
);
writeBenchResult('hostile', result);
await stack.close();
