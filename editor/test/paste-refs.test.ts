import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { validateFlow, type FlowNode } from '@flightdeck/workflows';
import { parseFragment, placeFragment, serializeFragment, type Fragment } from '../src/flow/fragment.ts';
import { nodeRefsIn, refsInValue, renameRefs, renameRefsInText } from '../src/flow/nodeRefs.ts';
import { toDocument, type CanvasNode } from '../src/flow/graph.ts';
import {
  frameMoves,
  frameNodes,
  groupNodes,
  groupsToDocument,
  noteBlocks,
  notesToCanvas,
  ungroupNodes,
  FRAME_PAD,
} from '../src/flow/annotations.ts';

const canvasNode = (id: string, x = 0, y = 0): CanvasNode => ({
  id,
  type: 'flow',
  position: { x, y },
  data: { type: 'control.end', config: {} },
  measured: { width: 200, height: 80 },
});

describe('node references in configs', () => {
  it('finds and renames nodes.<id> and nodes["<id>"], in CEL and Liquid, and nothing else', () => {
    const text = '{{ nodes.a.output.x }} and nodes["b"].output && input.nodes.a && mynodes.a && nodes . a .y';
    expect(nodeRefsIn(text)).toEqual(['a', 'b', 'a']);
    const rename = new Map([
      ['a', 'a_2'],
      ['b', 'b_9'],
    ]);
    expect(renameRefsInText(text, rename)).toBe(
      '{{ nodes.a_2.output.x }} and nodes["b_9"].output && input.nodes.a && mynodes.a && nodes . a_2 .y',
    );
  });

  it('renames a chain in one pass (a → b while b → c), never twice', () => {
    const rename = new Map([
      ['a', 'b'],
      ['b', 'c'],
    ]);
    expect(renameRefsInText("nodes.a.output + nodes['b'].output", rename)).toBe("nodes.b.output + nodes['c'].output");
  });

  it('walks nested configs, leaves keys alone, and keeps a hostile __proto__ key a plain key', () => {
    const config = JSON.parse('{"__proto__": {"x": "nodes.a"}, "nodes.a": ["nodes.a.output", 3, null, {"deep": "nodes.a"}]}');
    const out = renameRefs(config, new Map([['a', 'z']]));
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"x":"nodes.z"},"nodes.a":["nodes.z.output",3,null,{"deep":"nodes.z"}]}');
    expect(refsInValue(out)).toEqual(['z', 'z', 'z']);
  });
});

describe('pasting a fragment whose ids clash', () => {
  it('renames the clashing nodes and every reference and edge to them; references outside the fragment stay', () => {
    const fragment: Fragment = {
      nodes: [
        {
          id: 'check',
          type: 'control.condition',
          config: { expression: 'nodes.fetch.output.ok && nodes.other.output.ok' },
          position: { x: 0, y: 0 },
        },
        {
          id: 'fetch',
          type: 'channel.webhook',
          config: { url: 'https://x.test', body: '{{ nodes.check.output }}' },
          position: { x: 0, y: 0 },
        },
      ],
      edges: [{ source: 'fetch', sourceHandle: 'sent', target: 'check' }],
    };
    const placed = placeFragment(fragment, { nodeIds: ['fetch', 'other', 'webhook_1'], edgeIds: [] }, { x: 0, y: 0 });
    expect(placed.nodes.map((n) => n.id)).toEqual(['check', 'webhook_2']);
    expect(placed.renamed).toEqual(new Map([['fetch', 'webhook_2']]));
    expect(placed.nodes[0]!.data.config.expression).toBe('nodes.webhook_2.output.ok && nodes.other.output.ok');
    expect(placed.nodes[1]!.data.config.body).toBe('{{ nodes.check.output }}');
    expect(placed.edges).toMatchObject([{ source: 'webhook_2', sourceHandle: 'sent', target: 'check' }]);
  });

  it('a fresh id never lands on another pasted node’s id', () => {
    const fragment: Fragment = {
      nodes: [
        { id: 'x', type: 'control.end', config: {}, position: { x: 0, y: 0 } },
        { id: 'end_1', type: 'control.end', config: {}, position: { x: 0, y: 0 } },
      ],
      edges: [],
    };
    const placed = placeFragment(fragment, { nodeIds: ['x'], edgeIds: [] }, { x: 0, y: 0 });
    expect(placed.nodes.map((n) => n.id)).toEqual(['end_2', 'end_1']);
  });

  it('notes and groups travel with the nodes: renamed when taken, members following their nodes', () => {
    const nodes = [canvasNode('a'), canvasNode('b')];
    const notes = notesToCanvas([{ id: 'note_1', text: 'hi', color: 'blue', position: { x: 5, y: 5 }, size: { width: 200, height: 100 } }]);
    const text = serializeFragment(nodes, [], notes, [
      { id: 'group_1', label: 'Both', nodes: ['a', 'b'] },
      { id: 'group_2', label: 'Partly outside', nodes: ['a', 'zzz'] },
    ]);
    const parsed = parseFragment(text);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.fragment.groups).toEqual([{ id: 'group_1', label: 'Both', nodes: ['a', 'b'] }]);
    const placed = placeFragment(parsed.fragment, { nodeIds: ['a', 'note_1', 'group_1'], edgeIds: [] }, { x: 10, y: 0 });
    expect(placed.notes.map((n) => [n.id, n.position.x, n.data.text])).toEqual([['note_2', 15, 'hi']]);
    expect(placed.groups).toEqual([{ id: 'group_2', label: 'Both', nodes: ['end_1', 'b'] }]);
    // A fragment of a note alone is a fragment; one with nothing is not.
    expect(parseFragment(JSON.stringify({ format: 'flightdeck.fragment/1', nodes: [], notes: [JSON.parse(text).notes[0]] })).ok).toBe(true);
    expect(parseFragment(JSON.stringify({ format: 'flightdeck.fragment/1', nodes: [] })).ok).toBe(false);
  });

  const POOL = ['t', 'a', 'b', 'check', 'condition_1', 'condition_2', 'end_1', 'manual_1', 'x_1', 'note_1', 'group_1'];
  const id = fc.constantFrom(...POOL);

  it('property: after a paste every reference points where the mapping says, and a valid fragment stays valid', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(id, { minLength: 2, maxLength: 8 }),
        fc.uniqueArray(id, { maxLength: POOL.length }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { maxLength: 8 }),
        (ids, taken, refChoices) => {
          // A trigger, then a chain of conditions whose expressions name earlier nodes, the fragment's and others.
          const nodes: FlowNode[] = ids.map((nid, i) => {
            if (i === 0) return { id: nid, type: 'trigger.manual', config: {}, position: { x: 0, y: 0 } };
            const [r1, r2, bracket] = refChoices[i % Math.max(1, refChoices.length)] ?? [0, 0, false];
            const first = ids[r1 % i]!;
            const second = POOL[r2 % POOL.length]!;
            const expression = bracket
              ? `nodes["${first}"].output.ok == true || has(nodes.${second}.output.ok)`
              : `nodes.${first}.output.ok == true && input.nodes.${first} == null`;
            return { id: nid, type: 'control.condition', config: { expression }, position: { x: i * 100, y: 0 } };
          });
          const edges = ids.slice(1).map((nid, i) => ({ source: ids[i]!, sourceHandle: i === 0 ? 'next' : 'true', target: nid }));
          const source = { nodes, edges: edges.map((e, i) => ({ ...e, id: `e_${i}` })) };
          const sourceValid = validateFlow(source).ok;

          const placed = placeFragment({ nodes, edges }, { nodeIds: taken, edgeIds: [] }, { x: 0, y: 0 });
          const mapping = new Map(ids.map((old, i) => [old, placed.nodes[i]!.id]));
          // New ids are unique and clash with nothing that was taken.
          const newIds = placed.nodes.map((n) => n.id);
          expect(new Set(newIds).size).toBe(newIds.length);
          for (const n of newIds) expect(taken.includes(n) && !ids.includes(n) ? n : null).toBeNull();
          for (const [old, now] of mapping) if (!taken.includes(old)) expect(now).toBe(old);
          // Each reference to a fragment node follows the mapping; a reference to anything else is unchanged.
          nodes.forEach((n, i) => {
            const expected = refsInValue(n.config).map((r) => mapping.get(r) ?? r);
            expect(refsInValue(placed.nodes[i]!.data.config)).toEqual(expected);
          });
          // Edges follow the mapping too.
          expect(placed.edges.map((e) => [e.source, e.sourceHandle, e.target])).toEqual(
            edges.map((e) => [mapping.get(e.source), e.sourceHandle, mapping.get(e.target)]),
          );
          if (sourceValid) expect(validateFlow(toDocument(placed.nodes, placed.edges)).ok).toBe(true);
          // The generator only makes valid fragments, so the line above is never vacuous.
          return sourceValid;
        },
      ),
    );
  });
});

describe('hostile fragments with notes and groups', () => {
  it('property: any notes and groups parse to a fragment or a reason, never a throw, and place inside the fragment', () => {
    const base = { format: 'flightdeck.fragment/1', nodes: [{ id: 'a', type: 'control.end', config: {}, position: { x: 0, y: 0 } }] };
    const note = fc.record({
      id: fc.oneof(fc.constantFrom('a', 'note_1', '__proto__', 'constructor'), fc.string({ maxLength: 70 })),
      text: fc.string({ maxLength: 50 }),
      color: fc.constantFrom('yellow', 'blue', 'red'),
      position: fc.record({ x: fc.double(), y: fc.integer() }),
      size: fc.record({ width: fc.integer({ min: -10, max: 3000 }), height: fc.integer({ min: 0, max: 3000 }) }),
    });
    const group = fc.record({
      id: fc.constantFrom('a', 'g', 'group_1'),
      label: fc.string({ maxLength: 130 }),
      nodes: fc.array(fc.string()),
    });
    fc.assert(
      fc.property(
        fc.oneof(fc.array(note, { maxLength: 4 }), fc.anything()),
        fc.oneof(fc.array(group, { maxLength: 4 }), fc.anything()),
        (notes, groups) => {
          const parsed = parseFragment(JSON.stringify({ ...base, notes, groups }));
          if (!parsed.ok) return;
          const placed = placeFragment(parsed.fragment, { nodeIds: ['a', 'note_1', 'g'], edgeIds: [] }, { x: 5, y: 5 });
          const ids = [...placed.nodes, ...placed.notes, ...placed.groups].map((x) => x.id);
          expect(new Set([...ids, 'a', 'note_1', 'g']).size).toBe(ids.length + 3);
          for (const g of placed.groups) for (const m of g.nodes) expect(placed.nodes.map((n) => n.id)).toContain(m);
        },
      ),
    );
  });
});

describe('group frames and notes on the canvas', () => {
  const nodes = [canvasNode('a', 0, 0), canvasNode('b', 300, 100), canvasNode('c', 900, 900)];

  it('a frame surrounds its members, and moving it moves them (but not the ones already moving)', () => {
    const [frame] = frameNodes([{ id: 'g', label: 'Send', nodes: ['a', 'b', 'gone'] }], nodes);
    expect(frame).toMatchObject({
      id: 'g',
      type: 'frame',
      position: { x: -FRAME_PAD.side, y: -FRAME_PAD.top },
      width: 500 + 2 * FRAME_PAD.side,
      height: 180 + FRAME_PAD.top + FRAME_PAD.side,
      data: { label: 'Send', members: ['a', 'b'] },
    });
    const moves = frameMoves(frame!, { x: frame!.position.x + 40, y: frame!.position.y - 8 }, nodes, new Set(['b']), true);
    expect(moves).toEqual([{ type: 'position', id: 'a', position: { x: 40, y: -8 }, dragging: true }]);
  });

  it('grouping takes nodes out of their old group; ungrouping keeps the nodes; deleted members are not saved', () => {
    const one = groupNodes([], ['a', 'b'], 'g1', 'First');
    const two = groupNodes(one, ['b', 'c'], 'g2', 'Second');
    expect(two.map((g) => [g.id, g.nodes])).toEqual([
      ['g1', ['a']],
      ['g2', ['b', 'c']],
    ]);
    const none = two.map((g) => ({ ...g, selected: false }));
    expect(ungroupNodes(none, ['a']).map((g) => g.id)).toEqual(['g2']);
    // g2 is the selected one (just made): ungrouping with nothing else picked removes it.
    expect(ungroupNodes(two, []).map((g) => g.id)).toEqual(['g1']);
    expect(groupsToDocument(two, [nodes[0]!])).toEqual([{ id: 'g1', label: 'First', nodes: ['a'] }]);
  });

  it('a note renders a little markdown as plain blocks', () => {
    expect(noteBlocks('# Plan\n- **ask** legal\n\nplain <b>text</b>')).toEqual([
      { kind: 'heading', spans: [{ text: 'Plan', bold: false }] },
      {
        kind: 'item',
        spans: [
          { text: 'ask', bold: true },
          { text: ' legal', bold: false },
        ],
      },
      { kind: 'text', spans: [{ text: 'plain <b>text</b>', bold: false }] },
    ]);
  });
});
