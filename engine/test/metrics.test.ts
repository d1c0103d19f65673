import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { INGEST_LIMITS, RAW_METRICS, readMetricsCsv, sumPoints, type MetricPoint } from '@flightdeck/workflows';
import { startStack, type TestStack } from './support/stack.ts';
import { MetricsService, type AffectedSeries } from '../src/services/metrics.ts';
import { FIRST_ADMIN_EMAIL } from '../src/seed/first-admin.ts';

const SCENARIO = fileURLToPath(new URL('../seed/s618-new-product-launch.metrics.csv', import.meta.url));
const csvText = readFileSync(SCENARIO, 'utf8');
const csvLines = csvText.trimEnd().split('\n');
const header = csvLines[0]!;
const filePoints: MetricPoint[] = readMetricsCsv(csvText).rows.map((r) => r.raw as unknown as MetricPoint);

/** The scenario file in CSV batches the API takes (each with its own header). */
function csvBatches(size = INGEST_LIMITS.points): string[] {
  const out: string[] = [];
  for (let i = 1; i < csvLines.length; i += size) out.push([header, ...csvLines.slice(i, i + size)].join('\n') + '\n');
  return out;
}

const point = (ts: string, channel: string, metric: string, value: number, dimensions?: Record<string, string>) => ({
  ts,
  channel,
  metric,
  value,
  ...(dimensions ? { dimensions } : {}),
});

describe('metrics ingest', () => {
  let stack: TestStack;
  let ingestToken: string;
  let writeToken: string;
  let slug618: string;
  let id618: string;

  const send = async (token: string, campaign: string, body: string, type = 'application/json') => {
    const res = await fetch(`${stack.url}/api/campaigns/${campaign}/metrics`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, type: res.headers.get('content-type') ?? '' };
  };
  const postJson = (campaign: string, points: unknown, token = ingestToken) => send(token, campaign, JSON.stringify({ points }));
  const postCsv = (campaign: string, text: string, token = ingestToken) => send(token, campaign, text, 'text/csv');
  const stored = async (campaignId: string) =>
    (await stack.server.db.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM metric_points WHERE campaign_id = ${campaignId}`))
      .rows[0]!.n;
  const newCampaign = async (name: string) => {
    const made = await stack.api.post('/api/campaigns', { name });
    expect(made.status).toBe(201);
    return made.body.id as string;
  };

  beforeAll(async () => {
    stack = await startStack('metrics', { worker: false });
    const people = stack.server.app.people;
    const admin = await people.actorFor((await people.userByEmail(FIRST_ADMIN_EMAIL))!, 'system');
    ingestToken = (await people.createApiToken(admin, 'ingest', { scopes: ['ingest'] })).token;
    writeToken = (await people.createApiToken(admin, 'write only', { scopes: ['write'] })).token;
    const imported = await stack.api.post(
      '/api/campaigns/import',
      JSON.parse(readFileSync(new URL('../seed/s618-new-product-launch.campaign.json', import.meta.url), 'utf8')),
    );
    expect(imported.status).toBe(201);
    id618 = imported.body.id;
    slug618 = imported.body.slug;
    expect(slug618).toBe('s618-new-product-launch');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('the 618 file as CSV, then again as JSON: every point accepted, the second pass replaces each one', async () => {
    let counts = { accepted: 0, replaced: 0, rejected: 0 };
    for (const batch of csvBatches()) {
      const res = await postCsv(slug618, batch);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      for (const k of ['accepted', 'replaced', 'rejected'] as const) counts[k] += res.body[k];
    }
    expect(counts).toEqual({ accepted: filePoints.length, replaced: 0, rejected: 0 });
    expect(await stored(id618)).toBe(15_120);

    counts = { accepted: 0, replaced: 0, rejected: 0 };
    for (let i = 0; i < filePoints.length; i += INGEST_LIMITS.points) {
      const res = await postJson(id618, filePoints.slice(i, i + INGEST_LIMITS.points));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      for (const k of ['accepted', 'replaced', 'rejected'] as const) counts[k] += res.body[k];
    }
    expect(counts).toEqual({ accepted: 15_120, replaced: 15_120, rejected: 0 });
    expect(await stored(id618)).toBe(15_120);

    // What comes back sums to what the file says, per channel and metric.
    const day = { from: '2026-06-01T00:00:00+08:00', to: '2026-06-02T00:00:00+08:00' };
    const read = await stack.api.get(
      `/api/campaigns/${id618}/metrics?from=${encodeURIComponent(day.from)}&to=${encodeURIComponent(day.to)}`,
    );
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ bucket: null, truncated: false });
    expect(read.body.items).toHaveLength(24 * 3 * 7);
    const fromApi = sumPoints(read.body.items, { channel: 'douyin_ads' });
    const fromFile = sumPoints(filePoints, { channel: 'douyin_ads', ...day });
    for (const m of RAW_METRICS) expect(fromApi[m], m).toBeCloseTo(fromFile[m]!, 6);

    const clicks = await stack.api.get(`/api/campaigns/${slug618}/metrics?metric=clicks&channel=xhs_kol&bucket=1h`);
    expect(clicks.status).toBe(200);
    expect(clicks.body.bucket).toBe('1h');
    expect(clicks.body.items).toHaveLength(720);
    const total = clicks.body.items.reduce((s: number, p: { value: number }) => s + p.value, 0);
    expect(total).toBeCloseTo(sumPoints(filePoints, { channel: 'xhs_kol' }).clicks!, 4);
  });

  it('last write wins per key (dimensions included), out-of-order points are taken, the hourly rollup sums dimensions', async () => {
    const cid = await newCampaign('Last write wins');
    const first = await postJson(cid, [
      point('2026-05-20T02:00:00Z', 'sms', 'clicks', 5),
      point('2026-05-20T01:00:00Z', 'sms', 'clicks', 3),
      point('2026-05-20T01:30:00+00:00', 'sms', 'clicks', 1, { region: 'north', age: '18-24' }),
    ]);
    expect(first.body).toEqual({ accepted: 3, replaced: 0, rejected: 0 });
    // Same instants in another offset, dimensions in another order, an alias and upper case: the same keys.
    const second = await postJson(cid, [
      point('2026-05-20T09:30:00+08:00', 'sms', 'Clicks', 2, { age: '18-24', region: 'north' }),
      point('2026-05-20T00:00:00Z', 'sms', 'clicks', 7),
      point('2026-05-20T00:00:00Z', 'sms', 'clicks', 8),
    ]);
    expect(second.status).toBe(200);
    // One overwrote a stored point; of the two new ones at midnight, the later replaced the earlier.
    expect(second.body).toEqual({ accepted: 3, replaced: 2, rejected: 0 });
    const raw = (await stack.api.get(`/api/campaigns/${cid}/metrics`)).body.items;
    expect(raw).toEqual([
      { ts: '2026-05-20T00:00:00.000Z', channel: 'sms', metric: 'clicks', value: 8, dimensions: {} },
      { ts: '2026-05-20T01:00:00.000Z', channel: 'sms', metric: 'clicks', value: 3, dimensions: {} },
      { ts: '2026-05-20T01:30:00.000Z', channel: 'sms', metric: 'clicks', value: 2, dimensions: { age: '18-24', region: 'north' } },
      { ts: '2026-05-20T02:00:00.000Z', channel: 'sms', metric: 'clicks', value: 5, dimensions: {} },
    ]);
    const hourly = (await stack.api.get(`/api/campaigns/${cid}/metrics?bucket=1h`)).body.items;
    expect(hourly.map((p: { ts: string; value: number }) => [p.ts, p.value])).toEqual([
      ['2026-05-20T00:00:00.000Z', 8],
      ['2026-05-20T01:00:00.000Z', 5],
      ['2026-05-20T02:00:00.000Z', 5],
    ]);
  });

  it('a batch with bad rows is refused whole, naming each by line (CSV) or index (JSON) and field', async () => {
    const cid = await newCampaign('Refused whole');
    const csv = [
      header,
      '2026-05-20T00:00:00Z,sms,clicks,1',
      '2026-05-20T00:00:00,sms,clicks,1',
      '2026-05-20T01:00:00Z,sms,clicks,2',
      '2026-05-20T02:00:00Z,SMS!,ctr,NaN',
      'only,three,fields',
      '',
      '2026-05-20T03:00:00Z,sms,spend,1e16',
    ].join('\n');
    const refused = await postCsv(cid, csv);
    expect(refused.status).toBe(422);
    expect(refused.type).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ accepted: 0, replaced: 0, rejected: 4 });
    expect(refused.body.errors.map((e: { path: string }) => e.path)).toEqual([
      'line.3.ts',
      'line.5.channel',
      'line.5.metric',
      'line.5.value',
      'line.6',
      'line.8.value',
    ]);
    expect(refused.body.errors[2].message).toMatch(/derived KPI/);

    const json = await postJson(cid, [
      point('2026-05-20T00:00:00Z', 'sms', 'clicks', 1),
      point('1999-12-31T23:59:59Z', 'sms', 'clicks', 1),
      point('2026-05-20T00:00:00Z', 'sms', 'page_views', 1),
      point('2026-05-20T00:00:00Z', 'sms', 'clicks', 1, { a: 'x'.repeat(65) }),
      { ...point('2026-05-20T00:00:00Z', 'sms', 'clicks', 1), extra: true },
    ]);
    expect(json.status).toBe(422);
    expect(json.body.rejected).toBe(4);
    expect(json.body.errors.map((e: { path: string }) => e.path)).toEqual([
      'points.1.ts',
      'points.2.metric',
      'points.3.dimensions',
      'points.4',
    ]);
    expect(await stored(cid)).toBe(0);
  });

  it('10,001 points are refused (JSON and CSV), and nothing is stored', async () => {
    const cid = await newCampaign('Too many');
    const many = Array.from({ length: INGEST_LIMITS.points + 1 }, (_, i) =>
      point(new Date(Date.UTC(2026, 4, 20) + i * 60_000).toISOString(), 'sms', 'clicks', i),
    );
    const json = await postJson(cid, many);
    expect(json.status).toBe(400);
    expect(json.body.errors[0].path).toBe('points');
    const csv = await postCsv(cid, [header, ...many.map((p) => `${p.ts},${p.channel},${p.metric},${p.value}`)].join('\n'));
    expect(csv.status).toBe(400);
    expect(await stored(cid)).toBe(0);
    expect((await postJson(cid, many.slice(1))).body).toEqual({ accepted: 10_000, replaced: 0, rejected: 0 });
  });

  it('an ingest token may call this endpoint only; a read or write token may not ingest', async () => {
    const good = [point('2026-05-20T00:00:00Z', 'sms', 'clicks', 1)];
    expect((await postJson(id618, good)).status).toBe(200);
    const writeOnly = await postJson(id618, good, writeToken);
    expect(writeOnly.status).toBe(403);
    expect(writeOnly.body.title).toBe('Token scope');
    expect((await postJson(id618, good, stack.api.token!)).status).toBe(403);

    const ingestPath = '/api/campaigns/:id/metrics';
    const others = stack.server.app.registry.filter((r) => r.access !== 'public' && !(r.method === 'post' && r.path === ingestPath));
    expect(others.length).toBeGreaterThan(30);
    for (const route of others) {
      const path = route.path.replace(/:[A-Za-z_]+/g, id618);
      const res = await fetch(stack.url + path, {
        method: route.method.toUpperCase(),
        headers: { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/json' },
        body: route.method === 'get' ? undefined : '{}',
      });
      expect(res.status, `${route.method} ${route.path}`).toBe(403);
      expect(['Token scope', 'Session required'], `${route.method} ${route.path}`).toContain((await res.json()).title);
    }
  });

  it("someone else's campaign answers 404 to read and ingest; a viewer of it may read and not ingest", async () => {
    const outsider = await stack.user('Otto Outsider', [{ role: 'designer', department: 'Elsewhere' }], { department: 'Elsewhere' });
    const people = stack.server.app.people;
    const otto = await people.actorFor((await people.userRow(outsider.id))!, 'system');
    const ottoIngest = (await people.createApiToken(otto, 'ingest', { scopes: ['ingest'] })).token;
    const good = [point('2026-05-20T00:00:00Z', 'sms', 'clicks', 1)];
    for (const ref of [id618, slug618]) {
      expect((await postJson(ref, good, ottoIngest)).status).toBe(404);
      expect((await outsider.api.get(`/api/campaigns/${ref}/metrics`)).status).toBe(404);
    }
    // A made-up campaign answers the same.
    expect((await postJson('no-such-campaign', good)).status).toBe(404);
    expect((await postJson('00000000-0000-4000-8000-000000000000', good)).status).toBe(404);

    const dept = (await stack.api.get(`/api/campaigns/${id618}`)).body.departmentId;
    const name = (await stack.api.get('/api/departments')).body.items.find((d: { id: string }) => d.id === dept).name;
    const viewer = await stack.user('Vera Viewer', [{ role: 'viewer', department: name }], { department: name });
    const vera = await people.actorFor((await people.userRow(viewer.id))!, 'system');
    const veraIngest = (await people.createApiToken(vera, 'ingest', { scopes: ['ingest'] })).token;
    expect((await viewer.api.get(`/api/campaigns/${id618}/metrics?metric=spend&bucket=1h`)).status).toBe(200);
    const refused = await postJson(id618, good, veraIngest);
    expect(refused.status).toBe(403);
  });

  it('afterInsert runs in the same transaction with the spans each series touched; if it throws, nothing is stored', async () => {
    const cid = await newCampaign('Hooked');
    const seen: { campaignId: string; affected: AffectedSeries[]; visible: number }[] = [];
    const hooked = new MetricsService(stack.server.db.db, {
      afterInsert: async (tx, campaignId, affected) => {
        const visible = (
          await tx.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM metric_points WHERE campaign_id = ${campaignId}`)
        ).rows[0]!.n;
        seen.push({ campaignId, affected, visible });
      },
    });
    const points = hooked.checkJson({
      points: [
        point('2026-05-20T05:00:00Z', 'sms', 'spend', 1),
        point('2026-05-20T01:00:00Z', 'sms', 'spend', 1),
        point('2026-05-20T03:00:00Z', 'email', 'clicks', 1),
      ],
    });
    expect(await hooked.ingest(cid, points)).toEqual({ accepted: 3, replaced: 0, rejected: 0 });
    expect(seen).toEqual([
      {
        campaignId: cid,
        visible: 3,
        affected: expect.arrayContaining([
          { channel: 'sms', metric: 'spend', minTs: '2026-05-20T01:00:00.000Z', maxTs: '2026-05-20T05:00:00.000Z' },
          { channel: 'email', metric: 'clicks', minTs: '2026-05-20T03:00:00.000Z', maxTs: '2026-05-20T03:00:00.000Z' },
        ]),
      },
    ]);
    const failing = new MetricsService(stack.server.db.db, {
      afterInsert: async () => {
        throw new Error('rule evaluation failed');
      },
    });
    const more = failing.checkJson({ points: [point('2026-05-20T07:00:00Z', 'sms', 'spend', 9)] });
    await expect(failing.ingest(cid, more)).rejects.toThrow('rule evaluation failed');
    expect(await stored(cid)).toBe(3);
  });

  it('no foreign key (0023): a deleted campaign loses its points; a batch for a campaign gone is refused naming id', async () => {
    const pool = stack.server.db.pool;
    const batch = (hour: number) => [point(`2026-05-20T${String(hour).padStart(2, '0')}:00:00Z`, 'sms', 'clicks', hour)];
    const [gone, kept] = [await newCampaign('Deleted later'), await newCampaign('Kept')];
    expect((await postJson(gone, batch(1))).status).toBe(200);
    expect((await postJson(kept, batch(1))).status).toBe(200);
    await pool.query('DELETE FROM campaigns WHERE id = $1', [gone]);
    expect([await stored(gone), await stored(kept)]).toEqual([0, 1]);

    // Over HTTP the route finds it gone; the service refuses it too (a caller holding an id from before the deletion).
    const refused = await postJson(gone, batch(2));
    expect(refused.status).toBe(404);
    expect(refused.type).toContain('application/problem+json');
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'params.id', code: 'not_found' })]);
    const metrics = stack.server.app.metrics;
    await expect(metrics.ingest(gone, metrics.checkJson({ points: batch(2) }))).rejects.toMatchObject({
      kind: 'not_found',
      issues: [expect.objectContaining({ path: 'campaignId' })],
    });
    expect(await stored(gone)).toBe(0);

    // A deletion that comes while a batch is being stored waits for it, then removes the batch's points as well.
    const racing = await newCampaign('Deleted during a batch');
    let deletion: Promise<unknown> | undefined;
    const held = new MetricsService(stack.server.db.db, {
      afterInsert: async () => {
        deletion = pool.query('DELETE FROM campaigns WHERE id = $1', [racing]);
        // The DELETE is waiting on the batch's lock of the campaign row (asked of PostgreSQL, not timed).
        for (;;) {
          const waiting = await pool.query(
            `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
               AND query LIKE 'DELETE FROM campaigns%'`,
          );
          if (waiting.rows.length) break;
        }
      },
    });
    await held.ingest(racing, held.checkJson({ points: batch(3) }));
    await deletion;
    expect(await stored(racing)).toBe(0);
  });

  it('npm run replay sends a scenario file through the API by timestamp and prints its progress', async () => {
    const made = await stack.api.post('/api/campaigns', { name: 'Replayed' });
    const cid = made.body.id as string;
    // The first three hours of the 618 file.
    const file = join(mkdtempSync(join(tmpdir(), 'replay-')), 'three-hours.metrics.csv');
    writeFileSync(file, csvLines.slice(0, 1 + 21 * 3).join('\n') + '\n');
    const script = new URL('../scripts/replay.ts', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', script, cid, file, '--speed', '1e9', '--url', stack.url, '--token', ingestToken],
      { timeout: 120_000 },
    );
    expect(stdout).toContain('Replaying 63 points in 3 batches');
    expect(stdout).toContain('[100%] 2026-05-20T02:00:00.000Z  63/63 points (0 replaced)');
    expect(await stored(cid)).toBe(63);
  });

  it('reads refuse bad windows and metrics with 400 naming the field', async () => {
    const bad = await stack.api.get(`/api/campaigns/${id618}/metrics?from=yesterday&metric=ctr`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['query.from', 'query.metric']);
    expect((await stack.api.get(`/api/campaigns/${id618}/metrics?bucket=1d`)).status).toBe(400);
  });

  it('property: generated malformed batches never get a 5xx and never store a point', async () => {
    const cid = await newCampaign('Fuzzed');
    const good = fc.record({
      ts: fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) }).map((t) => new Date(t).toISOString()),
      channel: fc.constantFrom('sms', 'douyin_ads', 'x-1'),
      metric: fc.constantFrom(...RAW_METRICS),
      value: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    });
    // CSV carries ts, channel, metric and value only; JSON can also get dimensions and fields wrong.
    const badInCsv = [
      fc.record({ ts: fc.oneof(fc.string(), fc.constant('2026-05-20T00:00:00'), fc.constant('2100-01-01T00:00:00Z'), fc.integer()) }),
      fc.record({ channel: fc.oneof(fc.string({ minLength: 65 }), fc.constantFrom('', 'Upper', '-x', 'a b', 'ü')) }),
      fc.record({
        metric: fc.oneof(
          fc.string().map((s) => `x${s}`),
          fc.constantFrom('ctr', 'roi', 'page_views', ''),
        ),
      }),
      fc.record({
        value: fc.oneof(
          fc.constantFrom(NaN, Infinity, 1e16, -1e300),
          fc.string().map((s) => `v${s}`),
          fc.constant(null),
        ),
      }),
    ];
    const badInJson = [
      ...badInCsv,
      fc.record({ channel: fc.oneof(fc.integer(), fc.constant(null)) }),
      fc.record({
        dimensions: fc.oneof(
          fc.constantFrom(null, 1, 'region', true, [], ['north']),
          fc.dictionary(fc.string(), fc.string(), { minKeys: 9, maxKeys: 12 }),
          fc.dictionary(fc.constantFrom('region', 'age'), fc.oneof(fc.integer(), fc.string({ minLength: 65 })), { minKeys: 1 }),
          fc.dictionary(fc.string({ minLength: 33 }), fc.string(), { minKeys: 1, maxKeys: 2 }),
        ),
      }),
      fc.record({ unexpected: fc.anything({ maxDepth: 1 }) }),
    ];
    const batchOf = (bad: fc.Arbitrary<Record<string, unknown>>) =>
      fc
        .tuple(
          fc.array(good, { maxLength: 20 }),
          fc.array(
            fc.tuple(good, bad).map(([g, b]) => ({ ...g, ...b }) as Record<string, unknown>),
            { minLength: 1, maxLength: 5 },
          ),
          fc.nat(),
        )
        .map(([goods, bads, seed]) => {
          const all: Record<string, unknown>[] = [...goods];
          bads.forEach((b, i) => all.splice((seed + i * 7) % (all.length + 1), 0, b));
          return all;
        });
    const jsonBatch = batchOf(fc.oneof(...badInJson));
    const csvBatch = batchOf(fc.oneof(...badInCsv));
    const body = fc.oneof(
      { weight: 4, arbitrary: jsonBatch.map((points) => ({ type: 'application/json', text: JSON.stringify({ points }) })) },
      {
        weight: 2,
        arbitrary: csvBatch.map((points) => ({
          type: 'text/csv',
          text: [header, ...points.map((p) => [p.ts, p.channel, p.metric, p.value].map((v) => String(v)).join(','))].join('\n'),
        })),
      },
      { weight: 1, arbitrary: fc.json({ maxDepth: 3 }).map((text) => ({ type: 'application/json', text })) },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((text) => ({ type: 'text/csv', text })) },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((text) => ({ type: 'application/json', text })) },
    );
    await fc.assert(
      fc.asyncProperty(body, async ({ type, text }) => {
        const res = await send(ingestToken, cid, text, type);
        const where = `${type} ${text.slice(0, 300)} → ${res.status} ${JSON.stringify(res.body)}`;
        expect(res.status, where).toBeLessThan(500);
        // Random JSON may happen to be an empty batch, which stores nothing and says so.
        if (res.status === 200) expect(res.body, where).toEqual({ accepted: 0, replaced: 0, rejected: 0 });
        else expect(res.type, where).toMatch(/^application\/problem\+json/);
        expect(await stored(cid)).toBe(0);
      }),
      { numRuns: 150, seed: 618 },
    );
  });
});
