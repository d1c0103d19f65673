/**
 * Part of npm run bench: a webhook flow (trigger.webhook → channel.webhook to a local receiver →
 * control.end) fed signed events (Standard Webhooks) by 10 concurrent senders through
 * POST /api/hooks/<flow>, side by side with two hand-written yardsticks (one activity making the
 * same HTTP call, started straight from a Temporal client: as a local activity, as the product runs
 * sendWebhook, and as a regular one) in the same run, on the same dev server.
 *
 * Measures completed runs/s (events in / last run closed, from the histories), event→receiver
 * latency p50/p99 (sender clock to receiver clock, one process), whether the backlog grows (first
 * tenth against last tenth), and worker time per workflow task from the histories'
 * WorkflowTaskStarted→Completed timestamps, the first task of a run and the later ones apart.
 *
 * The stack is the product's: embedded PostgreSQL, the dev server keeping its database file, the API
 * and the worker (in this process, where `npm start` runs the worker as a child process).
 */
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, NativeConnection } from '@temporalio/worker';
import { FlowWorker, observeActivations } from '../src/worker/flow-worker.ts';
import { Client } from '@temporalio/client';
import { createOutboundGuard, webhookActivity } from '@flightdeck/activities';
import { signStandardWebhook } from '../src/services/hooks.ts';
import { HOOK_LIMITS } from '../src/auth/throttle.ts';
import { HookAdmission, HookBusy, type HookAdmissionLimits } from '../src/api/hook-admission.ts';
import { ClosedRuns } from '../src/services/closed-runs.ts';
import { countStatements, percentile, processCpuMs, startBenchStack, writeBenchResult } from './stack.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);
const SENDERS = Number(process.env.BENCH_SENDERS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20);
const OVERLOAD_SECONDS = Number(process.env.BENCH_OVERLOAD_SECONDS ?? 20);
/** The target: completed runs/s, and the rate the paced phase offers. */
const TARGET_RATE = 40;
const COMMAND = `BENCH_EVENTS=${EVENTS} BENCH_SENDERS=${SENDERS} npx tsx engine/bench/webhook-flow.ts   (part of npm run bench)`;

// The receiver notes when each delivery arrived, keyed by the event (flow) or the workflow (yardstick).
const arrived = new Map<string, number>();
let duplicates = 0;
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const parsed = JSON.parse(body) as { event?: string; run?: string };
    const key = parsed.event ?? parsed.run ?? body;
    if (arrived.has(key)) duplicates++;
    else arrived.set(key, performance.now());
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

// The default stays 600/min per IP; only this bench's loopback sender gets room for its load.
const hookLimits = { ...HOOK_LIMITS, perMinute: 1_000_000 };
/** The product's admission bounds unless BENCH_HOOK_MAX_OPEN / BENCH_HOOK_HOLD_MS / BENCH_HOOK_QUEUE_MS say otherwise (to measure them). */
function admissionFromEnv(): HookAdmissionLimits {
  const n = (name: string) => (process.env[name] === undefined ? undefined : Number(process.env[name]));
  return { maxOpen: n('BENCH_HOOK_MAX_OPEN'), holdMs: n('BENCH_HOOK_HOLD_MS'), queueMs: n('BENCH_HOOK_QUEUE_MS') };
}
const stack = await startBenchStack(
  'webhook-flow',
  { pg: Number(process.env.BENCH_PG_PORT ?? 54398), temporal: Number(process.env.BENCH_TEMPORAL_PORT ?? 7296) },
  { durable: true, hookLimits, hookAdmission: admissionFromEnv() },
);
const { server, temporal } = stack;
const client: Client = server.temporal.client;

// The yardstick: its own queue and worker, the same activity concurrency as the product's worker, and a
// bundle of the hand-written workflow alone (the shared one's runFlow export loaded all of Flightdeck's modules per run).
const yardQueue = 'bench-webhook-yardstick';
const yardConnection = await NativeConnection.connect({ address: temporal.address });
const yardWorker = await FlowWorker.create({
  // the product's sandbox settings, for a like-for-like baseline
  connection: yardConnection,
  taskQueue: yardQueue,
  workflowBundle: await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./hand-written-workflows.ts', import.meta.url)),
    logger: new DefaultLogger('ERROR'),
  }),
  activities: { sendWebhook: webhookActivity(createOutboundGuard({ allow: '127.0.0.1' })) },
  maxConcurrentActivityTaskExecutions: 200,
});
const yardRunning = yardWorker.run();
// Like for like: the yardsticks start eagerly on their worker when the product does (BENCH_EAGER=0: neither does).
const EAGER = process.env.BENCH_EAGER !== '0';
const yardClient = EAGER ? new Client({ connection: yardConnection, namespace: 'default' }) : client;

const admin = await stack.user('admin@bench.local', 'Admin', 'admin');
const api = (method: string, path: string, body?: unknown) => stack.api(admin.token, method, path, body);
const pos = { x: 0, y: 0 };
const created = await api('POST', '/api/flows', {
  name: 'bench webhook flow',
  graph: {
    schemaVersion: 1,
    nodes: [
      { id: 'event', type: 'trigger.webhook', config: {}, position: pos },
      { id: 'forward', type: 'channel.webhook', config: { url: receiverUrl, body: { event: '{{ input.event }}' } }, position: pos },
      { id: 'done', type: 'control.end', config: {}, position: pos },
    ],
    edges: [
      { id: 'e1', source: 'event', sourceHandle: 'next', target: 'forward' },
      { id: 'e2', source: 'forward', sourceHandle: 'sent', target: 'done' },
    ],
  },
});
const flowId: string = created.id;
await api('POST', `/api/flows/${flowId}/versions`, {});
const { secret } = await api('POST', `/api/flows/${flowId}/hook-secret`, {});

interface Sent {
  key: string;
  workflowId: string;
  sentAt: number;
}
const refusals: Record<string, number> = {};

/** One signed event, retried after Retry-After when refused with 429/503, as a Standard Webhooks sender does. */
async function sendEvent(key: string): Promise<Sent> {
  const raw = JSON.stringify({ event: key });
  const sentAt = performance.now();
  for (;;) {
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(`${server.url}/api/hooks/${flowId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': key,
        'webhook-timestamp': String(ts),
        'webhook-signature': signStandardWebhook(secret, key, ts, raw),
      },
      body: raw,
    });
    const json = (await res.json()) as { runId?: string };
    if (res.status === 202) return { key, workflowId: `run-${json.runId}`, sentAt };
    if (res.status !== 429 && res.status !== 503) throw new Error(`hook answered ${res.status} ${JSON.stringify(json)}`);
    refusals[res.status] = (refusals[res.status] ?? 0) + 1;
    await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
  }
}

/** A yardstick run started straight from the client: `workflow` is handWrittenOneSend or its local-activity twin. */
const startYardstick =
  (workflow: 'handWrittenOneSend' | 'handWrittenOneLocalSend') =>
  async (key: string): Promise<Sent> => {
    const sentAt = performance.now();
    await yardClient.workflow.start(workflow, {
      taskQueue: yardQueue,
      workflowId: key,
      args: [{ url: receiverUrl, runId: key }],
      requestEagerStart: EAGER,
    });
    return { key, workflowId: key, sentAt };
  };
const regularYardstick = startYardstick('handWrittenOneSend');
const localYardstick = startYardstick('handWrittenOneLocalSend');

/**
 * The local yardstick behind the same admission as the hook endpoint: the same bounds (HookAdmission) and the same
 * way of learning that a run closed (ClosedRuns). The yardsticks above start every run at once, so the dev server
 * queues them without bound: their rate is the ceiling, at seconds of latency. This one is the like-for-like figure.
 */
const yardAdmission = new HookAdmission(admissionFromEnv());
const yardClosed = new ClosedRuns(() => client);
const windowedLocalYardstick = async (key: string): Promise<Sent> => {
  const sentAt = performance.now();
  for (;;) {
    try {
      await yardAdmission.admit(async () => {
        await yardClient.workflow.start('handWrittenOneLocalSend', {
          requestEagerStart: EAGER,
          taskQueue: yardQueue,
          workflowId: key,
          args: [{ url: receiverUrl, runId: key }],
        });
        return { closed: yardClosed.whenClosed(key) };
      });
      return { key, workflowId: key, sentAt };
    } catch (err) {
      if (!(err instanceof HookBusy)) throw err;
      refusals.yardstickWindowed = (refusals.yardstickWindowed ?? 0) + 1;
      await new Promise((r) => setTimeout(r, err.retryAfterSeconds * 1000));
    }
  }
};

/** `count` items from `senders` concurrent loops, each sending its next item once the last was accepted. */
async function fromSenders(count: number, prefix: string, send: (key: string) => Promise<Sent>): Promise<Sent[]> {
  const out: Sent[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < count) out.push(await send(`${prefix}-${next++}`));
    }),
  );
  return out;
}

const summarize = (xs: number[]) =>
  xs.length ? { n: xs.length, p50: +percentile(xs, 50).toFixed(1), p99: +percentile(xs, 99).toFixed(1) } : { n: 0, p50: NaN, p99: NaN };

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

/** From each run's history: when it closed, and how long each workflow task took on the worker. */
async function histories(sent: Sent[]) {
  const firstTaskMs: number[] = [];
  const laterTaskMs: number[] = [];
  let lastClose = 0;
  let open = 0;
  for (let i = 0; i < sent.length; i += 20) {
    await Promise.all(
      sent.slice(i, i + 20).map(async ({ workflowId }) => {
        const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
        let startedAt: number | undefined;
        let tasks = 0;
        for (const e of events) {
          if (e.workflowTaskStartedEventAttributes) startedAt = ms(e.eventTime);
          else if (e.workflowTaskCompletedEventAttributes && startedAt !== undefined) {
            (tasks++ === 0 ? firstTaskMs : laterTaskMs).push(ms(e.eventTime) - startedAt);
            startedAt = undefined;
          }
        }
        const last = events[events.length - 1];
        if (last?.workflowExecutionCompletedEventAttributes) lastClose = Math.max(lastClose, ms(last.eventTime));
        else open++;
      }),
    );
  }
  return {
    lastCloseEpochMs: lastClose,
    notCompleted: open,
    workflowTaskMs: { first: summarize(firstTaskMs), later: summarize(laterTaskMs) },
  };
}

async function waitForArrivals(sent: Sent[]) {
  const deadline = Date.now() + 30 * 60_000;
  while (sent.some((s) => !arrived.has(s.key))) {
    if (Date.now() > deadline) throw new Error('deliveries did not all arrive within 30 minutes');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const temporalCpuMs = () => processCpuMs(temporal.process.pid);

async function measure(label: string, send: (key: string) => Promise<Sent>) {
  const epochAtStart = Date.now();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const server0 = temporalCpuMs();
  const counting = countStatements();
  // The worker's own time per activation (the sides run one after the other, so every activation now is this side's).
  const activations = { first: [] as number[], later: [] as number[] };
  const stopObserving = observeActivations((a) => activations[a.first ? 'first' : 'later'].push(a.ms));
  const sent = await fromSenders(EVENTS, label, send);
  await waitForArrivals(sent);
  stopObserving();
  const cpu = process.cpuUsage(cpu0);
  const statements = counting.stop();
  const serverMs = temporalCpuMs() - server0;
  const latency = sent.map((s) => arrived.get(s.key)! - s.sentAt);
  const h = await histories(sent);
  const seconds = (h.lastCloseEpochMs - epochAtStart) / 1000;
  const tenth = Math.max(1, Math.floor(EVENTS / 10));
  return {
    runsPerSec: +(EVENTS / seconds).toFixed(1),
    acceptedPerSec: +(EVENTS / ((Math.max(...sent.map((s) => s.sentAt)) - t0) / 1000)).toFixed(1),
    latencyMs: { p50: Math.round(percentile(latency, 50)), p99: Math.round(percentile(latency, 99)) },
    // This process holds the API, both workers and the senders; the dev server is measured apart.
    cpuMsPerRun: { node: +((cpu.user + cpu.system) / 1000 / EVENTS).toFixed(2), temporal: +(serverMs / EVENTS).toFixed(2) },
    // PostgreSQL statements per run, API's and worker's together (see countStatements), by what they do.
    statementsPerRun: {
      total: +(Object.values(statements).reduce((a, n) => a + n, 0) / EVENTS).toFixed(2),
      ...Object.fromEntries(Object.entries(statements).map(([shape, n]) => [shape, +(n / EVENTS).toFixed(2)])),
    },
    backlog: {
      firstTenthP50Ms: Math.round(percentile(latency.slice(0, tenth), 50)),
      lastTenthP50Ms: Math.round(percentile(latency.slice(-tenth), 50)),
    },
    activationMs: { first: summarize(activations.first), later: summarize(activations.later) },
    ...h,
  };
}

// Warm both paths (bundles, caches, JIT) before measuring; then alternate nothing: one after the other.
await waitForArrivals([
  ...(await fromSenders(WARMUP, 'warm-flow', sendEvent)),
  ...(await fromSenders(WARMUP, 'warm-yard', regularYardstick)),
  ...(await fromSenders(WARMUP, 'warm-yard-local', localYardstick)),
  ...(await fromSenders(WARMUP, 'warm-yard-windowed', windowedLocalYardstick)),
]);
const flightdeck = await measure('flow', sendEvent);
const yardstickWindowed = await measure('yard-windowed', windowedLocalYardstick);
// Two yardsticks: the call as a regular activity (the baseline shape), and as a local activity (the
// product's own setting for sendWebhook since 2026-12-07: the like-for-like one).
const yardstick = await measure('yard', regularYardstick);
const yardstickLocal = await measure('yard-local', localYardstick);

/** One signed event, one attempt: 202 or a refusal (429/503 with Retry-After), counted, never retried here. */
async function offerEvent(key: string): Promise<{ accepted: boolean; retryAfter: string | null }> {
  const raw = JSON.stringify({ event: key });
  const ts = Math.floor(Date.now() / 1000);
  const res = await fetch(`${server.url}/api/hooks/${flowId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': key,
      'webhook-timestamp': String(ts),
      'webhook-signature': signStandardWebhook(secret, key, ts, raw),
    },
    body: raw,
  });
  await res.arrayBuffer();
  if (res.status === 202) return { accepted: true, retryAfter: null };
  if (res.status !== 429 && res.status !== 503) throw new Error(`hook answered ${res.status}`);
  return { accepted: false, retryAfter: res.headers.get('retry-after') };
}

/**
 * Events offered open-loop at `rate` (paced, not waiting for answers), for OVERLOAD_SECONDS. At twice the
 * rate the flow just sustained, the product's own bound (hook-admission.ts) must hold: some are refused
 * with Retry-After, the accepted ones arrive, and the number accepted but not yet delivered stays flat
 * instead of growing with the offered load. At the target rate (40/s) it gives the latency a
 * sender sees when the product keeps up, which the closed-loop senders above cannot show: they send the
 * next event on each 202, so they fill the admission bound whatever the rate.
 */
async function offerPaced(rate: number, prefix: string) {
  const count = Math.round(rate * OVERLOAD_SECONDS);
  const sentAt = new Map<string, number>();
  const offers: Promise<void>[] = [];
  let accepted = 0;
  let refused = 0;
  let withRetryAfter = 0;
  const backlog: number[] = [];
  const acceptedKeys: string[] = [];
  const sampler = setInterval(() => backlog.push(acceptedKeys.filter((k) => !arrived.has(k)).length), 250);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const key = `${prefix}-${i}`;
    sentAt.set(key, performance.now());
    offers.push(
      offerEvent(key).then((o) => {
        if (o.accepted) {
          accepted++;
          acceptedKeys.push(key);
        } else {
          refused++;
          if (o.retryAfter) withRetryAfter++;
        }
      }),
    );
  }
  await Promise.all(offers);
  const offeredSeconds = (performance.now() - t0) / 1000;
  await waitForArrivals(acceptedKeys.map((key) => ({ key, workflowId: '', sentAt: 0 })));
  clearInterval(sampler);
  const latency = acceptedKeys.map((k) => arrived.get(k)! - sentAt.get(k)!);
  const quarter = Math.max(1, Math.floor(backlog.length / 4));
  const offeredBacklog = backlog.slice(0, Math.round((offeredSeconds * 1000) / 250));
  return {
    offeredPerSec: +(count / offeredSeconds).toFixed(1),
    offered: count,
    accepted,
    refused,
    refusedWithRetryAfter: withRetryAfter,
    acceptedLatencyMs: { p50: Math.round(percentile(latency, 50)), p99: Math.round(percentile(latency, 99)) },
    // Accepted but not yet at the receiver, sampled every 250 ms while the load was offered.
    backlog: {
      max: Math.max(...offeredBacklog),
      secondQuarterMax: Math.max(...offeredBacklog.slice(quarter, 2 * quarter)),
      lastQuarterMax: Math.max(...offeredBacklog.slice(-quarter)),
    },
  };
}
const atTargetRate = await offerPaced(TARGET_RATE, 'paced');
const overloadPhase = await offerPaced(2 * flightdeck.runsPerSec, 'over');

const machine =
  `${process.platform} ${process.arch}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ` +
  `node ${process.version}, shared machine, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
const result = {
  command: COMMAND,
  machine,
  events: EVENTS,
  senders: SENDERS,
  flightdeck,
  yardstick,
  yardstickLocal,
  yardstickWindowed,
  // The hook endpoint's bounds in this run (the product's unless BENCH_HOOK_* set them), the windowed yardstick's too.
  admission: (({ maxOpen, holdMs, queueMs, maxQueued, maxStarting }) => ({ maxOpen, holdMs, queueMs, maxQueued, maxStarting }))(
    yardAdmission,
  ),
  ratio: {
    runsPerSec: +(flightdeck.runsPerSec / yardstickWindowed.runsPerSec).toFixed(3),
    runsPerSecAgainstLocalCeiling: +(flightdeck.runsPerSec / yardstickLocal.runsPerSec).toFixed(3),
    runsPerSecAgainstRegularActivity: +(flightdeck.runsPerSec / yardstick.runsPerSec).toFixed(3),
  },
  // Each closed-loop sender always has an event in flight, so latency ≥ senders / throughput (Little's law).
  littleFloorMs: Math.round((SENDERS / flightdeck.runsPerSec) * 1000),
  refusals,
  atTargetRate,
  overload: overloadPhase,
  duplicates,
  targets: { runsPerSec: TARGET_RATE, p50Ms: 150, p99Ms: 500, ratio: 0.9, workflowTaskMs: 10 },
};

const row = (name: string, r: typeof flightdeck) =>
  `    ${name.padEnd(12)} ${String(r.runsPerSec).padStart(6)} runs/s   p50 ${String(r.latencyMs.p50).padStart(6)} ms   ` +
  `p99 ${String(r.latencyMs.p99).padStart(6)} ms   ` +
  `backlog p50 ${r.backlog.firstTenthP50Ms}→${r.backlog.lastTenthP50Ms} ms   ` +
  `task first p50/p99 ${r.workflowTaskMs.first.p50}/${r.workflowTaskMs.first.p99} ms, ` +
  `later ${r.workflowTaskMs.later.p50}/${r.workflowTaskMs.later.p99} ms   ` +
  `worker per activation first ${r.activationMs.first.p50}/${r.activationMs.first.p99} ms, ` +
  `later ${r.activationMs.later.p50}/${r.activationMs.later.p99} ms   ` +
  `CPU/run node ${r.cpuMsPerRun.node} ms, temporal ${r.cpuMsPerRun.temporal} ms` +
  (r.notCompleted ? `   (${r.notCompleted} not completed)` : '');
console.log(`\nWebhook flow: ${EVENTS} signed events from ${SENDERS} concurrent senders, against the hand-written yardsticks\n`);
console.log(row('flightdeck', flightdeck));
console.log(row('yard window', yardstickWindowed));
console.log(row('yard local', yardstickLocal));
console.log(row('yard regular', yardstick));
console.log(
  `    ratio        ${result.ratio.runsPerSec}× runs/s against the local-activity yardstick behind the same admission ` +
    `(same settings), ${result.ratio.runsPerSecAgainstLocalCeiling}× against its unbounded ceiling, ` +
    `${result.ratio.runsPerSecAgainstRegularActivity}× against the regular one unbounded   ` +
    '(targets: ≥ 40 runs/s, p50 ≤ 150 ms, p99 ≤ 500 ms, ≥ 0.9×, ≤ 10 ms per task)',
);
console.log(
  `    closed loop  each sender sends its next event on a 202, so ${SENDERS} senders keep ≥ ${SENDERS} events in flight: ` +
    `by Little's law the mean event→receiver latency is at least senders / runs per s = ${result.littleFloorMs} ms here`,
);
console.log(`    statements per run, flightdeck: ${JSON.stringify(flightdeck.statementsPerRun)}`);
console.log(`    refusals ${JSON.stringify(refusals)}, duplicate deliveries ${duplicates}`);
console.log(
  `    runs started eagerly, flightdeck: ${server.app.runs.eagerStarts} of ${server.app.runs.eagerStarts + server.app.runs.queuedStarts}`,
);
const t = atTargetRate;
console.log(
  `    paced        ${t.offeredPerSec}/s offered (the target rate) for ${OVERLOAD_SECONDS} s: ${t.accepted} accepted, ` +
    `${t.refused} refused; event→receiver p50 ${t.acceptedLatencyMs.p50} ms, p99 ${t.acceptedLatencyMs.p99} ms; ` +
    `backlog max ${t.backlog.max}`,
);
const o = overloadPhase;
console.log(
  `    overload     ${o.offeredPerSec}/s offered (2× the sustained rate) for ${OVERLOAD_SECONDS} s: ${o.accepted} accepted, ` +
    `${o.refused} refused (${o.refusedWithRetryAfter} with Retry-After); accepted p50 ${o.acceptedLatencyMs.p50} ms, ` +
    `p99 ${o.acceptedLatencyMs.p99} ms; backlog max ${o.backlog.max} (2nd quarter ${o.backlog.secondQuarterMax}, ` +
    `last quarter ${o.backlog.lastQuarterMax})`,
);
console.log(`  command: ${COMMAND}\n  machine: ${machine}`);
writeBenchResult('webhook-flow', result);
console.log('  written to .bench/webhook-flow.json');

// The overload phase leaves the API's long polls for runs' closes (hook admission) in flight; the Temporal client
// then throws "Channel has been shut down" from a timer when the stack closes under them. That is teardown, after the
// results are written: it must not fail `npm run bench`, which runs the next bench only when this one exits 0.
process.on('uncaughtException', (err) => {
  if (err instanceof Error && err.message === 'Channel has been shut down') return;
  console.error(err);
  process.exit(1);
});
yardClosed.stop();
yardWorker.shutdown();
await yardRunning;
await yardConnection.close();
await stack.close();
receiver.close();
// Keep-alive sockets of the senders' agent would hold the process open after the results are out.
process.exit(0);
