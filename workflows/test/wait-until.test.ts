import { describe, expect, it } from 'vitest';
import { simulateFlow, validateFlow } from '../src/index.ts';

const START = Date.UTC(2026, 4, 1);
const graph = (config: Record<string, unknown>) => ({
  schemaVersion: 1,
  nodes: [
    { id: 'start', type: 'trigger.manual', config: {}, position: { x: 0, y: 0 } },
    { id: 'wait', type: 'control.wait_until', config, position: { x: 1, y: 0 } },
    { id: 'done', type: 'control.end', config: {}, position: { x: 2, y: 0 } },
  ],
  edges: [
    { id: 'a', source: 'start', sourceHandle: 'next', target: 'wait' },
    { id: 'b', source: 'wait', sourceHandle: 'next', target: 'done' },
  ],
});
const campaign = { name: '618', phases: [{ name: 'warm_up', startsAt: '2026-05-20T00:00:00Z', endsAt: '2026-05-27T00:00:00Z' }] };

describe('wait until', () => {
  it('waits for the start of a campaign phase, weeks ahead, on the virtual clock', async () => {
    const r = await simulateFlow(graph({ phase: 'warm_up' }), { startAt: START, campaign });
    expect(r.state?.status).toBe('completed');
    expect(START + r.virtualMs).toBe(Date.parse('2026-05-20T00:00:00Z'));
  });

  it('applies an offset, renders a templated time, and goes on at once for a time in the past', async () => {
    const early = await simulateFlow(graph({ phase: 'warm_up', offset: '-1d' }), { startAt: START, campaign });
    expect(START + early.virtualMs).toBe(Date.parse('2026-05-19T00:00:00Z'));
    const templated = await simulateFlow(graph({ at: '{{ input.when }}' }), {
      startAt: START,
      input: { when: '2026-05-02T08:00:00+08:00' },
    });
    expect(START + templated.virtualMs).toBe(Date.parse('2026-05-02T00:00:00Z'));
    const past = await simulateFlow(graph({ at: '2020-01-01T00:00:00Z' }), { startAt: START });
    expect(past.virtualMs).toBe(0);
    expect(past.state?.nodes.wait?.output).toMatchObject({ waitedMs: 0 });
  });

  it('follows the campaign: an edit to the phase while waiting moves the wake-up, and the output lists the move', async () => {
    const withId = { ...campaign, id: 'c-618' };
    const later = '2026-05-25T00:00:00Z';
    const r = await simulateFlow(graph({ phase: 'warm_up', offset: '-1h' }), {
      startAt: START,
      campaign: withId,
      // Ten days in, someone postpones the warm-up by five days; the server signals the run.
      notices: [{ atMs: 10 * 86_400_000, key: 'campaign:c-618' }],
      activities: { readCampaignPhases: () => ({ phases: [{ name: 'warm_up', startsAt: later, endsAt: '2026-06-01T00:00:00Z' }] }) },
    });
    expect(r.state?.status).toBe('completed');
    expect(START + r.virtualMs).toBe(Date.parse(later) - 3_600_000);
    expect(r.state?.nodes.wait?.output).toMatchObject({
      until: '2026-05-24T23:00:00.000Z',
      moved: [{ from: '2026-05-19T23:00:00.000Z', to: '2026-05-24T23:00:00.000Z', at: '2026-05-11T00:00:00.000Z' }],
    });
    expect(r.calls.filter((c) => c.name === 'readCampaignPhases')).toHaveLength(1);
  });

  it('an edit made while the run was still in an earlier step is read when the wait starts', async () => {
    const flow = {
      schemaVersion: 1,
      nodes: [
        { id: 'start', type: 'trigger.manual', config: {}, position: { x: 0, y: 0 } },
        { id: 'review', type: 'control.delay', config: { duration: '2d' }, position: { x: 1, y: 0 } },
        { id: 'wait', type: 'control.wait_until', config: { phase: 'warm_up' }, position: { x: 2, y: 0 } },
        { id: 'done', type: 'control.end', config: {}, position: { x: 3, y: 0 } },
      ],
      edges: [
        { id: 'a', source: 'start', sourceHandle: 'next', target: 'review' },
        { id: 'b', source: 'review', sourceHandle: 'next', target: 'wait' },
        { id: 'c', source: 'wait', sourceHandle: 'next', target: 'done' },
      ],
    };
    const r = await simulateFlow(flow, {
      startAt: START,
      campaign: { ...campaign, id: 'c-618' },
      // Postponed on day one, while the run is still in its two-day review.
      notices: [{ atMs: 86_400_000, key: 'campaign:c-618' }],
      activities: {
        readCampaignPhases: () => ({ phases: [{ name: 'warm_up', startsAt: '2026-06-01T00:00:00Z', endsAt: '2026-06-08T00:00:00Z' }] }),
      },
    });
    expect(START + r.virtualMs).toBe(Date.parse('2026-06-01T00:00:00Z'));
    expect(r.state?.nodes.wait?.output).toMatchObject({ moved: [{ from: '2026-05-20T00:00:00.000Z', to: '2026-06-01T00:00:00.000Z' }] });
  });

  it('a notice that changes nothing keeps the time; a phase removed while waiting fails the node readably', async () => {
    const withId = { ...campaign, id: 'c-618' };
    const same = await simulateFlow(graph({ phase: 'warm_up' }), {
      startAt: START,
      campaign: withId,
      notices: [{ atMs: 86_400_000, key: 'campaign:c-618' }],
    });
    expect(START + same.virtualMs).toBe(Date.parse('2026-05-20T00:00:00Z'));
    expect(same.state?.nodes.wait?.output).not.toHaveProperty('moved');
    const gone = await simulateFlow(graph({ phase: 'warm_up' }), {
      startAt: START,
      campaign: withId,
      notices: [{ atMs: 86_400_000, key: 'campaign:c-618' }],
      activities: { readCampaignPhases: () => ({ phases: [] }) },
    });
    expect(gone.state?.status).toBe('failed');
    expect(gone.state?.nodes.wait?.error).toContain('was removed while this run waited');
  });

  it('fails readably for an unknown phase or a non-time, and the validator wants exactly one of phase or time', async () => {
    const r = await simulateFlow(graph({ phase: 'burst' }), { startAt: START, campaign });
    expect(r.state?.status).toBe('failed');
    expect(r.state?.nodes.wait?.error).toContain('no phase "burst"');
    const bad = await simulateFlow(graph({ at: 'next tuesday' }), { startAt: START });
    expect(bad.state?.nodes.wait?.error).toContain('not a time');
    const both = validateFlow(graph({ phase: 'warm_up', at: '2026-01-01T00:00:00Z' }));
    expect(both.ok).toBe(false);
    expect(!both.ok && both.issues[0]!.path).toEqual(['nodes', 1, 'config', 'phase']);
  });
});
