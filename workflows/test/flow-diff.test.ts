import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIFF_LIMITS, diffFlows, isEmptyDiff, type FlowDiff } from '../src/flow-diff.ts';

const base = {
  schemaVersion: 1,
  nodes: [
    { id: 'trigger', type: 'trigger.manual', config: { sampleInput: {} }, position: { x: 0, y: 0 } },
    { id: 'mail', type: 'email.send', label: 'Mail', config: { to: ['a@example.com'], subject: 'Hi' }, position: { x: 300, y: 0 } },
    { id: 'wait', type: 'wait', config: { duration: '1h' }, position: { x: 600, y: 0 } },
  ],
  edges: [
    { id: 'e1', source: 'trigger', sourceHandle: 'out', target: 'mail' },
    { id: 'e2', source: 'mail', sourceHandle: 'out', target: 'wait' },
  ],
};
const clone = <T>(v: T): T => structuredClone(v);

describe('diffFlows', () => {
  it('finds nothing between a document and itself, or a copy with edges renamed and keys reordered', () => {
    expect(isEmptyDiff(diffFlows(base, base))).toBe(true);
    const copy = clone(base);
    copy.edges[0]!.id = 'renamed';
    copy.nodes[1]!.config = { subject: 'Hi', to: ['a@example.com'] };
    expect(isEmptyDiff(diffFlows(base, copy))).toBe(true);
  });

  it('reports added, removed and changed nodes, with the changed config fields and both values', () => {
    const b = clone(base);
    b.nodes = b.nodes.filter((n) => n.id !== 'wait');
    b.nodes.push({ id: 'slack', type: 'slack.post', config: {}, position: { x: 0, y: 300 } } as never);
    b.nodes[1]!.config = { to: ['a@example.com', 'b@example.com'], subject: 'Hello' };
    b.nodes[1]!.label = 'Mail 2';
    b.edges = [b.edges[0]!, { id: 'e9', source: 'mail', sourceHandle: 'out', target: 'slack' }];
    const d = diffFlows(base, b);
    expect(d.nodes.added).toEqual(['slack']);
    expect(d.nodes.removed).toEqual(['wait']);
    expect(d.nodes.changed).toEqual([
      {
        id: 'mail',
        fields: [
          { path: 'label', before: 'Mail', after: 'Mail 2' },
          { path: 'config.subject', before: 'Hi', after: 'Hello' },
          { path: 'config.to.1', after: 'b@example.com' },
        ],
      },
    ]);
    expect(d.edges.added).toEqual([{ id: 'e9', source: 'mail', sourceHandle: 'out', target: 'slack' }]);
    expect(d.edges.removed).toEqual([{ id: 'e2', source: 'mail', sourceHandle: 'out', target: 'wait' }]);
  });

  it('reports a node that only moved apart from the changed ones', () => {
    const b = clone(base);
    b.nodes[2]!.position = { x: 650, y: 40 };
    const d = diffFlows(base, b);
    expect(d.nodes.moved).toEqual(['wait']);
    expect(d.nodes.changed).toEqual([]);
  });

  it('treats a missing config as the empty one (a draft may leave it out)', () => {
    const a = { nodes: [{ id: 'n', type: 't' }], edges: [] };
    const b = { nodes: [{ id: 'n', type: 't', config: {} }], edges: [] };
    expect(isEmptyDiff(diffFlows(a, b))).toBe(true);
  });

  it('stops listing fields past the limit and compares deep values without recursing forever', () => {
    const many = (v: number) => ({
      nodes: [{ id: 'n', type: 't', config: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, v])) }],
    });
    const d = diffFlows(many(1), many(2));
    expect(d.nodes.changed[0]!.fields).toHaveLength(DIFF_LIMITS.fieldsPerNode);
    expect(d.nodes.changed[0]!.truncated).toBe(true);
    let deepA: unknown = 1;
    let deepB: unknown = 2;
    for (let i = 0; i < 50_000; i++) {
      deepA = { x: deepA };
      deepB = { x: deepB };
    }
    const deep = diffFlows({ nodes: [{ id: 'n', config: deepA }] }, { nodes: [{ id: 'n', config: deepB }] });
    expect(deep.nodes.changed[0]!.fields).toHaveLength(1);
  });

  const node = fc.record(
    {
      id: fc.constantFrom('a', 'b', 'c', 'd', '__proto__', 'constructor'),
      type: fc.constantFrom('t1', 't2'),
      label: fc.string({ maxLength: 3 }),
      config: fc.dictionary(fc.constantFrom('x', 'y', '__proto__', 'toString'), fc.jsonValue({ maxDepth: 3 })),
      position: fc.record({ x: fc.integer({ min: 0, max: 3 }), y: fc.constant(0) }),
    },
    { requiredKeys: ['id'] },
  );
  const edge = fc.record({
    id: fc.string({ maxLength: 2 }),
    source: fc.constantFrom('a', 'b', 'c'),
    sourceHandle: fc.constantFrom('out', 'yes'),
    target: fc.constantFrom('a', 'b', 'c'),
  });
  const doc = fc.record({ nodes: fc.array(node, { maxLength: 6 }), edges: fc.array(edge, { maxLength: 6 }) });
  const ids = (d: FlowDiff) => ({
    n: [...d.nodes.added].sort(),
    e: d.edges.added.map((e) => `${e.source}/${e.sourceHandle}/${e.target}`).sort(),
  });
  const removedIds = (d: FlowDiff) => ({
    n: [...d.nodes.removed].sort(),
    e: d.edges.removed.map((e) => `${e.source}/${e.sourceHandle}/${e.target}`).sort(),
  });

  it('property: a document against itself is empty', () => {
    fc.assert(fc.property(doc, (d) => isEmptyDiff(diffFlows(d, d)) && isEmptyDiff(diffFlows(d, clone(d)))));
  });

  it('property: what a→b adds, b→a removes; changed and moved nodes are the same both ways', () => {
    fc.assert(
      fc.property(doc, doc, (a, b) => {
        const ab = diffFlows(a, b);
        const ba = diffFlows(b, a);
        expect(ids(ab)).toEqual(removedIds(ba));
        expect(removedIds(ab)).toEqual(ids(ba));
        expect(ab.nodes.changed.map((c) => c.id).sort()).toEqual(ba.nodes.changed.map((c) => c.id).sort());
        expect([...ab.nodes.moved].sort()).toEqual([...ba.nodes.moved].sort());
      }),
    );
  });

  it('property: never throws on hostile documents', () => {
    const hostile = fc.oneof(
      fc.anything(),
      fc.record({ nodes: fc.anything(), edges: fc.anything() }),
      fc.record({ nodes: fc.array(fc.anything(), { maxLength: 5 }), edges: fc.array(fc.anything(), { maxLength: 5 }) }),
      fc.record({ nodes: fc.array(fc.record({ id: fc.anything(), config: fc.anything(), position: fc.anything() }), { maxLength: 5 }) }),
    );
    fc.assert(
      fc.property(hostile, hostile, (a, b) => {
        const d = diffFlows(a, b);
        expect(Array.isArray(d.nodes.added)).toBe(true);
        JSON.stringify(d);
      }),
    );
  });
});
