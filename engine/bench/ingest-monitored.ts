/**
 * Part of npm run bench: metrics ingest with the rules judged, side by side with the same ingest unwatched. Copies of
 * the 618 scenario campaign get the scenario's own hourly metrics (3 channels × 7 metrics, 720 hours) over HTTP in
 * batches of 1,000 points, in time order per campaign; half of the copies are watched by a running "Campaign KPI watch"
 * (the 618 rules, judged in each batch's transaction), half by nothing. One client, then four at once (each on its own
 * campaigns: a campaign's batches take turns anyway). Prints points/s against the 50,000 target, batch p50/p99, the
 * monitored/unwatched ratio, the load average, and the CPU per 1,000 points of the API + worker and of PostgreSQL around
 * each case (CPU, unlike rates, is what a shared machine inflates least); checks that every watched copy raised the same alerts.
 *
 * Alone: BENCH_MONITORED_CAMPAIGNS=8 npx tsx engine/bench/ingest-monitored.ts
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { percentile, postgresCpuMs, startBenchStack, writeBenchResult } from './stack.ts';

const BATCH = 1000;
const CAMPAIGNS = Number(process.env.BENCH_MONITORED_CAMPAIGNS ?? 8);
const COMMAND = `BENCH_MONITORED_CAMPAIGNS=${CAMPAIGNS} npx tsx engine/bench/ingest-monitored.ts   (part of npm run bench)`;
const seed = (file: string) => readFileSync(fileURLToPath(new URL(`../seed/${file}`, import.meta.url)), 'utf8');
const scenario = JSON.parse(seed('s618-new-product-launch.campaign.json'));
const [, ...lines] = seed('s618-new-product-launch.metrics.csv').trim().split('\n');
const points = lines.map((line) => {
  const [ts, channel, metric, value] = line.split(',');
  return { ts: ts!, channel: channel!, metric: metric!, value: Number(value) };
});
const bodies: string[] = [];
for (let i = 0; i < points.length; i += BATCH) bodies.push(JSON.stringify({ points: points.slice(i, i + BATCH) }));

const stack = await startBenchStack('ingest-monitored', {
  pg: Number(process.env.BENCH_PG_PORT ?? 54435),
  temporal: Number(process.env.BENCH_TEMPORAL_PORT ?? 7335),
});
const admin = await stack.user('watch@bench.local', 'Watch', 'admin');
const api = (method: string, path: string, body?: unknown) => stack.api(admin.token, method, path, body);
const ingestToken = (await stack.server.app.people.createApiToken(admin.actor, 'ingest', { scopes: ['ingest'] })).token;
const flow = await api('POST', '/api/templates/campaign-kpi-watch/flows', { name: 'bench KPI watch' });
await api('POST', `/api/flows/${flow.id}/versions`, {});

let copies = 0;
async function campaignCopy(watched: boolean): Promise<{ id: string; runId: string | null }> {
  const n = copies++;
  const campaign = await api('POST', '/api/campaigns/import', { ...scenario, id: `s618-bench-${n}`, name: `${scenario.name} #${n}` });
  if (!watched) return { id: campaign.id, runId: null };
  const run = await api('POST', `/api/flows/${flow.id}/runs`, { input: {}, campaignId: campaign.id });
  return { id: campaign.id, runId: run.id };
}
async function attached(runId: string): Promise<void> {
  for (;;) {
    const run = await api('GET', `/api/runs/${runId}`);
    if (run.state?.nodes?.monitor?.detail?.monitorId) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const load = () => loadavg().map((l) => +l.toFixed(2));

// CPU time of this process (API and worker), which a shared machine inflates far less than wall-clock rates; PostgreSQL's
// counts every backend, those that exited included (postgresCpuMs).
const TARGET = 50_000;
const pgCpuMs = () => postgresCpuMs(stack.postgresPid);
const nodeCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** `clients` at once, each taking the next campaign and sending its batches in time order. */
async function ingestCase(watched: boolean, clients: number) {
  const campaigns: { id: string; runId: string | null }[] = [];
  for (let i = 0; i < CAMPAIGNS; i++) campaigns.push(await campaignCopy(watched));
  for (const c of campaigns) if (c.runId) await attached(c.runId);
  const loadBefore = load();
  const batchMs: number[] = [];
  let sent = 0;
  let next = 0;
  const cpu0 = nodeCpuMs();
  const pg0 = pgCpuMs();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < campaigns.length) {
        const c = campaigns[next++]!;
        for (const body of bodies) {
          const t = performance.now();
          const res = await fetch(`${stack.server.url}/api/campaigns/${c.id}/metrics`, {
            method: 'POST',
            headers: { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/json' },
            body,
          });
          if (res.status !== 200) throw new Error(`ingest → ${res.status} ${await res.text()}`);
          const counts = (await res.json()) as { accepted: number };
          batchMs.push(performance.now() - t);
          sent += counts.accepted;
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const cpuMs = nodeCpuMs() - cpu0;
  const pgMs = pgCpuMs() - pg0;
  if (sent !== CAMPAIGNS * points.length) throw new Error(`sent ${sent} points, expected ${CAMPAIGNS * points.length}`);
  return {
    watched,
    clients,
    campaigns: CAMPAIGNS,
    points: sent,
    seconds: +seconds.toFixed(2),
    pointsPerSecond: Math.round(sent / seconds),
    batchP50Ms: +percentile(batchMs, 50).toFixed(1),
    batchP99Ms: +percentile(batchMs, 99).toFixed(1),
    apiAndWorkerCpuMsPer1000Points: +((cpuMs * 1000) / sent).toFixed(1),
    postgresCpuMsPer1000Points: +((pgMs * 1000) / sent).toFixed(1),
    loadBefore,
    loadAfter: load(),
    ids: campaigns.map((c) => c.id),
  };
}

const cases: Awaited<ReturnType<typeof ingestCase>>[] = [];
for (const clients of [1, 4]) for (const watched of [false, true]) cases.push(await ingestCase(watched, clients));

// Every watched copy got the same points, so each must hold the same alerts (rule, channel, event time), and some.
const alertSets = new Map<string, string>();
for (const c of cases.filter((k) => k.watched))
  for (const id of c.ids) {
    const rows = await stack.server.db.pool.query<{ k: string }>(
      `SELECT concat_ws(' ', rule_id, coalesce(channel, '*'), to_char(fired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24'),
         'last', to_char(last_fired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24'), state, 'value', value, 'threshold', threshold,
         'baseline', baseline, (SELECT string_agg(kind, ',' ORDER BY at, kind) FROM alert_events e WHERE e.alert_id = a.id
           AND kind NOT IN ('notified', 'escalated'))) AS k
       FROM alerts a WHERE campaign_id = $1 ORDER BY 1`,
      [id],
    );
    alertSets.set(id, rows.rows.map((r) => r.k).join('\n'));
  }
const distinct = new Set(alertSets.values());
const alertsPerCampaign = [...distinct][0]?.split('\n').filter(Boolean) ?? [];
if (distinct.size !== 1 || alertsPerCampaign.length === 0)
  throw new Error(`watched copies disagree on their alerts (${distinct.size} different sets)`);

// What each batch writes of a monitor's state (JSON text, and as stored: TOAST-compressed jsonb).
const stateSize = (
  await stack.server.db.pool.query<{ text: number; stored: number }>(
    `SELECT round(avg(length(state::text)))::int AS text, round(avg(pg_column_size(state)))::int AS stored FROM monitors`,
  )
).rows[0]!;

const row = (watched: boolean, clients: number) => cases.find((c) => c.watched === watched && c.clients === clients)!;
const ratios = Object.fromEntries(
  [1, 4].map((n) => [`clients${n}`, +(row(true, n).pointsPerSecond / row(false, n).pointsPerSecond).toFixed(2)]),
);
console.log(`\nIngest with the 618 rules judged: ${CAMPAIGNS} campaigns per case, ${points.length} points each, batches of ${BATCH}`);
for (const c of cases)
  console.log(
    `  ${c.watched ? 'monitored' : 'no monitor'}, ${c.clients} client(s): ${c.pointsPerSecond} points/s ` +
      `(${c.points} in ${c.seconds} s; batch p50 ${c.batchP50Ms} ms, p99 ${c.batchP99Ms} ms; ` +
      `CPU per 1,000 points: API + worker ${c.apiAndWorkerCpuMsPer1000Points} ms, PostgreSQL ${c.postgresCpuMsPer1000Points} ms; ` +
      `load ${c.loadBefore.join(' ')} → ${c.loadAfter.join(' ')})`,
  );
console.log(`  monitored / no monitor: ${ratios.clients1} with one client, ${ratios.clients4} with four`);
const best = cases.filter((c) => c.watched).sort((a, b) => b.pointsPerSecond - a.pointsPerSecond)[0]!;
const verdict = best.pointsPerSecond >= TARGET ? 'met' : `not met (${((100 * best.pointsPerSecond) / TARGET).toFixed(0)} % of it)`;
console.log(
  `  target ≥ ${TARGET.toLocaleString('en')} points/s with the rules judged: best ${best.pointsPerSecond.toLocaleString('en')} ` +
    `(${best.clients} client(s)), ${verdict}`,
);
console.log(`  alerts per watched campaign: ${alertsPerCampaign.length}, the same in all ${alertSets.size}`);
console.log(`  monitor state written per batch: ${stateSize.text} bytes of JSON, ${stateSize.stored} stored`);
console.log(`  command: ${COMMAND}`);
writeBenchResult('ingest-monitored', {
  command: COMMAND,
  batch: BATCH,
  cases: cases.map(({ ids: _ids, ...c }) => c),
  ratioMonitoredToUnwatched: ratios,
  alertsPerWatchedCampaign: alertsPerCampaign,
  monitorStateBytes: stateSize,
  target: { pointsPerSecond: TARGET, best: best.pointsPerSecond, bestClients: best.clients, met: best.pointsPerSecond >= TARGET },
});
await stack.close();
