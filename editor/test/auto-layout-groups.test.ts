import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ElkNode } from 'elkjs/lib/elk-api';
import { frameNodes, notesToCanvas, type FrameCanvasNode, type GroupState } from '../src/flow/annotations.ts';
import { autoLayout, elkGraph } from '../src/flow/autoLayout.ts';
import type { CanvasEdge, CanvasNode } from '../src/flow/graph.ts';

const SIZE = { width: 220, height: 90 };
const node = (id: string, x = 0, y = 0): CanvasNode => ({
  id,
  type: 'flow',
  position: { x, y },
  measured: SIZE,
  data: { type: 'control.delay', config: { duration: '1d' } },
});
const edge = (source: string, target: string): CanvasEdge => ({ id: `${source}-${target}`, source, sourceHandle: 'next', target });
const placed = (nodes: CanvasNode[], at: Map<string, { x: number; y: number }>) =>
  nodes.map((n) => ({ ...n, position: at.get(n.id) ?? n.position }));

type Rect = { x: number; y: number; w: number; h: number };
const rectOfNode = (n: CanvasNode): Rect => ({ x: n.position.x, y: n.position.y, w: SIZE.width, h: SIZE.height });
const rectOfFrame = (f: FrameCanvasNode): Rect => ({ x: f.position.x, y: f.position.y, w: f.width!, h: f.height! });
const overlap = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe('auto-layout with groups', () => {
  // start → a → b → c → end, with a and b in a group and a stray node drawn on top of the group's frame.
  const nodes = [node('start'), node('a', 300, 0), node('b', 300, 200), node('stray', 320, 80), node('c', 900, 0), node('end', 1200, 0)];
  const edges = [edge('start', 'a'), edge('a', 'b'), edge('b', 'c'), edge('c', 'end'), edge('start', 'stray')];
  const groups: GroupState[] = [{ id: 'group_1', label: 'Review', nodes: ['a', 'b', 'gone'] }];

  it("gives ELK each group as a compound node padded as its frame is, holding the group's members", () => {
    const graph = elkGraph(nodes, edges, groups);
    const compound = graph.children!.find((c) => c.id === 'group_1')!;
    expect(compound.children!.map((c) => c.id)).toEqual(['a', 'b']);
    expect(compound.layoutOptions!['elk.padding']).toBe('[top=44,left=24,bottom=24,right=24]');
    expect(graph.layoutOptions!['elk.hierarchyHandling']).toBe('INCLUDE_CHILDREN');
    // The group takes its first member's place in the model order; members are not at the root as well.
    expect(graph.children!.map((c) => c.id)).toEqual(['start', 'group_1', 'stray', 'c', 'end']);
  });

  it('keeps members inside their frame, lays the other nodes around it, and the frame is the box ELK made', async () => {
    const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
    const laid: ElkNode = await new ELK().layout(elkGraph(nodes, edges, groups));
    const at = await autoLayout(nodes, edges, groups);
    const after = placed(nodes, at);
    const [frame] = frameNodes(groups, after);
    const compound = laid.children!.find((c) => c.id === 'group_1')!;
    // The frame drawn around the members afterwards is exactly the compound node ELK laid out: resized around them.
    expect(rectOfFrame(frame!)).toEqual({
      x: Math.round(compound.x!),
      y: Math.round(compound.y!),
      w: Math.round(compound.width!),
      h: Math.round(compound.height!),
    });
    for (const id of ['start', 'stray', 'c', 'end'])
      expect(overlap(rectOfNode(after.find((n) => n.id === id)!), rectOfFrame(frame!))).toBe(false);
    // Still left to right, across the frame's border too.
    const x = (id: string) => at.get(id)!.x;
    expect(x('start')).toBeLessThan(x('a'));
    expect(x('a')).toBeLessThan(x('b'));
    expect(x('b')).toBeLessThan(x('c'));
  });

  it('moves a note on a frame with the frame, and leaves a note elsewhere where it is', async () => {
    const notes = notesToCanvas([
      { id: 'note_on', text: 'legal first', color: 'yellow', position: { x: 310, y: 100 }, size: { width: 120, height: 80 } },
      { id: 'note_off', text: 'later', color: 'blue', position: { x: 3000, y: 3000 }, size: { width: 240, height: 160 } },
    ]);
    const [before] = frameNodes(groups, nodes);
    const at = await autoLayout(nodes, edges, groups, notes);
    const [after] = frameNodes(groups, placed(nodes, at));
    expect(at.get('note_on')).toEqual({ x: 310 + after!.position.x - before!.position.x, y: 100 + after!.position.y - before!.position.y });
    expect(at.has('note_off')).toBe(false);
  });

  it('never lets a frame overlap a node outside it or another frame, whatever the graph', async () => {
    const graphs = fc
      .record({
        count: fc.integer({ min: 2, max: 10 }),
        links: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 14 }),
        // Each node's group: 0 is none; a node is in one group at most, as the editor keeps it.
        membership: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 10, maxLength: 10 }),
        scatter: fc.array(fc.tuple(fc.integer({ min: -500, max: 500 }), fc.integer({ min: -500, max: 500 })), {
          minLength: 10,
          maxLength: 10,
        }),
      })
      .map(({ count, links, membership, scatter }) => {
        const ns = Array.from({ length: count }, (_, i) => node(`n${i}`, scatter[i]![0], scatter[i]![1]));
        const es = links.filter(([s, t]) => s % count !== t % count).map(([s, t]) => edge(`n${s % count}`, `n${t % count}`));
        const unique = [...new Map(es.map((e) => [e.id, e])).values()];
        const gs: GroupState[] = [1, 2, 3]
          .map((g) => ({ id: `group_${g}`, label: `G${g}`, nodes: ns.filter((_, i) => membership[i] === g).map((n) => n.id) }))
          .filter((g) => g.nodes.length);
        return { ns, es: unique, gs };
      });
    await fc.assert(
      fc.asyncProperty(graphs, async ({ ns, es, gs }) => {
        const after = placed(ns, await autoLayout(ns, es, gs));
        const frames = frameNodes(gs, after);
        for (const f of frames) {
          for (const n of after) if (!f.data.members.includes(n.id)) expect(overlap(rectOfNode(n), rectOfFrame(f))).toBe(false);
          for (const g of frames) if (g.id !== f.id) expect(overlap(rectOfFrame(f), rectOfFrame(g))).toBe(false);
        }
      }),
      { numRuns: 30 },
    );
  });
});
