import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPRESSION_LIMITS, PARTIALS_REFUSED } from '@flightdeck/workflows';
import { FIRST_ADMIN_EMAIL } from '../src/seed/first-admin.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { ACTIVATION_BACKSTOP_MS, FlowWorker } from '../src/worker/flow-worker.ts';
import { waitFor } from './support/wait-for.ts';

/**
 * Hostile conditions and message templates against a real worker, API, PostgreSQL and Temporal:
 * each hostile run fails alone with the reason, the process stays up, /healthz keeps answering
 * while they run, and an ordinary run afterwards completes.
 */
const literalList = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`;

const HOSTILE_CONDITIONS = [
  'input.xs.map(a, input.xs.map(b, a * b)).size() > 0',
  `${literalList(300)}.map(a, ${literalList(300)}.map(b, ${literalList(300)}.map(c, a + b + c))).size() > 0`,
  'cel.bind(s, input.word + input.word + input.word + input.word, cel.bind(t, s + s + s + s + s + s + s + s, ' +
    'cel.bind(u, t + t + t + t + t + t + t + t, u + u + u + u + u + u + u + u))).size() > 0',
  'input.text.split("").map(c, input.text).size() > 0',
  'input.xs.all(x, input.xs == input.xs)',
  'false || input.xs.exists(x, input.xs.map(y, x * y).size() < 0)',
];

const NESTED_LOOPS =
  '{% assign s = "x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x" | split: "," %}' +
  '{% for a in s %}{% for b in s %}{% for c in s %}{% for d in s %}{% for e in s %}{{ a }}' +
  '{% endfor %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}';
const HOSTILE_TEMPLATES = [
  NESTED_LOOPS,
  '{% for i in (1..50000000) %}{{ i }}{% endfor %}',
  '{% assign s = "xxxxxxxxxx" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}',
  '{% liquid\nfor i in (1..3000)\nfor j in (1..3000)\necho i\nendfor\nendfor\n%}',
];

describe('hostile flows fail alone', () => {
  let stack: TestStack;
  let healthChecks = 0;
  const healthFailures: string[] = [];
  let probing = true;
  let probe: Promise<void>;

  beforeAll(async () => {
    stack = await startStack('hostile');
    // /healthz is asked in a loop while the hostile runs go on: every answer must say PostgreSQL and Temporal are up.
    // The check gives each of them 3 s of wall-clock time, which a machine running two suites at once can spend
    // waiting for a core: a 503 whose only complaint is that deadline is the machine's load, not a fault.
    probe = (async () => {
      while (probing) {
        const r = await fetch(`${stack.url}/healthz`)
          .then(async (res) => ({ status: res.status, statusText: res.statusText, body: await res.json() }))
          .catch((err: Error) => ({ status: 0, statusText: err.message, body: undefined }));
        healthChecks++;
        const parts = [r.body?.postgres, r.body?.temporal] as ({ ok: boolean; error?: string } | undefined)[];
        const onlySlow = r.status === 503 && parts.every((p) => p?.ok || /^no answer within/.test(p?.error ?? ''));
        if (r.status !== 200 && !onlySlow) healthFailures.push(`${r.status} ${r.statusText} ${JSON.stringify(r.body)}`);
        await new Promise((res) => setTimeout(res, 50));
      }
    })();
  });
  afterAll(async () => {
    probing = false;
    await probe;
    await stack?.close();
  });

  async function runFlow(name: string, graph: ReturnType<typeof flow>, input: unknown = {}) {
    const { flowId } = await stack.api.publishFlow(name, graph);
    return stack.api.waitForRun(await stack.api.startRun(flowId, input));
  }

  const conditionFlow = (expression: string) =>
    flow(
      [
        node('start', 'trigger.manual'),
        node('check', 'control.condition', { expression }),
        node('yes', 'control.end'),
        node('no', 'control.end'),
      ],
      [edge('start', 'next', 'check'), edge('check', 'true', 'yes'), edge('check', 'false', 'no')],
    );

  it('runs workflows with the activation backstop far above what the budgets allow', () => {
    expect(stack.worker.worker).toBeInstanceOf(FlowWorker);
    expect(ACTIVATION_BACKSTOP_MS).toBe(30_000);
  });

  it("runs workflows in threads without V8 promise hooks, so Temporal's stack-trace query says they are off", async () => {
    const graph = flow(
      [node('start', 'trigger.manual'), node('wait', 'control.delay', { duration: '1h' }), node('done', 'control.end')],
      [edge('start', 'next', 'wait'), edge('wait', 'next', 'done')],
    );
    const { flowId } = await stack.api.publishFlow('parked for a stack trace', graph);
    const runId = await stack.api.startRun(flowId);
    const handle = stack.server.temporal.client.workflow.getHandle(`run-${runId}`);
    await waitFor('the run to park in its delay', async () => (await handle.query<any>('runState'))?.nodes?.wait?.status === 'running');
    await expect(handle.query('__stack_trace')).rejects.toThrow(/stack traces are not enabled/);
    await handle.cancel();
  });

  it('a condition over its budget fails its run with the reason', async () => {
    const input = { xs: Array.from({ length: 3_000 }, (_, i) => i), word: 'x'.repeat(1_000), text: 'y'.repeat(20_000) };
    // fast-check picks the order and which of the hostile shapes run; each run must fail alone.
    const picked = fc.sample(fc.shuffledSubarray(HOSTILE_CONDITIONS, { minLength: 3 }), { numRuns: 1, seed: 10 })[0]!;
    const runs = await Promise.all(picked.map((expression, i) => runFlow(`hostile condition ${i}`, conditionFlow(expression), input)));
    for (const run of runs) {
      expect(run.status).toBe('failed');
      expect(run.state.nodes.check.status).toBe('failed');
      expect(run.state.nodes.check.error).toMatch(/exceeded its (allocation )?budget|built a (string|list)/);
      expect(run.state.nodes.yes.status).not.toBe('completed');
    }
  });

  it('a chain of conditions shares one budget per workflow task, in the real sandbox', async () => {
    // Each costs about 400,000 steps: under the per-expression budget, over the shared one by the fourth.
    const expression = 'input.xs.map(a, input.ys.map(b, b)).size() > 0';
    const chain = Array.from({ length: 6 }, (_, i) => node(`c${i}`, 'control.condition', { expression }));
    const graph = flow(
      [node('start', 'trigger.manual'), ...chain, node('done', 'control.end')],
      [edge('start', 'next', 'c0'), ...chain.slice(1).map((c, i) => edge(`c${i}`, 'true', c.id)), edge('c5', 'true', 'done')],
    );
    const run = await runFlow('shared budget', graph, {
      xs: Array.from({ length: 1_000 }, (_, i) => i),
      ys: Array.from({ length: 200 }, (_, i) => i),
    });
    expect(run.status).toBe('failed');
    expect(run.state.nodes.c0.status).toBe('completed');
    const failed = Object.values(run.state.nodes as Record<string, { status: string; error?: string }>).find((n) => n.status === 'failed');
    expect(failed?.error).toContain(`shared budget of ${EXPRESSION_LIMITS.maxStepsPerTask} steps in one workflow task`);
  });

  it('a message template over its render or memory limit fails its delivery with the reason', async () => {
    const graph = (text: string) =>
      flow(
        [
          node('start', 'trigger.manual'),
          node('bell', 'channel.in_app', { to: FIRST_ADMIN_EMAIL, title: 'Hostile', text }),
          node('done', 'control.end'),
          node('bad', 'control.end', { status: 'failed', reason: 'delivery failed' }),
        ],
        [edge('start', 'next', 'bell'), edge('bell', 'sent', 'done'), edge('bell', 'failed', 'bad')],
      );
    const runs = await Promise.all(HOSTILE_TEMPLATES.map((text, i) => runFlow(`hostile template ${i}`, graph(text))));
    for (const run of runs) {
      expect(run.state.nodes.bell.handle).toBe('failed');
      expect(run.state.nodes.bell.output.error).toMatch(
        /could not be rendered: .*(render limit exceeded|memory alloc limit exceeded|longer than)/,
      );
      expect(run.state.nodes.done.status).not.toBe('completed');
    }
  });

  it('refuses templates that include other templates when publishing, whatever the name', async () => {
    const names = ['"../../.data/secret"', "'/etc/passwd'", 'campaign.name', '{{ input.path }}', '".data/encryption-key"'];
    for (const [i, tag] of ['include', 'render', 'layout', 'include', 'render'].entries()) {
      const graph = flow(
        [
          node('start', 'trigger.manual'),
          node('bell', 'channel.in_app', { to: FIRST_ADMIN_EMAIL, title: 'Leak', text: `{% ${tag} ${names[i]} %}` }),
          node('done', 'control.end'),
        ],
        [edge('start', 'next', 'bell'), edge('bell', 'sent', 'done')],
      );
      const created = await stack.api.post('/api/flows', { name: `leak ${i}`, graph });
      const published = created.status === 201 ? await stack.api.post(`/api/flows/${created.body.id}/versions`, {}) : created;
      expect(published.status).toBeGreaterThanOrEqual(400);
      expect(published.status).toBeLessThan(500);
      expect(JSON.stringify(published.body)).toContain(PARTIALS_REFUSED);
    }
  });

  it('keeps serving: /healthz answered throughout, and an ordinary run completes afterwards', async () => {
    const normal = await runFlow('ordinary', conditionFlow('input.budget > 1000000'), { budget: 1_200_000 });
    expect(normal.status).toBe('completed');
    expect(normal.state.nodes.yes.status).toBe('completed');
    const bell = flow(
      [
        node('start', 'trigger.manual'),
        node('bell', 'channel.in_app', {
          to: FIRST_ADMIN_EMAIL,
          title: '{{ input.name }} is ready',
          text: '{% for p in input.phases %}{{ p }} {% endfor %}',
        }),
        node('done', 'control.end'),
      ],
      [edge('start', 'next', 'bell'), edge('bell', 'sent', 'done')],
    );
    const delivered = await runFlow('ordinary bell', bell, { name: 'Spring', phases: ['warm_up', 'burst'] });
    expect(delivered.status).toBe('completed');
    expect(healthChecks).toBeGreaterThan(0);
    expect(healthFailures).toEqual([]);
    const health = await stack.api.get('/healthz');
    expect(health.status).toBe(200);
  });
});
