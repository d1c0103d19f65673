import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readMetricsCsv, simulateFlow, sumPoints, validateFlow, type FlowDocumentInput, type MetricPoint } from '@flightdeck/workflows';
import { simulateWhatIf } from '@flightdeck/workflows/whatif';
import { TEMPLATES, templateIn } from '../src/templates/standard-launch-approval.ts';

/** The A/B creative test and the weekly ROI reallocation, simulated on the 618 scenario as the repo ships it (engine/seed). */
const seed = (file: string) => readFileSync(fileURLToPath(new URL(`../seed/${file}`, import.meta.url)), 'utf8');
const file = JSON.parse(seed('s618-new-product-launch.campaign.json'));
const points: MetricPoint[] = readMetricsCsv(seed('s618-new-product-launch.metrics.csv')).rows.map((r) => r.raw as unknown as MetricPoint);
const owner = { id: '00000000-0000-4000-8000-0000000000a1', name: 'Evan Zhou', email: 'evan@example.com' };
const campaign = {
  id: 'c618',
  name: file.name,
  timezone: 'Asia/Shanghai',
  department: 'E-commerce',
  owner,
  budget: { total: file.budget.total, currency: 'CNY', lines: file.budget.lines },
  phases: file.phases.map((p: { name: string; starts_at: string; ends_at: string }) => ({
    name: p.name,
    startsAt: p.starts_at,
    endsAt: p.ends_at,
  })),
};
const startAt = Date.parse(file.starts_at);
const DAY = 86_400_000;
const template = (id: string) => TEMPLATES.find((t) => t.id === id)!;
/** The server's per-channel sums over the node's window, from the scenario's points. */
const sumCampaignMetrics = ([req]: [{ from: number; to: number }]) =>
  [...new Set(points.map((p) => p.channel))].map((channel) => ({
    channel,
    sums: sumPoints(points, { channel, from: req.from, to: req.to }),
  }));
const launched = (_args: unknown, _attempt: number, now: number) =>
  ({ launchedAt: new Date(now).toISOString(), status: 'live', alreadyLive: false, announced: [] }) as const;
const head = { id: 'head', name: 'Hana Head', email: 'hana@example.com' };

function withNode(graph: FlowDocumentInput, id: string, config: Record<string, unknown>): FlowDocumentInput {
  return { ...graph, nodes: graph.nodes.map((n) => (n.id === id ? { ...n, config: { ...n.config, ...config } } : n)) };
}

describe.each(['ab-creative-test', 'weekly-budget-reallocation'])('%s', (id) => {
  it('validates in both languages, its labels and messages in the creator’s', () => {
    for (const lang of ['en', 'zh-CN'] as const) {
      const t = templateIn(template(id), lang);
      const checked = validateFlow(t.graph);
      expect(checked.ok, JSON.stringify('issues' in checked ? checked.issues : [])).toBe(true);
      const text = JSON.stringify(t.graph.nodes.map((n) => [n.label, n.config]));
      expect(/[\u4e00-\u9fff]/.test(text + t.name + t.description), lang).toBe(lang === 'zh-CN');
    }
  });
});

describe('A/B creative test on the 618 scenario', () => {
  // The designer puts the creatives on two of the campaign's channels: A on xhs_kol, B on douyin_ads.
  const graph = withNode(templateIn(template('ab-creative-test'), 'en').graph, 'decide', { abTest: { a: 'xhs_kol', b: 'douyin_ads' } });

  it('decides at 48 h that B wins with more than 95 %, tells the owner, and pauses A', async () => {
    const r = await simulateFlow(graph, {
      campaign,
      startAt,
      activities: {
        sumCampaignMetrics,
        launchCampaign: launched,
        deliverMessages: ([req]) => ({ kind: 'in_app', sent: req.recipients.length, failed: 0, outcomes: [] }),
      },
    });
    expect(r.ok, JSON.stringify(r.issues)).toBe(true);
    const nodes = r.state!.nodes;
    const decided = r.calls.find((c) => c.name === 'sumCampaignMetrics');
    expect(decided, JSON.stringify(r.state)).toBeDefined();
    expect(decided!.at - startAt).toBe(48 * 3_600_000);
    const ab = (nodes.decide!.output as { abTest: Record<string, unknown> }).abTest;
    expect(ab).toMatchObject({ winner: 'b', winnerChannel: 'douyin_ads', loserChannel: 'xhs_kol' });
    expect(ab.probability as number).toBeGreaterThan(0.95);
    // The CTRs are the scenario's (douyin 3.1 %, xhs 2.4 %) over the first 48 hours.
    expect((ab.b as { ctr: number }).ctr).toBeCloseTo(0.031, 2);
    expect((ab.a as { ctr: number }).ctr).toBeCloseTo(0.024, 2);
    // The owner's notice (rendered by the delivery activity) names the winner and the probability.
    const told = r.calls.find((c) => c.name === 'deliverMessages' && (c.args[0] as { nodeId: string }).nodeId === 'tell_owner');
    expect(JSON.stringify(told!.args)).toContain('{{ nodes.decide.output.abTest.winnerChannel }} wins');
    expect(nodes.sure).toMatchObject({ handle: 'true' });
    expect(nodes.ask_owner!.executions).toBe(0);
    expect(nodes.pause_a).toMatchObject({ status: 'completed' });
    expect(nodes.pause_b!.executions).toBe(0);
    expect(r.calls.filter((c) => c.name === 'setChannelPaused')).toHaveLength(1);
    expect(r.state!.status).toBe('completed');
  });

  it('asks the owner when the test is not conclusive (the first hour only), and keeps both when they say no', async () => {
    const r = await simulateFlow(withNode(withNode(graph, 'decide', { window: '1h' }), 'wait', { duration: '1h' }), {
      campaign,
      startAt,
      activities: {
        sumCampaignMetrics: ([req]) =>
          sumCampaignMetrics([req]).map((c) => ({ ...c, sums: { clicks: c.channel === 'xhs_kol' ? 10 : 11, impressions: 400 } })),
        launchCampaign: launched,
        deliverMessages: ([req]) => ({ kind: 'in_app', sent: req.recipients.length, failed: 0, outcomes: [] }),
        resolveApprovers: () => [owner],
        syncApprovalTask: () => undefined,
        notifyApprovers: ([req]) => ({ sent: req.to.length }),
      },
      respondToTask: ({ nodeId }) =>
        nodeId === 'ask_owner'
          ? [{ afterMs: 3_600_000, input: { userId: owner.id, decision: 'reject', comment: 'Too close to call' } }]
          : [],
    });
    expect(r.ok, JSON.stringify(r.issues)).toBe(true);
    const nodes = r.state!.nodes;
    expect((nodes.decide!.output as { abTest: { probability: number; method: string } }).abTest).toMatchObject({ method: 'exact' });
    expect(nodes.sure).toMatchObject({ handle: 'false' });
    expect(nodes.ask_owner).toMatchObject({ status: 'completed', handle: 'rejected' });
    expect(r.calls.some((c) => c.name === 'setChannelPaused')).toBe(false);
    expect(nodes.kept).toMatchObject({ status: 'completed' });
  });
});

describe("the editor's what-if, on the scenario's series", () => {
  it('answers the KPI node from the series: the A/B test pauses A, the reallocation asks the simulated approver', async () => {
    const ab = withNode(templateIn(template('ab-creative-test'), 'en').graph, 'decide', { abTest: { a: 'xhs_kol', b: 'douyin_ads' } });
    const r = await simulateWhatIf(ab, { campaign, points, startAt });
    expect(r.simulation.ok, JSON.stringify(r.simulation.issues)).toBe(true);
    expect(r.simulation.state!.nodes.decide!.output).toMatchObject({ abTest: { winnerChannel: 'douyin_ads' } });
    expect(r.simulation.state!.nodes.pause_a).toMatchObject({ status: 'completed' });
    const weekly = await simulateWhatIf(templateIn(template('weekly-budget-reallocation'), 'en').graph, { campaign, points, startAt });
    expect(weekly.simulation.state!.nodes.reapprove).toMatchObject({ handle: 'approved', executions: 5 });
    expect(weekly.simulation.state!.status).toBe('completed');
  });
});

describe('Weekly budget reallocation on the 618 scenario', () => {
  const graph = templateIn(template('weekly-budget-reallocation'), 'zh-CN').graph;
  const run = (g: FlowDocumentInput) =>
    simulateFlow(g, {
      campaign,
      startAt,
      activities: {
        sumCampaignMetrics,
        resolveApprovers: () => [head],
        syncApprovalTask: () => undefined,
        notifyApprovers: ([req]) => ({ sent: req.to.length }),
      },
      respondToTask: ({ nodeId }) =>
        nodeId === 'reapprove' ? [{ afterMs: 3_600_000, input: { userId: head.id, decision: 'approve' } }] : [],
    });

  it('weekly while the campaign runs: tmall_search’s ROI moves its line by more than 20 %, so the head re-approves', async () => {
    const r = await run(graph);
    expect(r.ok, JSON.stringify(r.issues)).toBe(true);
    const reads = r.calls.filter((c) => c.name === 'sumCampaignMetrics');
    // 30 days of campaign: weeks ending on days 7, 14, 21, 28 and 35 (the last one finds it over).
    expect(reads.map((c) => Math.round((c.at - startAt) / DAY))).toEqual([7, 14, 21, 28, 35]);
    const nodes = r.state!.nodes;
    const realloc = (nodes.kpis!.output as { reallocation: { largestChannel: string; needsApproval: boolean; channels: never[] } })
      .reallocation;
    expect(realloc).toMatchObject({ largestChannel: 'tmall_search', needsApproval: true });
    expect(nodes.reapprove).toMatchObject({ handle: 'approved', executions: 5 });
    expect(nodes.tell_owner!.executions).toBe(0);
    const synced = JSON.stringify(r.calls.find((c) => c.name === 'syncApprovalTask')!.args);
    expect(synced).toContain('tmall_search 变动超过 20%');
    expect(r.state!.status).toBe('completed');
  });

  it('with a higher threshold the owner is told the proposal instead', async () => {
    const r = await run(withNode(graph, 'kpis', { reallocate: { step: 0.5, reapproveAbove: 5 } }));
    expect(r.ok, JSON.stringify(r.issues)).toBe(true);
    expect(r.state!.nodes.reapprove!.executions).toBe(0);
    expect(r.state!.nodes.tell_owner).toMatchObject({ status: 'completed', executions: 5 });
    expect(r.state!.status).toBe('completed');
  });
});
