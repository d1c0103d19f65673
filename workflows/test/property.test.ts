import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { validateFlow } from '../src/validator.ts';
import { simulateFlow, type SimulatedActivity } from '../src/simulator.ts';
import { NODE_TYPES, getNodeType } from '../src/nodes/index.ts';
import { TERMINAL_RUN_STATUSES } from '../src/interpreter/state.ts';
import { WEBHOOK_ACTIVITY } from '../src/nodes/webhook.ts';
import type { FlowDocument } from '../src/flow.ts';
import type { EdgeInput, NodeInput } from './helpers.ts';

const DAY = 86_400_000;

/** Keeps the whole file within a few seconds. Raise locally to hunt: FC_RUNS=2000 npx vitest … */
const RUNS = Number(process.env.FC_RUNS ?? 0) || undefined;
const runs = (n: number) => ({ numRuns: RUNS ?? n });
/** Room for FC_RUNS hunts; the default runs take well under a second each. */
const SLOW = { timeout: 600_000 };

function expectWellFormedResult(result: ReturnType<typeof validateFlow>): void {
  expect(typeof result.ok).toBe('boolean');
  if (!result.ok) {
    expect(result.issues.length).toBeGreaterThan(0);
    for (const issue of result.issues) {
      expect(Array.isArray(issue.path)).toBe(true);
      expect(typeof issue.message).toBe('string');
      expect(typeof issue.code).toBe('string');
    }
  }
}

describe('property: validateFlow on arbitrary input', () => {
  it('never throws on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expectWellFormedResult(validateFlow(value));
      }),
      runs(300),
    );
  });

  it('never throws on anything JavaScript can hold', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
          withNullPrototype: true,
          withSparseArray: true,
          withBoxedValues: true,
        }),
        (value) => {
          expectWellFormedResult(validateFlow(value));
        },
      ),
      runs(300),
    );
  });

  it('never throws when nodes, edges and configs hold arbitrary values', () => {
    const anyValue = fc.oneof(fc.jsonValue(), fc.anything());
    const doc = fc.record(
      {
        schemaVersion: fc.oneof(fc.constant(1), anyValue),
        nodes: fc.array(
          fc.oneof(
            anyValue,
            fc.record(
              {
                id: fc.oneof(fc.constantFrom('t', 'a', '__proto__', 'constructor'), fc.string()),
                type: fc.oneof(fc.constantFrom(...NODE_TYPES.map((d) => d.type)), fc.string()),
                config: anyValue,
              },
              { requiredKeys: ['id', 'type'] },
            ),
          ),
          { maxLength: 6 },
        ),
        edges: fc.array(
          fc.oneof(anyValue, fc.record({ id: fc.string(), source: fc.string(), sourceHandle: fc.string(), target: fc.string() })),
          { maxLength: 6 },
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(doc, (value) => {
        expectWellFormedResult(validateFlow(value));
      }),
      runs(300),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Structurally plausible documents

const IDS = ['t', 'a', 'b', 'c', 'd', 'e', 'f', 'g'];
const HANDLES = ['next', 'true', 'false', 'sent', 'failed', 'approved'];
/** Mostly good values, sometimes a bad one: enough valid documents reach the simulator. */
const mostly = <T>(good: T[], bad: T[]): fc.Arbitrary<T> =>
  fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) });
const DURATIONS = mostly(['1m', '1h', '2h30m', '1d', '2d'], ['5 parsecs', '', '400d']);
// Some good ones still fail at run time (not a bool, a node not yet run): that is the simulator's job to report.
const EXPRESSIONS = mostly(
  [
    'true',
    'false',
    'input.amount > 100',
    'input.flag',
    '!input.flag',
    'input.amount',
    'nodes.a.output.status == 200',
    'size(input.tags) > 0',
  ],
  ['input.amount >', 'nope('],
);
const URLS = mostly(
  ['https://hooks.example.test/x', 'https://hooks.example.test/{{ input.region }}', '{{ input.url }}'],
  ['ftp://nope', 'https://x.test/{{ ) }}'],
);
const BODIES = mostly<unknown>(
  [{}, { n: '{{ input.amount }}' }, { text: 'Hi {{ input.name }}' }, { x: '{{ nodes.a.output }}' }, ['{{ input.tags }}']],
  [{ bad: '{{ 1 + }}' }],
);

const configFor = (type: string): fc.Arbitrary<Record<string, unknown>> => {
  const def = getNodeType(type);
  const defaults = fc.constant((def?.editor.defaultConfig ?? {}) as Record<string, unknown>);
  switch (type) {
    case 'control.delay':
      return fc.oneof(defaults, fc.record({ duration: DURATIONS }));
    case 'control.condition':
      return fc.oneof(defaults, fc.record({ expression: EXPRESSIONS }));
    case 'control.end':
      return fc.oneof(defaults, fc.record({ status: mostly(['completed', 'failed', 'cancelled'], ['exploded']) }, { requiredKeys: [] }));
    case 'channel.webhook':
      return fc.oneof(
        defaults,
        fc.record(
          {
            url: URLS,
            body: BODIES,
            retry: fc.record(
              { maximumAttempts: mostly([1, 2, 4], [0]), initialInterval: mostly(['1s', '30s'], ['x']) },
              { requiredKeys: [] },
            ),
            timeout: fc.constantFrom('10s', '1m'),
          },
          { requiredKeys: ['url'] },
        ),
      );
    case 'trigger.manual':
      return fc.oneof(defaults, fc.record({ sampleInput: fc.jsonValue({ maxDepth: 2 }) }));
    default:
      return fc.oneof(defaults, fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }));
  }
};

const nodeArb = (id: string, typeArb: fc.Arbitrary<string>): fc.Arbitrary<NodeInput> =>
  typeArb.chain((type) => configFor(type).map((config) => ({ id, type, config })));

const typeArb = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...NODE_TYPES.filter((d) => d.family !== 'trigger').map((d) => d.type)) },
  { weight: 1, arbitrary: fc.constantFrom('trigger.manual', 'channel.carrier_pigeon') },
);

/** Mostly sensible: a trigger first, then nodes each wired from an earlier node by one of its real handles; plus some noise edges. */
const plausibleDoc = fc
  .record({
    count: fc.integer({ min: 1, max: IDS.length }),
    seedTypes: fc.array(typeArb, { minLength: IDS.length, maxLength: IDS.length }),
  })
  .chain(({ count, seedTypes }) => {
    const ids = IDS.slice(0, count);
    const nodes = fc.tuple(
      ...ids.map((id, i) =>
        i === 0
          ? nodeArb(
              id,
              fc.oneof({ weight: 9, arbitrary: fc.constant('trigger.manual') }, { weight: 1, arbitrary: fc.constant(seedTypes[0]!) }),
            )
          : nodeArb(id, fc.constant(seedTypes[i]!)),
      ),
    );
    const wiring = fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { minLength: count - 1, maxLength: count - 1 });
    const noise = fc.oneof(
      { weight: 3, arbitrary: fc.constant([]) },
      {
        weight: 1,
        arbitrary: fc.array(
          fc.record({
            source: fc.oneof(fc.constantFrom(...ids), fc.constant('ghost')),
            target: fc.oneof(fc.constantFrom(...ids), fc.constant('ghost')),
            sourceHandle: fc.constantFrom(...HANDLES),
          }),
          { maxLength: 4 },
        ),
      },
    );
    return fc.tuple(
      nodes,
      wiring,
      noise,
      fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    );
  })
  .map(([nodes, wiring, noise, duplicateAnId]) => {
    const edges: EdgeInput[] = [];
    nodes.forEach((node, i) => {
      if (i === 0) return;
      const [from, handleSeed] = wiring[i - 1]!;
      const source = nodes[from % i]!;
      const def = getNodeType(source.type);
      const handles = def ? def.handles(def.configSchema.safeParse(source.config).data ?? {}) : ['next'];
      const sourceHandle = handles.length ? handles[handleSeed % handles.length]! : 'next';
      edges.push({ id: `w${i}`, source: source.id, sourceHandle, target: node.id });
    });
    noise.forEach((e, i) => edges.push({ id: `n${i}`, ...e }));
    if (duplicateAnId && edges.length > 1) edges[edges.length - 1] = { ...edges[edges.length - 1]!, id: edges[0]!.id };
    return { nodes, edges };
  });

function hasCycle(flow: FlowDocument): boolean {
  const next = new Map<string, string[]>();
  for (const e of flow.edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const state = new Map<string, 1 | 2>();
  const visit = (n: string): boolean => {
    if (state.get(n) === 1) return true;
    if (state.get(n) === 2) return false;
    state.set(n, 1);
    const found = (next.get(n) ?? []).some(visit);
    state.set(n, 2);
    return found;
  };
  return flow.nodes.some((n) => visit(n.id));
}

/** A webhook fake that fails on a pattern drawn by fast-check, sometimes for good. */
const fakeArb = fc
  .array(fc.constantFrom('ok', 'retryable', 'fatal'), { minLength: 1, maxLength: 8 })
  .map((pattern): Record<string, SimulatedActivity> => {
    let call = 0;
    return {
      [WEBHOOK_ACTIVITY]: () => {
        const outcome = pattern[call++ % pattern.length];
        if (outcome === 'retryable') throw { message: '503' };
        if (outcome === 'fatal') throw { message: '400', nonRetryable: true };
        return { status: 200, body: { ok: true }, attempt: 1, durationMs: 1 };
      },
    };
  });

const inputArb = fc.record({
  amount: fc.integer({ min: 0, max: 300 }),
  flag: fc.boolean(),
  tags: fc.array(fc.constantFrom('vip', 'new'), { maxLength: 2 }),
  region: fc.constantFrom('cn', 'eu'),
  name: fc.string({ maxLength: 5 }),
});

describe('property: plausible documents', () => {
  it('validate without throwing, and valid ones run to an end in the simulator', SLOW, async () => {
    let valid = 0;
    let total = 0;
    await fc.assert(
      fc.asyncProperty(plausibleDoc, inputArb, fakeArb, async (doc, input, activities) => {
        total++;
        const checked = validateFlow(doc);
        expectWellFormedResult(checked);
        if (!checked.ok) return;
        valid++;
        const result = await simulateFlow(doc, { input, activities, maxVirtualMs: 30 * DAY });
        if (!result.ok) {
          // Only a loop (through a delay: the validator refuses the others) can outlast the virtual clock.
          expect(hasCycle(checked.flow), JSON.stringify(result.issues)).toBe(true);
          expect(result.issues?.[0]?.message).toMatch(/still waiting/);
          return;
        }
        const state = result.state!;
        expect(TERMINAL_RUN_STATUSES).toContain(state.status);
        expect(state.endedAt).toBeGreaterThanOrEqual(state.startedAt);
        if (state.status !== 'completed') expect(state.reason).toBeTruthy();
        expect(Object.keys(state.nodes).sort()).toEqual(checked.flow.nodes.map((n) => n.id).sort());
        for (const [id, node] of Object.entries(state.nodes)) {
          expect(node.status, id).not.toBe('pending');
          if (node.status === 'completed' || node.status === 'failed') {
            expect(node.executions, id).toBeGreaterThan(0);
            expect(node.endedAt!, id).toBeGreaterThanOrEqual(node.startedAt!);
          }
          if (node.status === 'failed') expect(node.error, id).toBeTruthy();
        }
      }),
      runs(150),
    );
    // The generator must actually reach the simulator, not only the validator's refusals.
    expect(valid / total).toBeGreaterThan(0.1);
  });

  it('end in a state whose nodes agree with the run: none still running, none failed in a run that did not fail', SLOW, async () => {
    await fc.assert(
      fc.asyncProperty(plausibleDoc, inputArb, fakeArb, async (doc, input, activities) => {
        if (!validateFlow(doc).ok) return;
        const result = await simulateFlow(doc, { input, activities, maxVirtualMs: 30 * DAY });
        if (!result.ok) return;
        const state = result.state!;
        for (const [id, node] of Object.entries(state.nodes)) {
          expect(node.status, `${id} in a ${state.status} run: ${JSON.stringify(state)}`).not.toBe('running');
          if (node.status === 'failed') expect(state.status, `${id} failed: ${JSON.stringify(state)}`).toBe('failed');
          if (node.startedAt !== undefined) expect(node.startedAt, id).toBeLessThanOrEqual(state.endedAt!);
        }
      }),
      runs(150),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Generated DAGs of webhook / delay / condition chains

const DAG_EXPRESSIONS = ['input.flag', '!input.flag', 'input.amount > 100', 'input.amount % 2 == 0', 'true', 'false'];

const dagArb = fc.integer({ min: 1, max: 8 }).chain((size) =>
  fc
    .tuple(
      ...Array.from({ length: size }, (_, i) =>
        fc.record({
          kind: fc.constantFrom('channel.webhook', 'control.delay', 'control.condition'),
          duration: fc.constantFrom('1m', '1h', '3h', '1d'),
          expression: fc.constantFrom(...DAG_EXPRESSIONS),
          // Indices (into the nodes before this one, 0 = trigger) and handle choices of the incoming edges.
          preds: fc.uniqueArray(fc.nat(i), { minLength: 1, maxLength: 2 }),
          handleSeeds: fc.array(fc.nat(), { minLength: 2, maxLength: 2 }),
        }),
      ),
    )
    .map((specs) => {
      const nodes: NodeInput[] = [{ id: 'n0', type: 'trigger.manual', config: {} }];
      const edges: EdgeInput[] = [];
      specs.forEach((spec, i) => {
        const id = `n${i + 1}`;
        const config =
          spec.kind === 'channel.webhook'
            ? { url: `https://hooks.example.test/${id}`, body: { from: id, amount: '{{ input.amount }}' } }
            : spec.kind === 'control.delay'
              ? { duration: spec.duration }
              : { expression: spec.expression };
        nodes.push({ id, type: spec.kind, config });
        spec.preds.forEach((p, k) => {
          const source = nodes[p]!;
          const handles =
            source.type === 'trigger.manual'
              ? ['next']
              : source.type === 'channel.webhook'
                ? ['sent']
                : source.type === 'control.delay'
                  ? ['next']
                  : ['true', 'false'];
          const sourceHandle = handles[spec.handleSeeds[k]! % handles.length]!;
          edges.push({ id: `e${edges.length}`, source: source.id, sourceHandle, target: id });
        });
      });
      return { nodes, edges };
    }),
);

describe('property: DAG flows', () => {
  it('are valid, complete, and visit exactly the nodes their taken handles lead to', SLOW, async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, fc.record({ amount: fc.integer({ min: 0, max: 300 }), flag: fc.boolean() }), async (doc, input) => {
        const checked = validateFlow(doc);
        expect(checked.ok ? [] : checked.issues).toEqual([]);
        const result = await simulateFlow(doc, { input });
        expect(result.ok).toBe(true);
        const state = result.state!;
        expect(state.status).toBe('completed');

        const incoming = (id: string) => doc.edges.filter((e) => e.target === id);
        for (const node of doc.nodes) {
          const s = state.nodes[node.id]!;
          if (node.type === 'trigger.manual') {
            expect(s).toMatchObject({ status: 'completed', executions: 1, handle: 'next' });
            continue;
          }
          const taken = incoming(node.id).filter(
            (e) => state.nodes[e.source]!.status === 'completed' && state.nodes[e.source]!.handle === e.sourceHandle,
          );
          if (s.status === 'completed') {
            // Every completed node has a completed predecessor whose taken handle has an edge to it…
            expect(taken.length, `${node.id} ran without a taken edge into it`).toBeGreaterThan(0);
            // …it ran once per token it received, and not before the first of them arrived.
            expect(s.executions).toBe(taken.reduce((n, e) => n + state.nodes[e.source]!.executions, 0));
            expect(s.startedAt).toBeGreaterThanOrEqual(Math.min(...taken.map((e) => state.nodes[e.source]!.startedAt!)));
          } else {
            expect(s.status, node.id).toBe('skipped');
            expect(s.executions).toBe(0);
            expect(taken, `${node.id} was skipped though an edge into it was taken`).toEqual([]);
          }
          if (s.status === 'completed' && node.type === 'control.condition') expect(['true', 'false']).toContain(s.handle);
          if (s.status === 'completed' && node.type === 'channel.webhook') expect(s.handle).toBe('sent');
        }
        const webhookRuns = doc.nodes.filter((n) => n.type === 'channel.webhook').reduce((n, w) => n + state.nodes[w.id]!.executions, 0);
        expect(result.calls).toHaveLength(webhookRuns);
        const lastEnd = Math.max(...Object.values(state.nodes).map((s) => s.endedAt ?? state.startedAt));
        expect(state.endedAt).toBe(lastEnd);
      }),
      runs(150),
    );
  });
});
