import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMetricsCsv, sumPoints, type MetricPoint } from '@flightdeck/workflows';
import { startStack, type TestStack } from './support/stack.ts';
import { scenarioIngest } from './support/crisis-flow.ts';
import { TEMPLATES } from '../src/templates/standard-launch-approval.ts';

const seed = (file: string) => readFileSync(fileURLToPath(new URL(`../seed/${file}`, import.meta.url)), 'utf8');
const HAN = /[\u4e00-\u9fff]/;

/** The gallery through the API: flows made from it in the creator's language, and the KPI node's sums from stored metrics. */
describe('templates gallery', () => {
  let stack: TestStack;
  let en: Awaited<ReturnType<TestStack['user']>>;
  let zh: Awaited<ReturnType<TestStack['user']>>;

  beforeAll(async () => {
    stack = await startStack('gallery');
    en = await stack.user('Dana Designer', [{ role: 'designer', department: 'E-commerce' }], { department: 'E-commerce' });
    zh = await stack.user('Wang Fang', [{ role: 'designer', department: 'E-commerce' }], { department: 'E-commerce' });
    expect((await zh.api.put('/api/me/preferences', { locale: 'zh-CN' })).status).toBe(200);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it.each(TEMPLATES.map((t) => [t.id, t] as const))('%s: a flow from the gallery keeps the creator’s language', async (id, t) => {
    const mine = await zh.api.post(`/api/templates/${id}/flows`, {});
    expect(mine.status, JSON.stringify(mine.body)).toBe(201);
    expect(mine.body).toMatchObject({ name: t.zh.name, description: t.zh.description });
    // The same validator as any draft: a template's flow has no problems.
    expect(mine.body.issues).toEqual([]);
    const theirs = await en.api.post(`/api/templates/${id}/flows`, {});
    expect(theirs.body).toMatchObject({ name: t.name, description: t.description, issues: [] });
    // A name given wins, in either language.
    expect((await zh.api.post(`/api/templates/${id}/flows`, { name: 'Mine' })).body.name).toBe('Mine');
  });

  it.each([
    'ab-creative-test',
    'weekly-budget-reallocation',
    'launch-618',
    'standard-launch-approval',
    'campaign-kpi-watch',
    'crisis-response',
  ])('%s: labels in Chinese for a Chinese creator', async (id) => {
    const labels = (body: { graph: { nodes: { label: string; config: unknown }[] } }) =>
      body.graph.nodes.map((n) => n.label + JSON.stringify(n.config)).join(' ');
    expect(labels((await zh.api.post(`/api/templates/${id}/flows`, {})).body)).toMatch(HAN);
    expect(labels((await en.api.post(`/api/templates/${id}/flows`, {})).body)).not.toMatch(HAN);
  });

  it("the KPI node's activity sums the stored metrics per channel as the KPI module sums the scenario's points", async () => {
    const imported = await en.api.post('/api/campaigns/import', JSON.parse(seed('s618-new-product-launch.campaign.json')));
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    await (await scenarioIngest(stack, imported.body.id, en.id)).ingest(0, 72);
    const points = readMetricsCsv(seed('s618-new-product-launch.metrics.csv')).rows.map((r) => r.raw as unknown as MetricPoint);
    const from = Date.parse('2026-05-20T12:00:00Z');
    const to = from + 48 * 3_600_000;
    const rows = await stack.deps.sumMetrics({ campaignId: imported.body.id, from, to });
    expect(rows.map((r) => r.channel)).toEqual(['douyin_ads', 'tmall_search', 'xhs_kol']);
    for (const r of rows) {
      const expected = sumPoints(points, { channel: r.channel, from, to });
      for (const [metric, value] of Object.entries(expected)) expect(r.sums[metric as keyof typeof expected], metric).toBeCloseTo(value, 6);
      expect(Object.keys(r.sums).sort()).toEqual(Object.keys(expected).sort());
    }
  });

  it('campaign.kpis on Temporal: a run reads the stored metrics of its window and judges the A/B test', async () => {
    const imported = await en.api.post('/api/campaigns/import', {
      ...JSON.parse(seed('s618-new-product-launch.campaign.json')),
      id: 'kpis-on-temporal',
      name: 'KPIs on Temporal',
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    // Points half an hour before the run: the node's window ends at the workflow's time, which here is the real one.
    const ts = new Date(Date.now() - 30 * 60_000).toISOString();
    const lines = [
      `${ts},douyin_ads,impressions,1000`,
      `${ts},douyin_ads,clicks,90`,
      `${ts},xhs_kol,impressions,1000`,
      `${ts},xhs_kol,clicks,18`,
    ];
    const res = await (await scenarioIngest(stack, imported.body.id, en.id)).post(lines);
    expect(res.status, await res.clone().text()).toBe(200);
    const created = await en.api.post('/api/flows', {
      name: 'KPIs',
      departmentId: imported.body.departmentId,
      graph: {
        nodes: [
          { id: 'start', type: 'trigger.manual', config: {} },
          { id: 'k', type: 'campaign.kpis', config: { window: '6h', abTest: { a: 'xhs_kol', b: 'douyin_ads' } } },
          { id: 'done', type: 'control.end', config: {} },
        ],
        edges: [
          { id: 'e1', source: 'start', sourceHandle: 'next', target: 'k' },
          { id: 'e2', source: 'k', sourceHandle: 'next', target: 'done' },
        ],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await en.api.post(`/api/flows/${created.body.id}/versions`, {})).status).toBe(201);
    const run = await en.api.waitForRun(await en.api.startRun(created.body.id, {}, imported.body.id));
    expect(run.status, JSON.stringify(run.state)).toBe('completed');
    expect(run.state.nodes.k.output).toMatchObject({
      campaignOver: expect.any(Boolean),
      abTest: {
        a: { channel: 'xhs_kol', clicks: 18, impressions: 1000 },
        b: { channel: 'douyin_ads', clicks: 90, impressions: 1000 },
        winner: 'b',
        method: 'exact',
      },
    });
    expect(run.state.nodes.k.output.abTest.probability).toBeGreaterThan(0.999);
  });
});
