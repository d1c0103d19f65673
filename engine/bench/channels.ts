/**
 * Part of npm run bench: channel deliveries on the real stack (embedded PostgreSQL, a Temporal
 * dev server, the worker, a local receiver), in one process.
 *
 * 1. 1,000 queued sends: 1,000 runs of "trigger → send (signed webhook connection)" started at
 *    once; deliveries per second at the receiver, side by side with 1,000 hand-written workflows
 *    that make the same HTTP call with no interpreter, no ledger and no signature.
 * 2. A broadcast to 10,000 recipients given as a list: how long it takes and how large the
 *    workflow history is (it batches; it never schedules 10,000 activities).
 */
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, NativeConnection } from '@temporalio/worker';
import { FlowWorker } from '../src/worker/flow-worker.ts';
import protos from '@temporalio/proto';
import { createOutboundGuard, webhookActivity } from '@flightdeck/activities';

// The bench's receivers are on loopback, which outbound calls refuse unless allowed.
const sendWebhook = webhookActivity(createOutboundGuard({ allow: '127.0.0.1' }));
import { startBenchStack, writeBenchResult } from './stack.ts';

const SENDS = Number(process.env.BENCH_SENDS ?? 1000);
const BROADCAST = Number(process.env.BENCH_BROADCAST ?? 10_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);

// The receiver counts distinct deliveries (webhook-id, or the run for the hand-written baseline) and when each arrived.
const seen = new Map<string, number>();
let duplicates = 0;
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const key = (req.headers['webhook-id'] as string | undefined) ?? (JSON.parse(body) as { run?: string }).run ?? body;
    if (seen.has(key)) duplicates++;
    else seen.set(key, Date.now());
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

const stack = await startBenchStack('channels', {
  pg: Number(process.env.BENCH_PG_PORT ?? 54397),
  temporal: Number(process.env.BENCH_TEMPORAL_PORT ?? 7295),
});
const { server, temporal } = stack;
// The baseline runs on its own worker and queue, with the same activity concurrency.
const baselineConnection = await NativeConnection.connect({ address: temporal.address });
const baselineWorker = await FlowWorker.create({
  // the product's sandbox settings, for a like-for-like baseline
  connection: baselineConnection,
  taskQueue: 'bench-channels-baseline',
  workflowBundle: await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./baseline-workflows.ts', import.meta.url)),
    logger: new DefaultLogger('ERROR'),
  }),
  activities: { sendWebhook },
  maxConcurrentActivityTaskExecutions: 200,
});
const baselineRunning = baselineWorker.run();
const client = server.temporal.client;

const admin = await stack.user('admin@bench.local', 'Admin', 'admin');
const api = (method: string, path: string, body?: unknown) => stack.api(admin.token, method, path, body);
const whSecret = 'whsec_' + randomBytes(32).toString('base64');
const connectionId = (
  await api('POST', '/api/connections', { kind: 'webhook', name: 'Bench receiver', secrets: { url: receiverUrl, secret: whSecret } })
).id;
const pos = { x: 0, y: 0 };

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// 1. 1,000 queued sends ------------------------------------------------------------------
const sendFlow = await api('POST', '/api/flows', {
  name: 'bench send',
  graph: {
    schemaVersion: 1,
    nodes: [
      { id: 'start', type: 'trigger.manual', config: {}, position: pos },
      { id: 'send', type: 'channel.send', config: { connection: connectionId, text: 'Launch {{ input.i }} is live' }, position: pos },
      { id: 'done', type: 'control.end', config: {}, position: pos },
    ],
    edges: [
      { id: 'e1', source: 'start', sourceHandle: 'next', target: 'send' },
      { id: 'e2', source: 'send', sourceHandle: 'sent', target: 'done' },
    ],
  },
});
await api('POST', `/api/flows/${sendFlow.id}/versions`, {});

async function measure(
  label: string,
  start: (i: number) => Promise<unknown>,
): Promise<{ label: string; seconds: number; perSecond: number }> {
  const before = seen.size;
  const t0 = Date.now();
  // Start everything at once (50 start calls in flight), so the sends queue up on the task queue.
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < SENDS) await start(next++);
    }),
  );
  await waitFor(() => seen.size - before >= SENDS, `${label} deliveries`);
  const seconds = (Math.max(...[...seen.values()].slice(before)) - t0) / 1000;
  return { label, seconds, perSecond: SENDS / seconds };
}

const flightdeck = await measure('Flightdeck send node', (i) => server.app.runs.start(admin.actor, sendFlow.id, { input: { i } }));
const baseline = await measure('hand-written workflow', (i) =>
  client.workflow.start('handWrittenOneSend', {
    taskQueue: 'bench-channels-baseline',
    workflowId: `baseline-${i}-${Date.now()}`,
    args: [{ url: receiverUrl, runId: `baseline-${i}-${Date.now()}` }],
  }),
);

// 2. Broadcast to 10,000 -------------------------------------------------------------------
const broadcastFlow = await api('POST', '/api/flows', {
  name: 'bench broadcast',
  graph: {
    schemaVersion: 1,
    nodes: [
      { id: 'start', type: 'trigger.manual', config: {}, position: pos },
      {
        id: 'blast',
        type: 'channel.broadcast',
        config: {
          connection: connectionId,
          recipients: 'input.recipients',
          text: 'Hi {{ recipient.name }}, 618 starts now',
          batchSize: BATCH,
        },
        position: pos,
      },
      { id: 'done', type: 'control.end', config: {}, position: pos },
    ],
    edges: [
      { id: 'e1', source: 'start', sourceHandle: 'next', target: 'blast' },
      { id: 'e2', source: 'blast', sourceHandle: 'sent', target: 'done' },
    ],
  },
});
await api('POST', `/api/flows/${broadcastFlow.id}/versions`, {});
const recipients = Array.from({ length: BROADCAST }, (_, i) => ({ address: `customer-${i}@example.test`, name: `Customer ${i}` }));
const beforeBroadcast = seen.size;
const b0 = Date.now();
const run = await server.app.runs.start(admin.actor, broadcastFlow.id, { input: { recipients } });
await client.workflow.getHandle(run.workflowId).result();
const broadcastSeconds = (Date.now() - b0) / 1000;
const delivered = seen.size - beforeBroadcast;
const history = await client.workflow.getHandle(run.workflowId).fetchHistory();
const historyBytes = protos.temporal.api.history.v1.History.encode(history).finish().length;
const activities = history.events!.filter((e) => e.activityTaskScheduledEventAttributes).length;

const line = (s: string) => console.log(`    ${s}`);
console.log(`\nChannel deliveries (real PostgreSQL ledger, Temporal dev server, worker, local receiver)\n`);
line(`${SENDS} queued sends, one run each, to a signed webhook connection:`);
line(`  ${flightdeck.label.padEnd(24)} ${flightdeck.perSecond.toFixed(1).padStart(7)} deliveries/s  (${flightdeck.seconds.toFixed(1)} s)`);
line(`  ${baseline.label.padEnd(24)} ${baseline.perSecond.toFixed(1).padStart(7)} deliveries/s  (${baseline.seconds.toFixed(1)} s)`);
line(`  ratio Flightdeck / hand-written: ${(flightdeck.perSecond / baseline.perSecond).toFixed(2)}×`);
line(`Broadcast to ${BROADCAST.toLocaleString('en')} recipients (batches of ${BATCH}):`);
line(
  `  ${delivered} delivered in ${broadcastSeconds.toFixed(1)} s (${(delivered / broadcastSeconds).toFixed(0)}/s), ` +
    `duplicates at the receiver: ${duplicates}`,
);
line(
  `  history: ${history.events!.length} events, ${(historyBytes / 1024).toFixed(0)} KiB, ${activities} activities scheduled ` +
    `(one per batch; Temporal warns at 10,240 events / 10 MB)\n`,
);

writeBenchResult('channels', {
  sends: SENDS,
  flightdeckPerSecond: flightdeck.perSecond,
  baselinePerSecond: baseline.perSecond,
  ratio: flightdeck.perSecond / baseline.perSecond,
  broadcast: {
    recipients: BROADCAST,
    batch: BATCH,
    delivered,
    seconds: broadcastSeconds,
    historyEvents: history.events!.length,
    historyBytes,
    activities,
    duplicates,
  },
});
if (delivered !== BROADCAST || duplicates) process.exitCode = 1;

baselineWorker.shutdown();
await baselineRunning;
await baselineConnection.close();
await stack.close();
receiver.close();
