/**
 * Part of npm run bench: sustained metrics ingest into PostgreSQL in batches of 1,000 points, through
 * the service (check + upsert, as a request does) and through HTTP (JSON, one client and four at
 * once), then how long the charts' reads of a 30-day hourly 5-channel campaign take. Target: 50,000
 * points/s through the service.
 */
import { RAW_METRICS } from '@flightdeck/workflows';
import { percentile, startBenchStack, writeBenchResult } from './stack.ts';

const BATCH = 1000;
const SERVICE_BATCHES = Number(process.env.BENCH_INGEST_BATCHES ?? 200);
const HTTP_BATCHES = Number(process.env.BENCH_INGEST_HTTP_BATCHES ?? 100);
const CHANNELS = ['douyin_ads', 'tmall_search', 'xhs_kol', 'wecom_groups', 'sms'];
const BASE = Date.UTC(2026, 4, 20);

/** Batch b of a stream of distinct points: 5 channels × 7 metrics per minute. */
function batch(b: number, minuteMs = 60_000) {
  return Array.from({ length: BATCH }, (_, j) => {
    const i = b * BATCH + j;
    return {
      ts: new Date(BASE + Math.floor(i / 35) * minuteMs).toISOString(),
      channel: CHANNELS[i % 5]!,
      metric: RAW_METRICS[Math.floor(i / 5) % 7]!,
      value: (i % 997) * 1.5,
    };
  });
}

const stack = await startBenchStack('ingest', {
  pg: Number(process.env.BENCH_PG_PORT ?? 54433),
  temporal: Number(process.env.BENCH_TEMPORAL_PORT ?? 7333),
});
const { server } = stack;
const metrics = server.app.metrics;
const admin = await stack.user('ingest@bench.local', 'Ingest', 'admin');
const ingestToken = (await server.app.people.createApiToken(admin.actor, 'ingest', { scopes: ['ingest'] })).token;
const campaign = async (name: string) => (await stack.api(admin.token, 'POST', '/api/campaigns', { name })).id as string;

// Through the service: the checks and the upsert, one batch after another.
const viaService = await campaign('Bench: service');
const bodies = Array.from({ length: SERVICE_BATCHES }, (_, b) => ({ points: batch(b) }));
let t0 = performance.now();
for (const body of bodies) await metrics.ingest(viaService, metrics.checkJson(body));
const serviceMs = performance.now() - t0;
const servicePps = Math.round((SERVICE_BATCHES * BATCH) / (serviceMs / 1000));
// The same batches again: every point now replaces one.
t0 = performance.now();
for (const body of bodies) await metrics.ingest(viaService, metrics.checkJson(body));
const replacePps = Math.round((SERVICE_BATCHES * BATCH) / ((performance.now() - t0) / 1000));

// Through HTTP, as a client would send them.
async function http(clients: number): Promise<number> {
  const id = await campaign(`Bench: HTTP ×${clients}`);
  const texts = Array.from({ length: HTTP_BATCHES }, (_, b) => JSON.stringify({ points: batch(b) }));
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < texts.length) {
        const body = texts[next++]!;
        const res = await fetch(`${server.url}/api/campaigns/${id}/metrics`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/json' },
          body,
        });
        if (res.status !== 200) throw new Error(`ingest → ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }
    }),
  );
  return Math.round((HTTP_BATCHES * BATCH) / ((performance.now() - start) / 1000));
}
const httpPps = await http(1);
const http4Pps = await http(4);

// The charts' reads: a 30-day hourly campaign of 5 channels (25,200 points) among the others above.
const charted = await campaign('Bench: 30 days hourly');
const hourly = Array.from({ length: 720 * 35 }, (_, i) => ({
  ts: new Date(BASE + Math.floor(i / 35) * 3_600_000).toISOString(),
  channel: CHANNELS[i % 5]!,
  metric: RAW_METRICS[Math.floor(i / 5) % 7]!,
  value: i % 101,
}));
for (let i = 0; i < hourly.length; i += 10_000) await metrics.ingest(charted, metrics.checkJson({ points: hourly.slice(i, i + 10_000) }));
async function timed(path: string, runs = 20): Promise<{ p50: number; p95: number; rows: number }> {
  const ms: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    rows = (await stack.api(admin.token, 'GET', path)).items.length;
    ms.push(performance.now() - s);
  }
  return { p50: Math.round(percentile(ms, 50) * 10) / 10, p95: Math.round(percentile(ms, 95) * 10) / 10, rows };
}
const base = `/api/campaigns/${charted}/metrics`;
const reads = {
  oneSeries30Days: await timed(`${base}?channel=sms&metric=spend`),
  oneDayAllSeries: await timed(`${base}?from=2026-06-01T00:00:00Z&to=2026-06-02T00:00:00Z`),
  hourlyRollupOneMetric: await timed(`${base}?metric=clicks&bucket=1h`),
  everything: await timed(base, 5),
};

const result = {
  batch: BATCH,
  service: { batches: SERVICE_BATCHES, pointsPerSecond: servicePps, replacingPointsPerSecond: replacePps },
  http: { batches: HTTP_BATCHES, pointsPerSecond: httpPps, fourClientsPointsPerSecond: http4Pps },
  readsMs: reads,
  target: { pointsPerSecond: 50_000, met: servicePps >= 50_000 },
};
console.log(`ingest via the service: ${servicePps} points/s (replacing: ${replacePps} points/s), batches of ${BATCH}`);
console.log(`ingest via HTTP (JSON): ${httpPps} points/s with one client, ${http4Pps} with four`);
for (const [name, r] of Object.entries(reads)) console.log(`read ${name}: ${r.rows} rows, p50 ${r.p50} ms, p95 ${r.p95} ms`);
writeBenchResult('ingest', result);
await stack.close();
