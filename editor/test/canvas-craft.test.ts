import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isNodeId } from '@flightdeck/workflows';
import { emptyHistory, record, redo, undo, COALESCE_MS, type History } from '../src/flow/history.ts';
import { FRAGMENT_FORMAT, FRAGMENT_LIMITS, parseFragment, placeFragment, serializeFragment } from '../src/flow/fragment.ts';
import { align, distribute, type Box } from '../src/flow/arrange.ts';
import { autoLayout, elkGraph } from '../src/flow/autoLayout.ts';
import type { CanvasEdge, CanvasNode } from '../src/flow/graph.ts';

const node = (id: string, type: string, x = 0, y = 0, config: Record<string, unknown> = {}): CanvasNode => ({
  id,
  type: 'flow',
  position: { x, y },
  data: { type, config },
});
const edge = (id: string, source: string, sourceHandle: string, target: string): CanvasEdge => ({ id, source, sourceHandle, target });

describe('undo history', () => {
  it('undoes and redoes in order, and a new change clears the redo stack', () => {
    let h: History<number> = emptyHistory();
    h = record(h, 0);
    h = record(h, 1);
    const u1 = undo(h, 2)!;
    expect(u1.state).toBe(1);
    const u2 = undo(u1.history, u1.state)!;
    expect(u2.state).toBe(0);
    expect(undo(u2.history, 0)).toBeNull();
    const r1 = redo(u2.history, 0)!;
    expect(r1.state).toBe(1);
    const after = record(r1.history, 1);
    expect(after.future).toEqual([]);
    expect(redo(after, 5)).toBeNull();
  });

  it('coalesces a run of edits with one key inside the window, and not across it', () => {
    let h: History<string> = emptyHistory();
    h = record(h, 'a', { key: 'field', now: 0 });
    h = record(h, 'ab', { key: 'field', now: COALESCE_MS / 2 });
    h = record(h, 'abc', { key: 'field', now: COALESCE_MS - 1 });
    expect(h.past).toEqual(['a']);
    h = record(h, 'abcd', { key: 'field', now: 3 * COALESCE_MS });
    expect(h.past).toEqual(['a', 'abcd']);
    h = record(h, 'x', { key: 'other', now: 3 * COALESCE_MS });
    expect(h.past).toHaveLength(3);
  });

  it('keeps at most the limit, dropping the oldest', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 100 }), (limit, n) => {
        let h: History<number> = emptyHistory();
        for (let i = 0; i < n; i++) h = record(h, i, { limit });
        expect(h.past.length).toBe(Math.min(limit, n));
        if (n > 0) expect(h.past[h.past.length - 1]).toBe(n - 1);
      }),
    );
  });
});

describe('clipboard fragments', () => {
  const nodes = [node('start', 'trigger.manual', 0, 0), node('check', 'control.condition', 300, 0), node('end', 'control.end', 600, 0)];
  const edges = [edge('e_1', 'start', 'next', 'check'), edge('e_2', 'check', 'true', 'end')];

  it('round-trips the selection, keeping only edges inside it', () => {
    const text = serializeFragment(nodes.slice(0, 2), edges);
    const parsed = parseFragment(text);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.fragment.nodes.map((n) => n.id)).toEqual(['start', 'check']);
    expect(parsed.fragment.edges).toEqual([{ source: 'start', sourceHandle: 'next', target: 'check' }]);
  });

  it('finds the fragment inside a chat message with words and a code fence around it', () => {
    const text = `here you go:\n\`\`\`json\n${serializeFragment(nodes, edges)}\n\`\`\`\ncheers`;
    expect(parseFragment(text).ok).toBe(true);
  });

  it('renames taken ids, offsets positions and selects what it pastes', () => {
    const parsed = parseFragment(serializeFragment(nodes, edges));
    if (!parsed.ok) throw new Error('not parsed');
    const placed = placeFragment(parsed.fragment, { nodeIds: ['start', 'check', 'end'], edgeIds: ['e_1', 'e_2'] }, { x: 40, y: 40 });
    const ids = placed.nodes.map((n) => n.id);
    expect(new Set(ids).size).toBe(3);
    expect(ids.some((id) => ['start', 'check', 'end'].includes(id))).toBe(false);
    expect(placed.nodes[1]!.position).toEqual({ x: 340, y: 40 });
    expect(placed.nodes.every((n) => n.selected)).toBe(true);
    expect(placed.edges.map((e) => [e.source, e.target])).toEqual([
      [ids[0], ids[1]],
      [ids[1], ids[2]],
    ]);
    expect(placed.edges.every((e) => !['e_1', 'e_2'].includes(e.id))).toBe(true);
  });

  it('refuses what is too large, not JSON or not a fragment', () => {
    expect(parseFragment('')).toEqual({ ok: false, reason: 'empty' });
    expect(parseFragment('x'.repeat(FRAGMENT_LIMITS.chars + 1))).toEqual({ ok: false, reason: 'tooLarge' });
    expect(parseFragment('{nope')).toEqual({ ok: false, reason: 'notJson' });
    expect(parseFragment('['.repeat(100_000) + '{}' + ']'.repeat(100_000))).toMatchObject({ ok: false });
    expect(parseFragment(JSON.stringify({ format: 'other', nodes: [] }))).toEqual({ ok: false, reason: 'notFragment' });
    const bad = { format: FRAGMENT_FORMAT, nodes: [{ id: '__proto__', type: 'control.end', config: {} }] };
    expect(parseFragment(JSON.stringify(bad)).ok).toBe(false);
  });

  it('property: any text parses without throwing, and what it accepts places as a sound graph', () => {
    const validish = fc.record({
      format: fc.oneof(fc.constant(FRAGMENT_FORMAT), fc.string()),
      nodes: fc.array(
        fc.record({
          id: fc.oneof(fc.constantFrom('a', 'b', 'start', 'x_1'), fc.string({ maxLength: 70 })),
          type: fc.oneof(fc.constantFrom('control.end', 'trigger.manual'), fc.string({ maxLength: 80 })),
          config: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
          position: fc.oneof(fc.record({ x: fc.double(), y: fc.double() }), fc.jsonValue()),
        }),
        { maxLength: 8 },
      ),
      edges: fc.array(
        fc.record({
          source: fc.constantFrom('a', 'b', 'start', 'x_1', 'zz'),
          sourceHandle: fc.oneof(fc.constant('next'), fc.string({ maxLength: 70 })),
          target: fc.constantFrom('a', 'b', 'start', 'x_1', 'zz'),
        }),
        { maxLength: 12 },
      ),
    });
    const text = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      validish.map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(text, (t) => {
        const parsed = parseFragment(t);
        if (!parsed.ok) return;
        const placed = placeFragment(parsed.fragment, { nodeIds: ['a', 'start'], edgeIds: ['e_1'] }, { x: 40, y: 40 });
        const ids = new Set(placed.nodes.map((n) => n.id));
        expect(ids.size).toBe(placed.nodes.length);
        for (const id of ids) expect(isNodeId(id), id).toBe(true);
        expect(ids.has('a') || ids.has('start')).toBe(false);
        for (const e of placed.edges) {
          expect(ids.has(e.source) && ids.has(e.target)).toBe(true);
          expect(e.id).not.toBe('e_1');
        }
        for (const n of placed.nodes) expect(Number.isFinite(n.position.x) && Number.isFinite(n.position.y)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('align and distribute', () => {
  const boxes: Box[] = [
    { id: 'a', x: 0, y: 0, w: 100, h: 50 },
    { id: 'b', x: 50, y: 100, w: 200, h: 50 },
    { id: 'c', x: 500, y: 30, w: 100, h: 80 },
  ];

  it('lines up edges and centres of the selection', () => {
    expect([...align(boxes, 'left').values()].map((p) => p.x)).toEqual([0, 0, 0]);
    expect([...align(boxes, 'right').values()].map((p) => p.x)).toEqual([500, 400, 500]);
    expect([...align(boxes, 'bottom').values()].map((p) => p.y)).toEqual([100, 100, 70]);
    expect([...align(boxes, 'centerY').values()].map((p) => p.y)).toEqual([50, 50, 35]);
  });

  it('spaces the boxes evenly, the outer ones staying put', () => {
    const p = distribute(boxes, 'horizontal');
    expect(p.get('a')).toEqual({ x: 0, y: 0 });
    expect(p.get('c')).toEqual({ x: 500, y: 30 });
    // Span 600, boxes 400 wide in all: two gaps of 100.
    expect(p.get('b')).toEqual({ x: 200, y: 100 });
  });
});

describe('auto-layout', () => {
  it('lays the flow out left to right with a fork ordered as its handles are', async () => {
    const nodes = [
      node('check', 'control.condition', 0, 0, { expression: 'true' }),
      node('yes', 'control.end', 0, 0),
      node('no', 'control.end', 0, 0),
      node('start', 'trigger.manual', 500, 500),
    ];
    // Edges in the "wrong" order, so only the port order can put `true` above `false`.
    const edges = [edge('e_1', 'check', 'false', 'no'), edge('e_2', 'check', 'true', 'yes'), edge('e_3', 'start', 'next', 'check')];
    const graph = elkGraph(nodes, edges);
    expect(graph.children!.find((c) => c.id === 'check')!.ports!.length).toBeGreaterThanOrEqual(3);
    const pos = await autoLayout(nodes, edges);
    expect(pos.get('start')!.x).toBeLessThan(pos.get('check')!.x);
    expect(pos.get('check')!.x).toBeLessThan(pos.get('yes')!.x);
    expect(pos.get('yes')!.y).toBeLessThan(pos.get('no')!.y);
  });
});
