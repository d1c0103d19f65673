import { describe, expect, it } from 'vitest';
import { NODE_TYPES, validateFlow } from '@flightdeck/workflows';
import { TEMPLATES } from '../src/templates/standard-launch-approval.ts';

/** Every shipped template is a valid flow in both languages, and the monitoring ones route every rule somewhere. */
describe('shipped templates', () => {
  it.each(TEMPLATES.map((t) => [t.id, t] as const))('%s validates and has its Chinese name and description', (_id, t) => {
    const checked = validateFlow(t.graph);
    expect(checked.ok, JSON.stringify('issues' in checked ? checked.issues : [])).toBe(true);
    expect(t.zh.name.length).toBeGreaterThan(0);
    expect(t.zh.description.length).toBeGreaterThan(0);
  });

  it('the monitoring templates give every rule handle an edge and end when the campaign does', () => {
    const monitor = NODE_TYPES.find((d) => d.type === 'monitoring.monitor')!;
    for (const id of ['campaign-kpi-watch', 'crisis-response']) {
      const t = TEMPLATES.find((x) => x.id === id)!;
      const node = t.graph.nodes.find((n) => n.type === 'monitoring.monitor')!;
      const parsed = monitor.configSchema.parse(node.config);
      const handles = monitor.handles(parsed);
      const wired = new Set(t.graph.edges.filter((e) => e.source === node.id).map((e) => e.sourceHandle));
      expect([...wired].sort(), id).toEqual([...handles].sort());
    }
  });

  it('the KPI watch reviews the campaign when the watch ends, every review handle drawn', () => {
    const t = TEMPLATES.find((x) => x.id === 'campaign-kpi-watch')!;
    const review = t.graph.nodes.find((n) => n.type === 'campaign.review')!;
    expect(t.graph.edges.find((e) => e.sourceHandle === 'ended')?.target).toBe(review.id);
    const def = NODE_TYPES.find((d) => d.type === 'campaign.review')!;
    const wired = t.graph.edges.filter((e) => e.source === review.id).map((e) => e.sourceHandle);
    expect(wired.sort()).toEqual(def.handles(def.configSchema.parse(review.config)).sort());
  });

  it.each(['campaign-kpi-watch', 'launch-on-warm-up'])('%s: after the review the owner records lessons, both handles drawn', (id) => {
    const t = TEMPLATES.find((x) => x.id === id)!;
    const review = t.graph.nodes.find((n) => n.type === 'campaign.review')!;
    const def = NODE_TYPES.find((d) => d.type === 'campaign.review')!;
    expect(def.configSchema.parse(review.config)).toMatchObject({ lessons: { owner: true, due: '7d', remindEvery: '2d' } });
    const wired = t.graph.edges.filter((e) => e.source === review.id).map((e) => e.sourceHandle);
    expect(wired.sort()).toEqual(['next', 'timed_out']);
  });
});
