import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { simulateFlow, validateFlow, getNodeType } from '../src/index.ts';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 4, 1);
const graph = (config: Record<string, unknown>, before?: { type: string; config: Record<string, unknown> }) => ({
  schemaVersion: 1,
  nodes: [
    { id: 'start', type: 'trigger.manual', config: {}, position: { x: 0, y: 0 } },
    ...(before ? [{ id: 'before', ...before, position: { x: 1, y: 0 } }] : []),
    { id: 'review', type: 'campaign.review', config, position: { x: 2, y: 0 } },
    { id: 'done', type: 'control.end', config: {}, position: { x: 3, y: 0 } },
  ],
  edges: [
    { id: 'a', source: 'start', sourceHandle: 'next', target: before ? 'before' : 'review' },
    ...(before ? [{ id: 'a2', source: 'before', sourceHandle: 'next', target: 'review' }] : []),
    { id: 'b', source: 'review', sourceHandle: 'next', target: 'done' },
  ],
});
const phases = [
  { name: 'warm_up', startsAt: '2026-05-20T00:00:00Z', endsAt: '2026-05-31T16:00:00Z' },
  { name: 'burst', startsAt: '2026-05-31T16:00:00Z', endsAt: '2026-06-18T16:00:00Z' },
  { name: 'return', startsAt: '2026-06-18T16:00:00Z', endsAt: '2026-06-20T16:00:00Z' },
];
const campaign = {
  id: 'c-618',
  name: '618',
  timezone: 'Asia/Shanghai',
  goals: [{ kpi: 'roi', target: 3, unit: 'ratio' }],
  phases,
};
const END = Date.parse('2026-06-20T16:00:00Z');

describe('campaign.review on virtual time', () => {
  it("waits for the campaign's last phase to end plus 48 h, then stores a review and goes on by next", async () => {
    const r = await simulateFlow(graph({}), { startAt: START, campaign });
    expect(r.state?.status).toBe('completed');
    expect(START + r.virtualMs).toBe(END + 48 * HOUR);
    const stores = r.calls.filter((c) => c.name === 'storeCampaignReview');
    expect(stores).toHaveLength(1);
    expect(stores[0]!.at).toBe(END + 48 * HOUR);
    expect(stores[0]!.args[0]).toMatchObject({ campaignId: 'c-618', nodeId: 'review', at: END + 48 * HOUR });
    const out = r.state?.nodes.review?.output as Record<string, unknown>;
    expect(out).toMatchObject({
      version: 1,
      campaignEndsAt: '2026-06-20T16:00:00.000Z',
      waitedMs: END + 48 * HOUR - START,
      headline: { noData: true, goals: [], missed: [] },
    });
    expect(out.reviewId).toMatch(/^simulated:/);
    expect(r.state?.nodes.done?.status).toBe('completed');
  });

  it('follows a phase date edit made while it waits: the end moves, the review waits for the new end plus the settle time', async () => {
    const later = phases.map((p) => (p.name === 'return' ? { ...p, endsAt: '2026-06-25T16:00:00Z' } : p));
    const r = await simulateFlow(graph({ settle: '3d' }), {
      startAt: START,
      campaign,
      // Thirty days in, the return phase is extended by five days; the server signals the run.
      notices: [{ atMs: 30 * 24 * HOUR, key: 'campaign:c-618' }],
      activities: { readCampaignPhases: () => ({ phases: later }) },
    });
    expect(r.state?.status).toBe('completed');
    const newEnd = Date.parse('2026-06-25T16:00:00Z');
    expect(START + r.virtualMs).toBe(newEnd + 72 * HOUR);
    expect(r.calls.find((c) => c.name === 'storeCampaignReview')!.at).toBe(newEnd + 72 * HOUR);
    expect(r.state?.nodes.review?.output).toMatchObject({
      campaignEndsAt: '2026-06-25T16:00:00.000Z',
      moved: [{ from: '2026-06-20T16:00:00.000Z', to: '2026-06-25T16:00:00.000Z', at: '2026-05-31T00:00:00.000Z' }],
    });
  });

  it('an edit made in an earlier step is read when the wait starts; a shortened campaign reviews sooner', async () => {
    const sooner = phases.map((p) => (p.name === 'return' ? { ...p, endsAt: '2026-06-19T16:00:00Z' } : p));
    const r = await simulateFlow(graph({}, { type: 'control.delay', config: { duration: '2d' } }), {
      startAt: START,
      campaign,
      notices: [{ atMs: 24 * HOUR, key: 'campaign:c-618' }],
      activities: { readCampaignPhases: () => ({ phases: sooner }) },
    });
    expect(START + r.virtualMs).toBe(Date.parse('2026-06-19T16:00:00Z') + 48 * HOUR);
    expect(r.calls.filter((c) => c.name === 'readCampaignPhases')).toHaveLength(1);
  });

  it('parks its wait: continued as new mid-wait, the next run waits only what is left and still follows an edit', async () => {
    const later = phases.map((p) => (p.name === 'return' ? { ...p, endsAt: '2026-06-22T16:00:00Z' } : p));
    const r = await simulateFlow(graph({}), {
      startAt: START,
      campaign,
      handOverWhenParked: true,
      notices: [{ atMs: 40 * 24 * HOUR, key: 'campaign:c-618' }],
      activities: { readCampaignPhases: () => ({ phases: later }) },
    });
    expect(r.state?.status).toBe('completed');
    expect(r.handovers).toBeGreaterThan(0);
    expect(START + r.virtualMs).toBe(Date.parse('2026-06-22T16:00:00Z') + 48 * HOUR);
    expect(r.calls.filter((c) => c.name === 'storeCampaignReview')).toHaveLength(1);
    expect(r.state?.nodes.review?.output).toMatchObject({ waitedMs: Date.parse('2026-06-22T16:00:00Z') + 48 * HOUR - START });
  });

  it('a given time instead of the campaign end; a time already past plus the settle period that has passed reviews at once', async () => {
    const r = await simulateFlow(graph({ at: '{{ input.when }}', settle: '1h' }), {
      startAt: START,
      campaign,
      input: { when: '2026-05-02T08:00:00+08:00' },
    });
    expect(START + r.virtualMs).toBe(Date.parse('2026-05-02T00:00:00Z') + HOUR);
    const past = await simulateFlow(graph({ at: '2020-01-01T00:00:00Z' }), { startAt: START, campaign });
    expect(past.virtualMs).toBe(0);
    expect(past.state?.nodes.review?.output).toMatchObject({ waitedMs: 0, version: 1 });
  });

  it('a retried store is one call per attempt with the same execution key (the service keys its version on it)', async () => {
    const r = await simulateFlow(graph({ settle: '0s' }), {
      startAt: END,
      campaign,
      activities: {
        storeCampaignReview: ([req], attempt) => {
          if (attempt < 3) throw { message: 'database restarting' };
          return { reviewId: 'r1', version: 7, computedAt: new Date(req.at).toISOString(), headline: null as never };
        },
      },
    });
    const stores = r.calls.filter((c) => c.name === 'storeCampaignReview');
    expect(stores.map((c) => c.outcome)).toEqual(['error', 'error', 'ok']);
    expect(new Set(stores.map((c) => (c.args[0] as { executionKey: string }).executionKey)).size).toBe(1);
    expect(r.state?.nodes.review?.output).toMatchObject({ reviewId: 'r1', version: 7 });
  });

  it('without a campaign the flow is refused before it runs; a campaign without phases fails the node saying why', async () => {
    const none = await simulateFlow(graph({}), { startAt: START });
    expect(none.state?.status ?? 'failed').not.toBe('completed');
    const bare = await simulateFlow(graph({}), { startAt: START, campaign: { id: 'c-1', timezone: 'UTC', phases: [] } });
    expect(bare.state?.status).toBe('failed');
    expect(JSON.stringify(bare.state)).toContain('no phases');
  });

  it('handles: next and timed_out exist; defaults validate; hostile configs are refused by the schema, never thrown', () => {
    const def = getNodeType('campaign.review')!;
    expect(def.handles(def.configSchema.parse({}))).toEqual(['next', 'timed_out']);
    expect(def.configSchema.parse({})).toEqual({ settle: '48h' });
    expect(validateFlow(graph({})).ok).toBe(true);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ settle: fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.constant(null)) }),
          fc.record({ at: fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.constant({})) }),
          fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue()),
        ),
        (config) => {
          const parsed = def.configSchema.safeParse(config);
          if (parsed.success) {
            expect(typeof (parsed.data as { settle: unknown }).settle).toBe('string');
            expect(validateFlow(graph(config as Record<string, unknown>)).ok).toBeTypeOf('boolean');
          } else expect(parsed.error.issues.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
    expect(def.configSchema.safeParse({ settle: '2y' }).success).toBe(false);
    expect(def.configSchema.safeParse({ settle: '400d' }).success).toBe(false);
  });
});
