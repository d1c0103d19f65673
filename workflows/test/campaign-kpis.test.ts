import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { campaignKpis, type ChannelSums } from '../src/nodes/campaign-kpis.ts';
import { simulateFlow } from '../src/simulator.ts';
import { validateFlow } from '../src/validator.ts';
import { edge, end, flow, issuesOf, trigger } from './helpers.ts';

const campaign = {
  id: 'c1',
  name: 'Test',
  budget: {
    lines: [
      { channel: 'a', amount: 600 },
      { channel: 'b', amount: 400 },
    ],
  },
  phases: [{ startsAt: '2026-05-20T00:00:00Z', endsAt: '2026-05-21T00:00:00Z' }],
};
const startAt = Date.parse('2026-05-20T00:00:00Z');
const kpisFlow = (config: Record<string, unknown>) =>
  flow([trigger('t'), { id: 'k', type: 'campaign.kpis', config }, end('e')], [edge('t', 'k'), edge('k', 'e')]);

const run = (config: Record<string, unknown>, rows: ChannelSums[], at = startAt) =>
  simulateFlow(kpisFlow(config), { campaign, startAt: at, activities: { sumCampaignMetrics: () => rows } });

describe('campaign.kpis', () => {
  it('reads the window that ends at the node’s time and says whether the campaign is over', async () => {
    const r = await run({ window: '48h' }, [{ channel: 'a', sums: { clicks: 5, impressions: 100, spend: 10, revenue: 30 } }]);
    expect(r.ok, JSON.stringify(r.issues)).toBe(true);
    expect(r.calls.find((c) => c.name === 'sumCampaignMetrics')!.args[0]).toEqual({
      campaignId: 'c1',
      from: startAt - 2 * 86_400_000,
      to: startAt,
    });
    expect(r.state!.nodes.k!.output).toMatchObject({ campaignOver: false, channels: [{ channel: 'a', ctr: 0.05, roi: 3 }] });
    const later = await run({}, [], startAt + 86_400_000);
    expect(later.state!.nodes.k!.output).toMatchObject({ campaignOver: true, channels: [] });
  });

  it('judges an A/B test of two channels, a channel with no data counting as no clicks of no impressions', async () => {
    const r = await run({ abTest: { a: 'a', b: 'b' } }, [{ channel: 'b', sums: { clicks: 1, impressions: 1 } }]);
    expect((r.state!.nodes.k!.output as { abTest: unknown }).abTest).toMatchObject({
      winner: 'b',
      winnerChannel: 'b',
      loserChannel: 'a',
      probabilityBBeatsA: expect.closeTo(2 / 3, 10),
      probability: expect.closeTo(2 / 3, 10),
      a: { clicks: 0, impressions: 0, ctr: null },
    });
  });

  it('fails the run naming the arm when the stored clicks exceed the impressions', async () => {
    const r = await run({ abTest: { a: 'a', b: 'b' } }, [{ channel: 'a', sums: { clicks: 12, impressions: 10 } }]);
    expect(r.state!.status).toBe('failed');
    expect(r.state!.nodes.k!.error).toContain('Arm A: 12 clicks out of 10 impressions');
  });

  it('needs the run’s campaign, and says so before publishing', () => {
    const checked = validateFlow(kpisFlow({ abTest: { a: 'a', b: 'a' } }));
    expect(issuesOf(checked).map((i) => i.path.join('.'))).toContain('nodes.1.config.abTest.b');
    expect(campaignKpis.needsCampaign!({} as never)).toContain('metrics');
  });

  it('refuses any hostile config with field issues, never by throwing', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            window: fc.anything(),
            abTest: fc.oneof(fc.anything(), fc.record({ a: fc.anything(), b: fc.string() })),
            reallocate: fc.anything(),
          },
          { requiredKeys: [] },
        ),
        (config) => {
          const parsed = campaignKpis.configSchema.safeParse(config);
          if (!parsed.success) expect(parsed.error.issues.length).toBeGreaterThan(0);
          expect(() => validateFlow(kpisFlow(config as Record<string, unknown>))).not.toThrow();
        },
      ),
    );
  });

  it('gives a JSON output with no NaN for any stored sums', async () => {
    const money = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e15, noNaN: true }));
    const sums = fc
      .record({ clicks: money, spend: money, revenue: money })
      .chain((s) => fc.double({ min: s.clicks, max: 1e15, noNaN: true }).map((impressions) => ({ ...s, impressions })));
    await fc.assert(
      fc.asyncProperty(sums, sums, async (a, b) => {
        const r = await run({ abTest: { a: 'a', b: 'b' }, reallocate: {} }, [
          { channel: 'a', sums: a },
          { channel: 'b', sums: b },
        ]);
        expect(r.state!.status, JSON.stringify(r.state!.nodes.k)).toBe('completed');
        const output = r.state!.nodes.k!.output as {
          abTest: { probability: number };
          reallocation: { channels: { proposedShare: number }[] };
        };
        expect(JSON.parse(JSON.stringify(output))).toEqual(output);
        expect(output.abTest.probability).toBeGreaterThanOrEqual(0.5);
        expect(output.reallocation.channels.reduce((s, c) => s + c.proposedShare, 0)).toBeCloseTo(1, 9);
      }),
      { numRuns: 100 },
    );
  });
});
