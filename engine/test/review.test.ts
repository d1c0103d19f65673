import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { INGEST_LIMITS, REVIEW_CSV_HEADER } from '@flightdeck/workflows';
import { startStack, type TestStack } from './support/stack.ts';

const CSV = readFileSync(fileURLToPath(new URL('../seed/s618-new-product-launch.metrics.csv', import.meta.url)), 'utf8');
const SCENARIO = JSON.parse(readFileSync(fileURLToPath(new URL('../seed/s618-new-product-launch.campaign.json', import.meta.url)), 'utf8'));

/** The test's own sums from the file, to hold the API's figures to. */
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

describe('GET /api/campaigns/:id/review and review.csv', () => {
  let stack: TestStack;
  // The API's clock: an acknowledgement lands when the test says, so its delay is exact.
  const now = Date.parse('2026-06-01T02:20:00Z');
  let id618: string;

  beforeAll(async () => {
    stack = await startStack('review', { worker: false, clock: () => now });
    const imported = await stack.api.post('/api/campaigns/import', SCENARIO);
    expect(imported.status).toBe(201);
    id618 = imported.body.id;
    // The file through the metrics service, in batches the API would take.
    const metrics = stack.server.app.metrics;
    const lines = CSV.trim().split('\n');
    const size = Math.min(10_000, INGEST_LIMITS.points);
    let stored = 0;
    for (let i = 1; i < lines.length; i += size) {
      const points = metrics.checkCsv([lines[0], ...lines.slice(i, i + size)].join('\n') + '\n');
      stored += (await metrics.ingest(id618, points)).accepted;
    }
    expect(stored).toBe(lines.length - 1);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('the 618 review: headline figures match the file and the scenario README', async () => {
    const res = await stack.api.get(`/api/campaigns/${id618}/review`);
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    const review = res.body;
    const { sums, douyin } = fileTotals();
    const goal = (kpi: string) => review.attainment.find((g: { kpi: string }) => g.kpi === kpi);
    expect(review.format).toBe(1);
    expect(review.noData).toBe(false);
    expect(review.campaign).toMatchObject({ id: id618, timezone: 'Asia/Shanghai' });
    expect(review.generatedAt).toBe(new Date(now).toISOString());
    expect(goal('revenue').actual).toBeCloseTo(sums.revenue!, 4);
    expect(goal('revenue').rate).toBeCloseTo(sums.revenue! / 5_000_000, 9);
    expect(goal('revenue').rate).toBeCloseTo(0.96, 2);
    expect(goal('cpa').actual).toBeCloseTo(sums.spend! / sums.conversions!, 9);
    expect(goal('cpa').rate).toBeCloseTo(45 / (sums.spend! / sums.conversions!), 9);
    expect(goal('cpa').met).toBe(false);
    expect(goal('roi').actual).toBeCloseTo(sums.revenue! / sums.spend!, 9);
    expect(goal('roi').met).toBe(true);
    const line = review.budget.lines.find((l: { channel: string }) => l.channel === 'douyin_ads');
    expect(line.actual).toBeCloseTo(douyin.spend!, 4);
    expect(line.overspent).toBe(true);
    expect(review.budget.actual).toBeCloseTo(sums.spend!, 4);
    expect(review.highlights.overspentLines.map((l: { channel: string }) => l.channel)).toEqual(['douyin_ads']);
    expect(review.efficiency.channels.map((c: { name: string }) => c.name)).toEqual(['douyin_ads', 'tmall_search', 'xhs_kol']);
    expect(review.efficiency.phases.map((p: { name: string }) => p.name)).toEqual(['warm_up', 'burst', 'return']);
    // Stored by the hour in UTC, read back by the campaign's Shanghai days: 30 days, plus the first one that starts at 08:00.
    expect(review.daily.length).toBeGreaterThanOrEqual(30);
    expect(JSON.stringify(review)).not.toMatch(/NaN|Infinity/);

    // By slug too, as the metrics routes take.
    expect((await stack.api.get(`/api/campaigns/${SCENARIO.id}/review`)).body.attainment).toEqual(review.attainment);
  });

  it('the timeline reads alerts with their ack from the tables, the launch and phase date changes from the audit log', async () => {
    const alerts = stack.server.app.alerts;
    const db = stack.server.db.db;
    const receivedAt = new Date(now - 20 * 60_000);
    const [change] = await alerts.applyTransitions(db, {
      campaignId: id618,
      receivedAt,
      transitions: [
        {
          ruleId: 'ctr_below_target',
          channel: 'xhs_kol',
          from: 'pending',
          to: 'firing',
          at: '2026-05-31T09:00:00Z',
          value: 0.016,
          threshold: 0.025,
          severity: 'warning',
          unit: 'ratio',
        },
      ],
    });
    const ack = await stack.api.post(`/api/alerts/${change!.alertId}/ack`);
    expect(ack.status, JSON.stringify(ack.body)).toBe(200);
    const campaign = (await stack.api.get(`/api/campaigns/${id618}`)).body;
    const moved = campaign.phases.map((p: { name: string; startsAt: string; endsAt: string }) =>
      p.name === 'return' ? { ...p, endsAt: '2026-06-20T00:00:00Z' } : p,
    );
    expect((await stack.api.put(`/api/campaigns/${id618}/phases`, { phases: moved })).status).toBe(200);
    for (const status of ['pending_approval', 'approved'])
      expect((await stack.api.post(`/api/campaigns/${id618}/status`, { status })).status).toBe(200);
    await stack.server.app.campaigns.launch(id618, { runId: 'none', nodeId: 'launch' });

    // The first GET stored version 1 before any of this: a recompute stores what is there now.
    const recomputed = await stack.api.post(`/api/campaigns/${id618}/review`, {});
    expect(recomputed.status, JSON.stringify(recomputed.body).slice(0, 300)).toBe(201);
    const review = (await stack.api.get(`/api/campaigns/${id618}/review`)).body;
    expect(review.stored.version).toBe(recomputed.body.stored.version);
    expect(review.timeline.alerts).toHaveLength(1);
    expect(review.timeline.alerts[0]).toMatchObject({
      ruleId: 'ctr_below_target',
      channel: 'xhs_kol',
      firedAt: '2026-05-31T09:00:00.000Z',
      ackAfterMs: 20 * 60_000,
    });
    expect(review.timeline.alerts[0].acknowledgedBy).toBeTruthy();
    expect(review.highlights.topRules).toEqual([
      { ruleId: 'ctr_below_target', fired: 1, refired: 0, channels: ['xhs_kol'], severities: ['warning'] },
    ]);
    expect(review.timeline.phaseChanges).toHaveLength(1);
    expect(review.timeline.phaseChanges[0].changes.find((c: { phase: string }) => c.phase === 'return').endsAt.to).toBe(
      '2026-06-20T00:00:00Z',
    );
    expect(review.timeline.launch).not.toBeNull();
    expect(review.timeline.events.map((e: { kind: string }) => e.kind)).toEqual(
      expect.arrayContaining(['alert', 'alert_ack', 'launch', 'phase_change']),
    );
  });

  it('review.csv: the same figures as text/csv', async () => {
    const res = await fetch(`${stack.url}/api/campaigns/${id618}/review.csv`, { headers: { authorization: `Bearer ${stack.api.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toContain('attachment');
    const rows = (await res.text()).trimEnd().split('\r\n');
    expect(rows[0]).toBe(REVIEW_CSV_HEADER);
    const json = (await stack.api.get(`/api/campaigns/${id618}/review`)).body;
    const revenue = rows.find((r) => r.startsWith('attainment,campaign,revenue,'))!.split(',');
    expect(Number(revenue[3])).toBe(json.attainment[0].actual);
    expect(revenue[6]).toBe('on_track');
    expect(rows.find((r) => r.startsWith('budget,douyin_ads,spend,'))).toMatch(/,overspent$/);
  });

  it('a campaign with no metrics: 200 with noData, empty sections, no NaN', async () => {
    const made = await stack.api.post('/api/campaigns', { name: 'Empty', goals: [{ kpi: 'roi', target: 3, unit: 'ratio' }] });
    const res = await stack.api.get(`/api/campaigns/${made.body.id}/review`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ noData: true, attainment: [], budget: null, daily: [] });
    expect(res.body.summary).toMatch(/No metrics/);
    const csv = await fetch(`${stack.url}/api/campaigns/${made.body.id}/review.csv`, {
      headers: { authorization: `Bearer ${stack.api.token}` },
    });
    expect(await csv.text()).toContain('summary,campaign,no_data');
  });

  it('hourly sums do not depend on the order PostgreSQL reads the rows: 0.1 + 0.2 + 0.3 is 0.6', async () => {
    const made = await stack.api.post('/api/campaigns', {
      name: 'Three shops',
      goals: [{ kpi: 'revenue', target: 1, unit: 'CNY' }],
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    // One hour, one channel, three dimensions: summed in the order stored, doubles give 0.6000000000000001.
    const points = [0.1, 0.2, 0.3].map((value, i) => ({
      ts: '2026-06-01T01:00:00Z',
      channel: 'tmall',
      metric: 'revenue',
      value,
      dimensions: { shop: `s${i}` },
    }));
    const metrics = stack.server.app.metrics;
    expect((await metrics.ingest(made.body.id, metrics.checkJson({ points }))).accepted).toBe(3);
    const review = (await stack.api.get(`/api/campaigns/${made.body.id}/review`)).body;
    expect(review.attainment.find((g: { kpi: string }) => g.kpi === 'revenue').actual).toBe(0.6);
  });

  it('access as the campaign: 404 for those who cannot see it and for made-up ids, problem+json every time', async () => {
    const outsider = await stack.user('Olga Outsider', [{ role: 'analyst', department: 'Elsewhere' }], { department: 'Elsewhere' });
    for (const path of [`/api/campaigns/${id618}/review`, `/api/campaigns/${id618}/review.csv`]) {
      const res = await outsider.api.get(path);
      expect(res.status).toBe(404);
      expect(res.contentType).toMatch(/^application\/problem\+json/);
    }
    expect((await stack.api.get('/api/campaigns/00000000-0000-4000-8000-000000000000/review')).status).toBe(404);
    const anonymous = await fetch(`${stack.url}/api/campaigns/${id618}/review`);
    expect(anonymous.status).toBe(401);
  });

  it('stored versions: late data makes a new version, the earlier one stays, and the comparison names what changed', async () => {
    const made = await stack.api.post('/api/campaigns/import', { ...SCENARIO, id: 'late-data-618', name: 'Late data 618' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const id = made.body.id;
    const metrics = stack.server.app.metrics;
    const early = [
      { ts: '2026-06-01T02:00:00Z', channel: 'douyin_ads', metric: 'spend', value: 100 },
      { ts: '2026-06-01T02:00:00Z', channel: 'douyin_ads', metric: 'revenue', value: 1000 },
    ];
    await metrics.ingest(id, metrics.checkJson({ points: early }));
    const first = await stack.api.get(`/api/campaigns/${id}/review`);
    expect(first.body.stored).toMatchObject({ version: 1, trigger: 'first_read', points: 2, actor: expect.any(String) });
    expect(first.body.stored.watermark).not.toBeNull();
    // A second read answers the stored version, not a new one.
    expect((await stack.api.get(`/api/campaigns/${id}/review`)).body.stored.version).toBe(1);

    // The platform reports late: a revenue correction for the same hour and a channel that had not reported.
    const late = [
      { ts: '2026-06-01T02:00:00Z', channel: 'douyin_ads', metric: 'revenue', value: 1500 },
      { ts: '2026-06-01T03:00:00Z', channel: 'xhs_kol', metric: 'spend', value: 40 },
    ];
    await metrics.ingest(id, metrics.checkJson({ points: late }));
    const second = await stack.api.post(`/api/campaigns/${id}/review`, {});
    expect(second.status).toBe(201);
    expect(second.body.stored).toMatchObject({ version: 2, trigger: 'person', points: 3 });
    expect(second.body.efficiency.overall.totals.revenue).toBe(1500);

    const v1 = (await stack.api.get(`/api/campaigns/${id}/review?version=1`)).body;
    expect(v1.efficiency.overall.totals.revenue).toBe(1000);
    expect(v1).toEqual(first.body);
    expect((await stack.api.get(`/api/campaigns/${id}/review`)).body.stored.version).toBe(2);
    const list = (await stack.api.get(`/api/campaigns/${id}/reviews`)).body.versions;
    expect(list.map((v: { version: number; trigger: string }) => [v.version, v.trigger])).toEqual([
      [2, 'person'],
      [1, 'first_read'],
    ]);

    const diff = (await stack.api.get(`/api/campaigns/${id}/reviews/compare?from=1&to=2`)).body;
    const change = (section: string, scope: string, metric: string) =>
      diff.changed.find(
        (c: { section: string; scope: string; metric: string }) => c.section === section && c.scope === scope && c.metric === metric,
      );
    expect(change('overall', 'campaign', 'revenue')).toMatchObject({ from: { actual: 1000 }, to: { actual: 1500 }, delta: 500 });
    expect(change('channel', 'xhs_kol', 'spend')).toMatchObject({ from: null, to: { actual: 40 } });
    expect(change('overall', 'campaign', 'impressions')).toBeUndefined();
    expect(diff.figures).toBeGreaterThan(diff.changed.length);

    // The CSV of either version.
    const csv = async (q: string) =>
      (await fetch(`${stack.url}/api/campaigns/${id}/review.csv${q}`, { headers: { authorization: `Bearer ${stack.api.token}` } })).text();
    expect(await csv('?version=1')).toMatch(/\r\noverall,campaign,revenue,1000,/);
    expect(await csv('')).toMatch(/\r\noverall,campaign,revenue,1500,/);

    // Recomputes at once get distinct versions, none lost to a clash.
    const many = await Promise.all([1, 2, 3].map(() => stack.api.post(`/api/campaigns/${id}/review`, {})));
    expect(many.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(many.map((r) => r.body.stored.version).sort()).toEqual([3, 4, 5]);

    expect((await stack.api.get(`/api/campaigns/${id}/review?version=99`)).status).toBe(404);
    const viewer = await stack.user('Vera Viewer', [{ role: 'viewer', department: null }]);
    expect((await viewer.api.post(`/api/campaigns/${id}/review`, {})).status).toBe(403);
  });

  it('hostile versions: never a 5xx, always problem+json naming the field', async () => {
    const hostile = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.integer().map(String),
      fc.double().map(String),
      fc.constantFrom('0', '-1', '1e400', 'NaN', '0x10', '2147483648', ' 1', '1.5', '[]', '__proto__'),
    );
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (a, b) => {
        const paths = [
          `/api/campaigns/${id618}/review?version=${encodeURIComponent(a)}`,
          `/api/campaigns/${id618}/review.csv?version=${encodeURIComponent(a)}`,
          `/api/campaigns/${id618}/reviews/compare?from=${encodeURIComponent(a)}&to=${encodeURIComponent(b)}`,
        ];
        for (const path of paths) {
          const res = await stack.api.get(path);
          expect(res.status, `${path} → ${res.status}`).toBeLessThan(500);
          if (res.status >= 400) expect(res.contentType).toMatch(/^application\/problem\+json/);
        }
      }),
      { numRuns: 60 },
    );
    const bad = await stack.api.get(`/api/campaigns/${id618}/review?version=abc`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('version');
  });

  it('hostile ids: always a 4xx problem, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('..', '%00', 'a'.repeat(129), '__proto__', 'review')),
        async (id) => {
          for (const suffix of ['review', 'review.csv', 'reviews', 'reviews/compare?from=1&to=1']) {
            const res = await stack.api.get(`/api/campaigns/${encodeURIComponent(id)}/${suffix}`);
            expect(res.status, `${id} → ${res.status}`).toBeGreaterThanOrEqual(400);
            expect(res.status, `${id} → ${res.status}`).toBeLessThan(500);
            expect(res.contentType).toMatch(/^application\/problem\+json/);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
