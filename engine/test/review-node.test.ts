import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { extractText, getDocumentProxy } from 'unpdf';
import { INGEST_LIMITS, REVIEW_CSV_HEADER } from '@flightdeck/workflows';
import { startStack, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { waitFor } from './support/wait-for.ts';

const scenario = (file: string) => fileURLToPath(new URL(`../seed/${file}`, import.meta.url));
const CSV = readFileSync(scenario('s618-new-product-launch.metrics.csv'), 'utf8');
const SCENARIO = JSON.parse(readFileSync(scenario('s618-new-product-launch.campaign.json'), 'utf8'));

/** The test's own sums from the file, as engine/test/review.test.ts holds the API to. */
function fileTotals() {
  const sums: Record<string, number> = {};
  const douyin: Record<string, number> = {};
  for (const line of CSV.trim().split('\n').slice(1)) {
    const [, channel, metric, value] = line.split(',') as [string, string, string, string];
    sums[metric] = (sums[metric] ?? 0) + Number(value);
    if (channel === 'douyin_ads') douyin[metric] = (douyin[metric] ?? 0) + Number(value);
  }
  return { sums, douyin };
}

type Phase = { name: string; startsAt: string; endsAt: string };

describe('the campaign.review node on the 618 scenario (real PostgreSQL + Temporal), and its CSV and PDF', () => {
  let stack: TestStack;
  let campaignId: string;
  let runId: string;
  let output: { reviewId: string; version: number; campaignEndsAt: string; headline: any; moved?: unknown[] };

  beforeAll(async () => {
    stack = await startStack('reviewnode');
    const imported = await stack.api.post('/api/campaigns/import', SCENARIO);
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    campaignId = imported.body.id;
    // The scenario's whole export through the metrics service, in batches the API would take.
    const metrics = stack.server.app.metrics;
    const lines = CSV.trim().split('\n');
    const size = Math.min(10_000, INGEST_LIMITS.points);
    for (let i = 1; i < lines.length; i += size)
      await metrics.ingest(campaignId, metrics.checkCsv([lines[0], ...lines.slice(i, i + size)].join('\n') + '\n'));
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('waits for the campaign end it was told of, follows a date edit, and stores a review whose figures match the file', async () => {
    const original: Phase[] = (await stack.api.get(`/api/campaigns/${campaignId}`)).body.phases;
    const last = original[original.length - 1]!;
    // Controlled time: the return phase is first extended a month past today, so the run waits on its durable timer;
    // then put back to the scenario's end (long past), which the run hears of by signal, and reviews at once.
    const extended = original.map((p) =>
      p.name === last.name ? { ...p, endsAt: new Date(Date.now() + 30 * 86_400_000).toISOString() } : p,
    );
    expect((await stack.api.put(`/api/campaigns/${campaignId}/phases`, { phases: extended })).status).toBe(200);

    const { flowId } = await stack.api.publishFlow(
      'Review after the campaign',
      flow(
        [node('start', 'trigger.manual'), node('review', 'campaign.review', { settle: '48h' }), node('done', 'control.end')],
        [edge('start', 'next', 'review'), edge('review', 'next', 'done')],
      ),
    );
    runId = await stack.api.startRun(flowId, {}, campaignId);
    const detail = await waitFor('the review node waiting for the extended end', async () => {
      const d = (await stack.api.get(`/api/runs/${runId}`)).body.state?.nodes.review?.detail;
      return d?.waitingUntil ? d : undefined;
    });
    expect(Date.parse(detail.waitingUntil)).toBe(Date.parse(extended.at(-1)!.endsAt) + 48 * 3_600_000);

    const put = await stack.api.put(`/api/campaigns/${campaignId}/phases`, { phases: original });
    expect(put.status).toBe(200);
    const run = await stack.api.waitForRun(runId);
    expect(run.status, JSON.stringify(run.state)).toBe('completed');
    output = run.state.nodes.review.output;
    expect(output.campaignEndsAt).toBe(new Date(last.endsAt).toISOString());
    expect(output.moved).toHaveLength(1);
    expect(run.state.nodes.done.status).toBe('completed');

    // The stored version: the flow's, with the run, and the same figures engine/test/review.test.ts expects.
    const stored = await stack.api.get(`/api/campaigns/${campaignId}/review?version=${output.version}`);
    expect(stored.status).toBe(200);
    const review = stored.body;
    expect(review.stored).toMatchObject({ version: output.version, trigger: 'flow', runId, actor: 'Review node "review"' });
    const { sums, douyin } = fileTotals();
    const goal = (kpi: string) => review.attainment.find((g: { kpi: string }) => g.kpi === kpi);
    expect(review.noData).toBe(false);
    expect(goal('revenue').actual).toBeCloseTo(sums.revenue!, 4);
    expect(goal('revenue').rate).toBeCloseTo(0.96, 2);
    expect(goal('cpa').actual).toBeCloseTo(sums.spend! / sums.conversions!, 9);
    expect(goal('cpa').met).toBe(false);
    expect(goal('roi').actual).toBeCloseTo(sums.revenue! / sums.spend!, 9);
    expect(goal('roi').met).toBe(true);
    expect(review.budget.lines.find((l: { channel: string }) => l.channel === 'douyin_ads').actual).toBeCloseTo(douyin.spend!, 4);
    expect(review.highlights.overspentLines.map((l: { channel: string }) => l.channel)).toEqual(['douyin_ads']);
    expect(review.efficiency.phases.map((p: { name: string }) => p.name)).toEqual(['warm_up', 'burst', 'return']);

    // The node's headline is the stored document's, figure for figure.
    expect(output.headline.goals).toEqual(
      review.attainment.map((g: any) => ({ kpi: g.kpi, target: g.target, actual: g.actual, rate: g.rate, status: g.status, met: g.met })),
    );
    expect(output.headline).toMatchObject({
      noData: false,
      missed: review.highlights.missed.map((m: { kpi: string }) => m.kpi),
      overspentLines: ['douyin_ads'],
    });
    expect(output.headline.missed).toContain('cpa');
    expect(output.headline.revenue).toBe(review.efficiency.overall.totals.revenue);
    expect(output.reviewId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a retried store of the same execution answers the version the first attempt stored', async () => {
    const db = stack.server.db.db;
    const { rows } = await db.execute<{ execution_key: string }>(
      sql`SELECT execution_key FROM reviews WHERE id = ${output.reviewId}::uuid`,
    );
    const executionKey = rows[0]!.execution_key;
    const workflowId = executionKey.split('/')[0]!;
    expect(executionKey).toBe(`${workflowId}/review/1`);
    const before = (await stack.api.get(`/api/campaigns/${campaignId}/reviews`)).body.versions.length;
    const again = await Promise.all(
      [1, 2].map(() => stack.deps.storeReview({ campaignId, workflowId, nodeId: 'review', executionKey, at: Date.now() })),
    );
    expect(again.map((a) => [a.reviewId, a.version])).toEqual([
      [output.reviewId, output.version],
      [output.reviewId, output.version],
    ]);
    expect((await stack.api.get(`/api/campaigns/${campaignId}/reviews`)).body.versions.length).toBe(before);
  });

  it('a campaign that keeps no more versions fails the node at once with the reason, not after five tries', async () => {
    const full = (await stack.api.post('/api/campaigns/import', { ...SCENARIO, id: 'full-618', name: 'Full 618' })).body.id;
    await stack.server.db.db.execute(sql`
      INSERT INTO reviews (campaign_id, version, document, trigger, actor, points, computed_at)
      SELECT ${full}::uuid, v, '{}'::jsonb, 'person', 'test', 0, now() FROM generate_series(1, 500) AS v`);
    const { flowId } = await stack.api.publishFlow(
      'Review a full campaign',
      flow(
        [node('start', 'trigger.manual'), node('review', 'campaign.review', { settle: '0s' }), node('done', 'control.end')],
        [edge('start', 'next', 'review'), edge('review', 'next', 'done')],
      ),
    );
    const run = await stack.api.waitForRun(await stack.api.startRun(flowId, {}, full));
    expect(run.status).toBe('failed');
    expect(run.state.nodes.review.error).toContain('at most 500 review versions');
  });

  it('review.csv of that version holds the JSON figures, row for row', async () => {
    const res = await fetch(`${stack.url}/api/campaigns/${campaignId}/review.csv?version=${output.version}`, {
      headers: { authorization: `Bearer ${stack.api.token}` },
    });
    expect(res.status).toBe(200);
    const rows = (await res.text())
      .trimEnd()
      .split('\r\n')
      .map((r) => r.split(','));
    expect(rows[0]!.join(',')).toBe(REVIEW_CSV_HEADER);
    const json = (await stack.api.get(`/api/campaigns/${campaignId}/review?version=${output.version}`)).body;
    const row = (section: string, scope: string, metric: string) => rows.find((r) => r[0] === section && r[1] === scope && r[2] === metric);
    const num = (cell: string | undefined) => (cell === '' || cell === undefined ? null : Number(cell));
    for (const g of json.attainment) {
      const r = row('attainment', 'campaign', g.kpi)!;
      expect(r, g.kpi).toBeDefined();
      expect(num(r[3])).toBeCloseTo(g.actual, 6);
      expect(num(r[4])).toBe(g.target);
      expect(num(r[5])).toBeCloseTo(g.rate, 6);
      expect(r[6]).toBe(g.status);
    }
    for (const l of json.budget.lines) {
      const r = row('budget', l.phase ? `${l.channel}/${l.phase}` : l.channel, 'spend') ?? row('budget', l.channel, 'spend')!;
      expect(num(r[3])).toBeCloseTo(l.actual, 6);
      expect(num(r[4])).toBe(l.planned);
    }
    for (const c of json.efficiency.channels) expect(num(row('channel', c.name, 'revenue')![3])).toBeCloseTo(c.totals.revenue, 6);
  });

  it('review.pdf: the report page printed by Chromium, in English and in Chinese', async () => {
    const get = (lang: string) =>
      fetch(`${stack.url}/api/campaigns/${campaignId}/review.pdf?version=${output.version}&lang=${lang}`, {
        headers: { authorization: `Bearer ${stack.api.token}` },
      });
    // Two at once: one renders while the other waits its turn.
    const [en, zh] = await Promise.all([get('en'), get('zh-CN')]);
    for (const res of [en, zh]) {
      expect(res.status, res.status === 200 ? '' : await res.clone().text()).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      expect(res.headers.get('content-disposition')).toContain(`v${output.version}.pdf`);
    }
    const text = async (res: Response) => {
      const pdf = await getDocumentProxy(new Uint8Array(await res.arrayBuffer()));
      const { totalPages, text } = await extractText(pdf, { mergePages: true });
      // NFKC: the CJK font maps some glyphs to their Kangxi radical code points (⽬ for 目), which read the same.
      return { totalPages, text: text.normalize('NFKC').replace(/\s+/g, ' ') };
    };
    const english = await text(en);
    expect(english.totalPages).toBeGreaterThan(0);
    expect(english.text).toContain('Attainment per goal');
    expect(english.text).toContain(SCENARIO.name);
    const chinese = await text(zh);
    expect(chinese.totalPages).toBeGreaterThan(0);
    expect(chinese.text).toContain('目标达成');
    expect(chinese.text).toContain('复盘');
    // The print stylesheet hides the page's buttons.
    expect(english.text).not.toContain('Recompute now');
  });

  it('the node and the PDF route are in the catalogue and the OpenAPI document', async () => {
    const types = (await stack.api.get('/api/node-types')).body;
    const review = (Array.isArray(types) ? types : (types.items ?? types.nodeTypes)).find(
      (t: { type: string }) => t.type === 'campaign.review',
    );
    expect(review.handles).toEqual(['next', 'timed_out']);
    expect(review.text['zh-CN'].title).toBe('活动复盘');
    const doc = (await stack.api.get('/api/openapi.json')).body;
    const op = doc.paths['/api/campaigns/{id}/review.pdf'].get;
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '404', '503']));
    expect(op.responses['200'].content['application/pdf']).toBeDefined();
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['version', 'lang']));
  });
});

describe('review.pdf without a browser', () => {
  let stack: TestStack;
  let campaignId: string;
  beforeAll(async () => {
    stack = await startStack('reviewpdf503', { worker: false, chromiumPath: '/nonexistent/chromium' });
    campaignId = (await stack.api.post('/api/campaigns/import', { ...SCENARIO, id: 'no-browser-618' })).body.id;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers 503 problem+json saying what to install, and stores nothing on the way', async () => {
    const res = await stack.api.get(`/api/campaigns/${campaignId}/review.pdf`);
    expect(res.status).toBe(503);
    expect(res.contentType).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toContain('/nonexistent/chromium');
    expect(res.body.detail).toMatch(/apt-get install -y chromium fonts-noto-cjk/);
    expect((await stack.api.get(`/api/campaigns/${campaignId}/reviews`)).body.versions).toEqual([]);
  });

  it('hostile lang and version values: a 400 naming the field, never another 5xx', async () => {
    const hostile = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('EN', 'zh', 'zh-cn', 'zh-TW', 'en ', '', '__proto__', 'en&lang=zh-CN', '%00', '../../etc/passwd'),
    );
    const version = fc.oneof(fc.constant(undefined), fc.constantFrom('1', '0', '-1', 'x', '1e400', '2147483648'));
    await fc.assert(
      fc.asyncProperty(hostile, version, async (lang, v) => {
        const q = new URLSearchParams({ lang, ...(v === undefined ? {} : { version: v }) });
        const res = await stack.api.get(`/api/campaigns/${campaignId}/review.pdf?${q}`);
        expect(res.contentType).toMatch(/^application\/problem\+json/);
        if (lang === 'en' || lang === 'zh-CN') expect([400, 503]).toContain(res.status);
        else {
          expect(res.status, `${q} → ${res.status}`).toBe(400);
          expect(JSON.stringify(res.body)).toContain('lang');
        }
      }),
      { numRuns: 80 },
    );
  });
});
