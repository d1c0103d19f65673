/**
 * Part of npm run bench: a month of live monitoring at scale. N campaigns (200), each watched by its
 * own run (monitor → escalation policy, level 1 to a local Slack-shaped receiver), get a point per
 * channel and metric every 5 simulated minutes for D simulated days (30), sent 6 simulated hours per
 * batch through POST /api/campaigns/:id/metrics by 4 concurrent clients, so every batch is judged by
 * that campaign's monitor in the ingest transaction. One CTR drop is injected per campaign (3 hours on
 * a day of its own), so each campaign should raise exactly one alert and send one message.
 *
 * Prints the sustained points/s with monitors active, the CPU and memory of the API + worker process
 * and of the Temporal dev server, the history sizes of the runs, how often they continued as new, and
 * whether every expected alert (and no other) fired and reached the receiver.
 */
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { percentile, processCpuMs, startBenchStack, writeBenchResult } from './stack.ts';

const CAMPAIGNS = Number(process.env.BENCH_SOAK_CAMPAIGNS ?? 200);
const DAYS = Number(process.env.BENCH_SOAK_DAYS ?? 30);
const CLIENTS = 4;
const STEP_MS = 5 * 60_000;
/** An export every 6 hours: a batch that held a whole day would open and close the day's alert before the run looked. */
const BATCH_MS = 6 * 3_600_000;
const POINTS_PER_BATCH = (BATCH_MS / STEP_MS) * 2;
const DAY_MS = 86_400_000;
const CHANNEL = 'douyin_ads';
const COMMAND = `BENCH_SOAK_CAMPAIGNS=${CAMPAIGNS} BENCH_SOAK_DAYS=${DAYS} npx tsx engine/bench/soak.ts   (part of npm run bench)`;
const BASE = Date.UTC(2026, 5, 1);

const messages = new Map<string, number>();
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const key = /soak-\d+/.exec(body)?.[0] ?? 'unknown';
    messages.set(key, (messages.get(key) ?? 0) + 1);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/slack`;

const stack = await startBenchStack('soak', {
  pg: Number(process.env.BENCH_PG_PORT ?? 54441),
  temporal: Number(process.env.BENCH_TEMPORAL_PORT ?? 7341),
});
const admin = await stack.user('soak@bench.local', 'Soak', 'admin');
const api = (method: string, path: string, body?: unknown) => stack.api(admin.token, method, path, body);
const ingestToken = (await stack.server.app.people.createApiToken(admin.actor, 'ingest', { scopes: ['ingest'] })).token;
const slack = await api('POST', '/api/connections', {
  kind: 'slack',
  name: 'Soak alerts',
  departmentId: null,
  secrets: { url: receiverUrl },
});
const pos = { x: 0, y: 0 };
const flow = await api('POST', '/api/flows', {
  name: 'bench soak',
  graph: {
    schemaVersion: 1,
    nodes: [
      { id: 'start', type: 'trigger.manual', config: {}, position: pos },
      {
        id: 'monitor',
        type: 'monitoring.monitor',
        config: {
          every: '5m',
          rules: [
            { id: 'ctr_low', kind: 'threshold', metric: 'ctr', window: '1h', op: 'below', value: 0.01, keepFiringFor: '1h' },
            { id: 'reach_drop', kind: 'deviation', metric: 'impressions', window: '1h', by: 0.5, direction: 'down', ignoreBelow: 1000 },
          ],
        },
        position: pos,
      },
      {
        id: 'escalate',
        type: 'monitoring.escalate',
        config: { monitor: 'monitor', levels: [{ connection: slack.id, ackWithin: '1h' }], text: '{{ campaign.name }}: {{ alert.value }}' },
        position: pos,
      },
    ],
    edges: [
      { id: 'e1', source: 'start', sourceHandle: 'next', target: 'monitor' },
      { id: 'e2', source: 'monitor', sourceHandle: 'ctr_low', target: 'escalate' },
    ],
  },
});
await api('POST', `/api/flows/${flow.id}/versions`, {});

console.log(`\nSoak: ${CAMPAIGNS} campaigns, ${DAYS} simulated days, a point every 5 minutes; starting the runs…`);
const campaigns: { id: string; runId: string; key: string; badDay: number }[] = [];
for (let i = 0; i < CAMPAIGNS; i++) {
  const key = `soak-${i}`;
  const campaign = await api('POST', '/api/campaigns', { name: key });
  const run = await api('POST', `/api/flows/${flow.id}/runs`, { input: {}, campaignId: campaign.id });
  campaigns.push({ id: campaign.id, runId: run.id, key, badDay: 3 + (i % Math.max(1, DAYS - 4)) });
}
for (const c of campaigns) {
  for (;;) {
    const run = await api('GET', `/api/runs/${c.runId}`);
    if (run.state?.nodes?.monitor?.detail?.monitorId) break;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Six hours of a campaign: impressions and clicks every 5 minutes, CTR 2 %, 0.4 % in hours 10–12 of its bad day. */
function sliceOf(c: (typeof campaigns)[number], slice: number) {
  const points: { ts: string; channel: string; metric: string; value: number }[] = [];
  for (let t = slice * BATCH_MS; t < (slice + 1) * BATCH_MS; t += STEP_MS) {
    const at = BASE + t;
    const day = Math.floor(t / DAY_MS);
    const hour = (t % DAY_MS) / 3_600_000;
    const impressions = 1000 + ((at / STEP_MS) % 7) * 10;
    const bad = day === c.badDay && hour >= 10 && hour < 13;
    const ts = new Date(at).toISOString();
    points.push({ ts, channel: CHANNEL, metric: 'impressions', value: impressions });
    points.push({ ts, channel: CHANNEL, metric: 'clicks', value: Math.round(impressions * (bad ? 0.004 : 0.02)) });
  }
  return points;
}

const rssSamples: number[] = [];
const sampler = setInterval(() => rssSamples.push(process.memoryUsage().rss), 1000);
const batchMs: number[] = [];
const cpu0 = process.cpuUsage();
const temporal0 = processCpuMs(stack.temporal.process.pid);
const t0 = performance.now();
let points = 0;
for (let slice = 0; slice < (DAYS * DAY_MS) / BATCH_MS; slice++) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < campaigns.length) {
        const c = campaigns[next++]!;
        const body = JSON.stringify({ points: sliceOf(c, slice) });
        const started = performance.now();
        const res = await fetch(`${stack.server.url}/api/campaigns/${c.id}/metrics`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/json' },
          body,
        });
        if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
        batchMs.push(performance.now() - started);
        points += POINTS_PER_BATCH;
      }
    }),
  );
  const day = ((slice + 1) * BATCH_MS) / DAY_MS;
  if (day % 5 === 0) console.log(`  day ${day}/${DAYS}: ${points.toLocaleString('en')} points`);
}
const ingestSeconds = (performance.now() - t0) / 1000;

// Every campaign's one alert should reach the receiver; wait for them (bounded), then read the runs.
const deadline = Date.now() + 120_000;
while ([...messages.keys()].filter((k) => k !== 'unknown').length < CAMPAIGNS && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 200));
}
const settledSeconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const temporalMs = processCpuMs(stack.temporal.process.pid) - temporal0;
clearInterval(sampler);

const client = stack.server.temporal.client;
const historyLengths: number[] = [];
const historyBytes: number[] = [];
for (const c of campaigns) {
  const run = await api('GET', `/api/runs/${c.runId}`);
  const described = await client.workflow.getHandle(run.workflowId).describe();
  historyLengths.push(described.historyLength);
  historyBytes.push(Number(described.historySize ?? 0));
}
let continuedAsNew = 0;
for await (const _ of client.workflow.list({ query: `ExecutionStatus = 'ContinuedAsNew'` })) continuedAsNew++;

const alerts = (await stack.server.db.pool.query<{ rule_id: string; n: string }>(`select rule_id, count(*) n from alerts group by rule_id`))
  .rows;
const perCampaign = campaigns.map((c) => messages.get(c.key) ?? 0);
const result = {
  command: COMMAND,
  machine:
    `${process.platform} ${process.arch}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, ` +
    `shared machine, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  campaigns: CAMPAIGNS,
  simulatedDays: DAYS,
  points,
  ingest: {
    seconds: +ingestSeconds.toFixed(1),
    pointsPerSecond: Math.round(points / ingestSeconds),
    batchP50Ms: Math.round(percentile(batchMs, 50)),
    batchP99Ms: Math.round(percentile(batchMs, 99)),
  },
  cpu: {
    apiAndWorkerSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(1),
    temporalSeconds: +(temporalMs / 1000).toFixed(1),
    apiAndWorkerMsPerCampaignDay: +((cpu.user + cpu.system) / 1000 / (CAMPAIGNS * DAYS)).toFixed(2),
  },
  memory: { rssMaxMiB: Math.round(Math.max(...rssSamples) / 2 ** 20), rssEndMiB: Math.round(process.memoryUsage().rss / 2 ** 20) },
  histories: {
    eventsP50: percentile(historyLengths, 50),
    eventsMax: Math.max(...historyLengths),
    bytesMax: Math.max(...historyBytes),
    continuedAsNew,
  },
  alerts: Object.fromEntries(alerts.map((a) => [a.rule_id, Number(a.n)])),
  messages: {
    campaignsReached: perCampaign.filter((n) => n > 0).length,
    campaignsWithMoreThanOne: perCampaign.filter((n) => n > 1).length,
    untagged: messages.get('unknown') ?? 0,
    allBySeconds: +settledSeconds.toFixed(1),
  },
};
console.log(
  `\n    ingest       ${result.ingest.pointsPerSecond.toLocaleString('en')} points/s with ${CAMPAIGNS} monitors judging ` +
    `(${points.toLocaleString('en')} points in ${result.ingest.seconds} s; ` +
    `batch of ${POINTS_PER_BATCH} p50 ${result.ingest.batchP50Ms} ms, p99 ${result.ingest.batchP99Ms} ms)`,
);
console.log(
  `    cpu          API + worker ${result.cpu.apiAndWorkerSeconds} s (${result.cpu.apiAndWorkerMsPerCampaignDay} ms per campaign-day), ` +
    `Temporal ${result.cpu.temporalSeconds} s`,
);
console.log(`    memory       API + worker RSS max ${result.memory.rssMaxMiB} MiB, at the end ${result.memory.rssEndMiB} MiB`);
console.log(
  `    histories    events p50 ${result.histories.eventsP50}, max ${result.histories.eventsMax} ` +
    `(${(result.histories.bytesMax / 1024).toFixed(0)} KiB); continued as new ${continuedAsNew} times`,
);
console.log(
  `    alerts       ${JSON.stringify(result.alerts)} (expected ctr_low: ${CAMPAIGNS}); messages reached ` +
    `${result.messages.campaignsReached}/${CAMPAIGNS} campaigns, ${result.messages.campaignsWithMoreThanOne} more than once`,
);
console.log(`  command: ${COMMAND}\n  machine: ${result.machine}`);
writeBenchResult('soak', result);
console.log('  written to .bench/soak.json');
await stack.close();
receiver.close();
process.exit(0);
