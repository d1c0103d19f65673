import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { connectChoices, matchChoices, MAX_CONNECT_CHOICES } from '../src/flow/connectChoices.ts';
import { toCanvas } from '../src/flow/graph.ts';

const { nodes, edges } = toCanvas({
  schemaVersion: 1,
  nodes: [
    { id: 'start', type: 'trigger.manual', config: {} },
    { id: 'ping', type: 'channel.webhook', label: 'Ping the CRM', config: { url: 'https://hooks.example.com/a' } },
    { id: 'done', type: 'control.end', config: {} },
    { id: 'again', type: 'trigger.manual', config: {} },
  ],
  edges: [{ id: 'e1', source: 'ping', sourceHandle: 'sent', target: 'done' }],
});
const node = (id: string) => nodes.find((n) => n.id === id)!;

describe('Connect to… choices', () => {
  it('pairs each outcome with each node that takes an input, leaving out the source, triggers and edges that exist', () => {
    const keys = (id: string) => connectChoices(node(id), nodes, edges, 'en').map((c) => `${c.handle}->${c.target}`);
    expect(keys('start')).toEqual(['next->ping', 'next->done']);
    expect(keys('ping')).toEqual(['failed->done']);
    expect(keys('done')).toEqual([]);
  });

  it('names targets by label, else by type title, in the chosen language', () => {
    const [toPing] = connectChoices(node('start'), nodes, edges, 'zh-CN');
    expect(toPing).toMatchObject({ target: 'ping', targetText: 'Ping the CRM', handleText: '下一步' });
    expect(connectChoices(node('start'), nodes, edges, 'en')[1]!.targetText).toBe('End');
  });

  it('keeps the choices holding every word of the query, in any case', () => {
    const all = connectChoices(node('start'), nodes, edges, 'en');
    expect(matchChoices(all, '  NEXT   crm ').map((c) => c.target)).toEqual(['ping']);
    expect(matchChoices(all, 'done')).toHaveLength(1);
    expect(matchChoices(all, 'nowhere')).toEqual([]);
    expect(matchChoices(all, '')).toEqual(all);
  });

  it('never throws and only narrows, whatever is typed, and lists at most the maximum', () => {
    const many = toCanvas({
      schemaVersion: 1,
      nodes: [
        { id: 'start', type: 'trigger.manual', config: {} },
        ...Array.from({ length: 80 }, (_, i) => ({ id: `end_${i}`, type: 'control.end', config: {} })),
      ],
      edges: [],
    });
    const all = connectChoices(many.nodes[0]!, many.nodes, many.edges, 'en');
    expect(all).toHaveLength(80);
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 5000 }), fc.constantFrom('.*', '(', '\\', '\u0000')),
        (q) => {
          const shown = matchChoices(all, q);
          expect(shown.length).toBeLessThanOrEqual(MAX_CONNECT_CHOICES);
          for (const c of shown) expect(all).toContain(c);
        },
      ),
      { numRuns: 300 },
    );
  });
});
