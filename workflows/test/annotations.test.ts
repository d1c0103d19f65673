import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ANNOTATION_LIMITS, type FlowDocumentInput, type FlowGroup, type FlowNote } from '../src/flow.ts';
import { freezeFlow } from '../src/freeze.ts';
import { thawFlow } from '../src/frozen.ts';
import { diffFlows, isEmptyDiff } from '../src/flow-diff.ts';
import { validateFlow } from '../src/validator.ts';
import { simulateFlow } from '../src/simulator.ts';
import { delay, edge, flow, issuesOf, minimalFlow, trigger, viaJson } from './helpers.ts';

const note = (id: string, text = 'Remember the legal review', over: Partial<FlowNote> = {}): FlowNote => ({
  id,
  text,
  color: 'yellow',
  position: { x: 10, y: 20 },
  size: { width: 240, height: 160 },
  ...over,
});
const group = (id: string, nodes: string[], label = 'Sending'): FlowGroup => ({ id, label, nodes });
const annotated = (notes: FlowNote[], groups: FlowGroup[]): FlowDocumentInput => ({ ...minimalFlow(), notes, groups });

describe('sticky notes and node groups in the flow document', () => {
  it('a flow without them validates, freezes and hashes exactly as before; empty lists are the same document', () => {
    const plain = freezeFlow(minimalFlow());
    const empty = freezeFlow(annotated([], []));
    if (!plain.ok || !empty.ok) throw new Error('expected valid flows');
    expect(empty.frozen.hash).toBe(plain.frozen.hash);
    expect(Object.keys(empty.frozen.graph).sort()).toEqual(['edges', 'nodes', 'schemaVersion']);
  });

  it('notes and groups are kept, frozen and covered by the hash; a changed note changes the hash', () => {
    const doc = annotated([note('note_1')], [group('group_1', ['w', 'e'])]);
    const frozen = freezeFlow(viaJson(doc));
    if (!frozen.ok) throw new Error(JSON.stringify(frozen.issues));
    expect(frozen.frozen.graph.notes).toEqual([note('note_1')]);
    expect(frozen.frozen.graph.groups).toEqual([group('group_1', ['w', 'e'])]);
    expect(thawFlow(frozen.frozen)).toEqual(frozen.frozen.graph);
    const edited = freezeFlow(annotated([note('note_1', 'Changed')], [group('group_1', ['w', 'e'])]));
    expect(edited.ok && edited.frozen.hash).not.toBe(frozen.frozen.hash);
    // Tampering with a stored note is caught like tampering with a node.
    expect(() => thawFlow({ ...frozen.frozen, graph: { ...frozen.frozen.graph, notes: [note('note_1', 'x')] } })).toThrow(/hash/);
  });

  it('bounds text, count, colour and size', () => {
    const long = issuesOf(validateFlow(annotated([note('n', 'x'.repeat(ANNOTATION_LIMITS.noteChars + 1))], [])));
    expect(long[0]!.path).toEqual(['notes', 0, 'text']);
    const many = Array.from({ length: ANNOTATION_LIMITS.notes + 1 }, (_, i) => note(`n${i}`, ''));
    expect(issuesOf(validateFlow(annotated(many, [])))[0]!.path).toEqual(['notes']);
    const groups = Array.from({ length: ANNOTATION_LIMITS.groups + 1 }, (_, i) => group(`g${i}`, ['w']));
    expect(issuesOf(validateFlow(annotated([], groups)))[0]!.path).toEqual(['groups']);
    const colour = issuesOf(validateFlow(viaJson(annotated([{ ...note('n'), color: 'red' as never }], []))));
    expect(colour[0]!.path).toEqual(['notes', 0, 'color']);
    const huge = issuesOf(validateFlow(annotated([note('n', '', { size: { width: 1e9, height: 100 } })], [])));
    expect(huge[0]!.path).toEqual(['notes', 0, 'size', 'width']);
    const stray = issuesOf(validateFlow(viaJson({ ...annotated([], []), notes: [{ ...note('n'), script: 'alert(1)' }] })));
    expect(stray[0]!.path).toEqual(['notes', 0]);
  });

  it('ids are unique across nodes, notes and groups; a group frames existing nodes, each in one group', () => {
    const clash = issuesOf(validateFlow(annotated([note('w')], [group('note_dup', ['e']), group('note_dup', ['t'])])));
    expect(clash.map((i) => [i.code, i.path.join('.')])).toEqual([
      ['duplicate_id', 'notes.0.id'],
      ['duplicate_id', 'groups.1.id'],
    ]);
    const dangling = issuesOf(validateFlow(annotated([], [group('g', ['w', 'nowhere'])])));
    expect(dangling).toMatchObject([{ code: 'annotation', path: ['groups', 0, 'nodes', 1] }]);
    const twice = issuesOf(validateFlow(annotated([], [group('g1', ['w']), group('g2', ['w', 'e'])])));
    expect(twice).toMatchObject([{ code: 'annotation', nodeId: 'w', path: ['groups', 1, 'nodes', 0] }]);
    expect(issuesOf(validateFlow(annotated([], [group('g', [])])))[0]!.path).toEqual(['groups', 0, 'nodes']);
  });

  it('the validator never throws on hostile notes and groups, and accepts only well-formed ones', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 3 }), fc.anything({ maxDepth: 3 }), (notes, groups) => {
        const r = validateFlow({ ...minimalFlow(), notes, groups });
        if (r.ok) {
          for (const n of r.flow.notes ?? []) expect(n.text.length).toBeLessThanOrEqual(ANNOTATION_LIMITS.noteChars);
          for (const g of r.flow.groups ?? []) expect(g.nodes.every((id) => ['t', 'w', 'e'].includes(id))).toBe(true);
        } else expect(r.issues.length).toBeGreaterThan(0);
      }),
    );
  });

  it('a run never executes them: the same calls and node states with or without notes and groups', async () => {
    const doc = flow([trigger('t'), delay('d', '1h')], [edge('t', 'd')]);
    const plain = await simulateFlow(doc);
    const noted = await simulateFlow({ ...doc, notes: [note('note_1', 'nodes.d.output')], groups: [group('group_1', ['t', 'd'])] });
    expect(noted.ok).toBe(true);
    expect(noted.calls).toEqual(plain.calls);
    expect(Object.keys(noted.state!.nodes).sort()).toEqual(['d', 't']);
    expect(noted.state!.nodes).toEqual(plain.state!.nodes);
  });

  it('the version diff names notes and groups added, removed, changed and moved', () => {
    const a = annotated([note('n1'), note('n2'), note('n3')], [group('g1', ['w']), group('g2', ['e'])]);
    const b = annotated(
      [note('n1', 'new text'), note('n2', undefined, { position: { x: 99, y: 20 } }), note('n4')],
      [group('g1', ['w', 'e']), group('g3', ['t'])],
    );
    const d = diffFlows(a, b);
    expect(d.notes).toEqual({ added: ['n4'], removed: ['n3'], changed: ['n1'], moved: ['n2'] });
    expect(d.groups).toEqual({ added: ['g3'], removed: ['g2'], changed: ['g1'], moved: [] });
    expect(isEmptyDiff(d)).toBe(false);
    expect(isEmptyDiff(diffFlows(a, viaJson(a)))).toBe(true);
    // An old version without the keys against an empty list: nothing changed.
    expect(isEmptyDiff(diffFlows(minimalFlow(), annotated([], [])))).toBe(true);
    // Hostile lists are skipped, not thrown on.
    expect(diffFlows({ notes: 'x', groups: [null, 1] }, { notes: [{ id: 7 }] }).notes.added).toEqual([]);
  });
});
