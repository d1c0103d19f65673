import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NODE_TYPES, validateFlow } from '@flightdeck/workflows';
import { buildTimeline, scenarioPoints, simulateWhatIf, summarise, type WhatIfOptions } from '@flightdeck/workflows/whatif';
import { TEMPLATES, templateIn } from '../src/templates/standard-launch-approval.ts';

const seed = (file: string) => readFileSync(fileURLToPath(new URL(`../seed/${file}`, import.meta.url)), 'utf8');
const file = JSON.parse(seed('s618-new-product-launch.campaign.json'));
const points = scenarioPoints(seed('s618-new-product-launch.metrics.csv'));
const campaign: WhatIfOptions['campaign'] = {
  id: 'c618',
  name: file.name,
  timezone: 'Asia/Shanghai',
  department: 'E-commerce',
  owner: { id: '00000000-0000-4000-8000-0000000000a1', name: 'Evan Zhou', email: 'evan@example.com' },
  goals: file.goals,
  budget: { total: file.budget.total, lines: file.budget.lines },
  channels: file.channels,
  phases: file.phases.map((p: { name: string; starts_at: string; ends_at: string }) => ({
    name: p.name,
    startsAt: p.starts_at,
    endsAt: p.ends_at,
  })),
};
const START = Date.parse(file.starts_at);
const HOUR = 3_600_000;
const t = TEMPLATES.find((x) => x.id === 'launch-618')!;

const hourOf = (iso: string) => (Date.parse(iso) - START) / HOUR;
const anomaly = (metric: string) =>
  (file.anomalies as { metric: string; from_hour: number; to_hour: number; expect: string }[]).find((a) => a.metric === metric)!;
const HAN = /[\u4e00-\u9fff]/;

describe('618 launch template', () => {
  it('validates in both languages, every node labelled in the creator’s', () => {
    for (const lang of ['en', 'zh-CN'] as const) {
      const { graph, name, description } = templateIn(t, lang);
      const checked = validateFlow(graph);
      expect(checked.ok, JSON.stringify('issues' in checked ? checked.issues : [])).toBe(true);
      for (const node of graph.nodes) expect(HAN.test(node.label ?? ''), `${lang} ${node.id}`).toBe(lang === 'zh-CN');
      expect(HAN.test(name + description)).toBe(lang === 'zh-CN');
    }
  });

  it('is approval, launch, KPI watch and review: every monitor and review handle drawn, critical alerts on the crisis ladder', () => {
    const { graph } = templateIn(t, 'en');
    const to = (source: string, handle: string) => graph.edges.find((e) => e.source === source && e.sourceHandle === handle)?.target;
    expect(to('launch', 'next')).toBe('warm_up');
    expect(to('warm_up', 'next')).toBe('go_live');
    expect(to('go_live', 'next')).toBe('monitor');
    expect(to('monitor', 'ended')).toBe('review');
    const monitorDef = NODE_TYPES.find((d) => d.type === 'monitoring.monitor')!;
    const monitor = graph.nodes.find((n) => n.id === 'monitor')!;
    const handles = monitorDef.handles(monitorDef.configSchema.parse(monitor.config));
    expect(
      graph.edges
        .filter((e) => e.source === 'monitor')
        .map((e) => e.sourceHandle)
        .sort(),
    ).toEqual([...handles].sort());
    expect(to('monitor', 'negative_spike')).toBe('escalate');
    expect(to('monitor', 'ctr_off_3_days')).toBe('optimisation_review');
    expect(to('monitor', 'cpa_over_benchmark')).toBe('reapprove_spend');
    expect(to('monitor', 'no_data')).toBe('tell_owner');
    const ladder = graph.nodes.find((n) => n.id === 'escalate')!.config as { levels: { ackWithin: string }[] };
    expect(ladder.levels.map((l) => l.ackWithin)).toEqual(['1h', '1h', '2h']);
  });
});

/**
 * The editor's what-if of the template against the 618 scenario as the repo ships it: the scripted approvers approve,
 * the campaign goes live, each anomaly of the scenario gives the alert its `expect` names, on the path it names, and
 * the run reaches the review once the campaign has ended and late data has settled.
 */
describe('618 launch, simulated against the 618 scenario', () => {
  const graph = templateIn(t, 'en').graph;
  const types = Object.fromEntries(graph.nodes.map((n) => [n.id, n.type]));
  const simulated = simulateWhatIf(graph, { campaign, points }).then((r) => ({ r, timeline: buildTimeline(r, types) }));
  type Told = { alert: { ruleId: string; channel: string | null; firedAt: string }; group: { reason: string } };
  const told = async (ruleId: string) => {
    const { timeline } = await simulated;
    return timeline.filter((e) => e.kind === 'alert' && (e.output as Told).alert.ruleId === ruleId);
  };
  /** The node the flow ran right after being told of an alert: the step that started at the same instant. */
  const actionAfter = async (entry: { at: number }) => {
    const { timeline } = await simulated;
    return timeline.find((e) => e.at === entry.at && e.kind !== 'alert' && e.nodeId !== 'monitor' && types[e.nodeId] !== undefined)?.nodeId;
  };

  it('approves through the chain (finance too: the budget is above 1,000,000), launches and completes', async () => {
    const { r, timeline } = await simulated;
    expect(r.simulation.issues).toBeUndefined();
    expect(r.simulation.state?.status).toBe('completed');
    const nodes = r.simulation.state!.nodes;
    for (const id of ['brand_review', 'legal_review', 'head_approval', 'finance_approval']) expect(nodes[id]?.handle, id).toBe('approved');
    // Brand and legal in parallel (3 h), then the head (3 h), then finance (3 h): live 9 h after the request.
    expect(summarise(r, timeline).launchAt).toBe(START + 9 * HOUR);
    expect(nodes.rejected_end?.status).toBe('skipped');
  });

  it(`xhs_kol CTR drop (${anomaly('ctr').expect}): the 3-day rule opens the optimisation review`, async () => {
    const [first] = await told('ctr_off_3_days');
    const alert = (first!.output as Told).alert;
    expect(alert.channel).toBe('xhs_kol');
    expect(hourOf(alert.firedAt)).toBeGreaterThanOrEqual(anomaly('ctr').from_hour + 48);
    expect(hourOf(alert.firedAt)).toBeLessThan(anomaly('ctr').to_hour + 24);
    expect(await actionAfter(first!)).toBe('optimisation_review');
  });

  it(`douyin CPM up (${anomaly('cpm').expect}): CPA over its benchmark asks for the spend to be re-approved`, async () => {
    const [first] = await told('cpa_over_benchmark');
    const hour = hourOf((first!.output as Told).alert.firedAt);
    expect(hour).toBeGreaterThanOrEqual(anomaly('cpm').from_hour);
    expect(hour).toBeLessThan(anomaly('cpm').to_hour);
    expect(await actionAfter(first!)).toBe('reapprove_spend');
  });

  it(`${anomaly('negative').expect}: the crisis ladder climbs to the admins`, async () => {
    const [first] = await told('negative_spike');
    const hour = hourOf((first!.output as Told).alert.firedAt);
    expect(hour).toBeGreaterThanOrEqual(anomaly('negative').from_hour);
    expect(hour).toBeLessThan(anomaly('negative').to_hour);
    expect(await actionAfter(first!)).toBe('escalate');
    const { timeline } = await simulated;
    // Owner at once, the department head an hour later, the admins an hour after that: nobody acknowledges in a what-if.
    const ladder = timeline.filter((e) => e.kind === 'escalation' && e.at >= first!.at && e.at <= first!.at + 4 * HOUR);
    expect(ladder.slice(0, 3).map((e) => [(e.at - first!.at) / HOUR, e.label])).toEqual([
      [0, '1'],
      [1, '2'],
      [2, '3'],
    ]);
  });

  it(`tmall_search outage (${anomaly('outage').expect}): the owner is told`, async () => {
    const [first] = await told('no_data');
    const alert = (first!.output as Told).alert;
    expect(alert.channel).toBe('tmall_search');
    expect(hourOf(alert.firedAt)).toBeGreaterThanOrEqual(anomaly('outage').from_hour);
    expect(hourOf(alert.firedAt)).toBeLessThan(anomaly('outage').to_hour);
    expect(await actionAfter(first!)).toBe('tell_owner');
  });

  it('reaches the review 48 h after the campaign ends, computed from the series, and the lesson is recorded', async () => {
    const { r } = await simulated;
    const review = r.simulation.state!.nodes.review!;
    const out = review.output as { campaignEndsAt: string; computedAt: string; headline: { goals: { kpi: string; actual: number }[] } };
    expect(out.campaignEndsAt).toBe('2026-06-19T00:00:00.000Z');
    expect(out.computedAt).toBe('2026-06-21T00:00:00.000Z');
    expect(out.headline.goals.find((g) => g.kpi === 'revenue')!.actual).toBeGreaterThan(4_000_000);
    expect(review.handle).toBe('next');
    expect(r.simulation.state!.nodes.done?.status).toBe('completed');
  });

  it('without an answer from the brand reviewer nothing launches: the owner is told and the campaign goes back to draft', async () => {
    const r = await simulateWhatIf(graph, { campaign, points, responses: { approvals: { brand_review: { kind: 'none' } } } });
    const nodes = r.simulation.state!.nodes;
    expect(r.simulation.state?.status).toBe('failed');
    expect(nodes.brand_review?.handle).toBe('timed_out');
    expect(nodes.tell_timeout?.status).toBe('completed');
    expect(nodes.back_to_draft?.status).toBe('completed');
    expect(nodes.go_live?.status).toBe('skipped');
    expect(nodes.monitor?.status).toBe('skipped');
  });
});
