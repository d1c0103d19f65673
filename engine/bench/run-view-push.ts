/**
 * Part of npm run bench: how soon the run view learns of an approval decision, over 50 decisions on the real stack
 * (embedded PostgreSQL, a Temporal dev server, the worker and the API in one process). Measured: from sending the
 * decision to the `run` event that shows it on an open GET /api/runs/:id/events stream, beside the 1 s polling it
 * replaces (which waits 0–1000 ms for its next tick, then reads the run).
 * Alone: `BENCH_PUSH_DECISIONS=50 npx tsx engine/bench/run-view-push.ts`.
 */
import { percentile, startBenchStack, writeBenchResult } from './stack.ts';
import { openSse } from '../test/support/sse.ts';

const DECISIONS = Number(process.env.BENCH_PUSH_DECISIONS ?? 50);
/** The run view's polling interval before the stream (editor/src/api/queries.ts, useRun). */
const POLL_INTERVAL_MS = 1000;

const stack = await startBenchStack('run-view-push', {
  pg: Number(process.env.BENCH_PG_PORT ?? 54445),
  temporal: Number(process.env.BENCH_TEMPORAL_PORT ?? 7345),
});
const requester = await stack.user('requester@bench.local', 'Requester', 'admin');
const approver = await stack.user('approver@bench.local', 'Approver');
const { api } = stack;

const graph = {
  schemaVersion: 1,
  nodes: [
    { id: 'start', type: 'trigger.manual', config: {}, position: { x: 0, y: 0 } },
    {
      id: 'ask',
      type: 'approval.request',
      config: { title: 'Bench approval', approvers: [{ kind: 'user', user: 'approver@bench.local' }], due: '1h' },
      position: { x: 200, y: 0 },
    },
    { id: 'done', type: 'control.end', config: {}, position: { x: 400, y: 0 } },
    { id: 'no', type: 'control.end', config: {}, position: { x: 400, y: 200 } },
  ],
  edges: [
    { id: 'e1', source: 'start', sourceHandle: 'next', target: 'ask' },
    { id: 'e2', source: 'ask', sourceHandle: 'approved', target: 'done' },
    { id: 'e4', source: 'ask', sourceHandle: 'rejected', target: 'no' },
    { id: 'e5', source: 'ask', sourceHandle: 'timed_out', target: 'no' },
  ],
};
const flow = await api(requester.token, 'POST', '/api/flows', { name: 'bench run view push', graph });
await api(requester.token, 'POST', `/api/flows/${flow.id}/versions`, {});

// Open all the tasks first, then decide them one by one, so each measurement is one decision on a quiet system.
for (let i = 0; i < DECISIONS; i++) await api(requester.token, 'POST', `/api/flows/${flow.id}/runs`, { input: {} });
let open: { taskId: string; runId: string }[] = [];
for (let tries = 0; tries < 600 && open.length < DECISIONS; tries++) {
  open = (await api(approver.token, 'GET', '/api/approvals')).items;
  if (open.length < DECISIONS) await new Promise((r) => setTimeout(r, 100));
}
if (open.length < DECISIONS) throw new Error(`only ${open.length} tasks opened`);

const toEvent: number[] = [];
const runRead: number[] = [];
for (const task of open) {
  const events = await openSse(`${stack.server.url}/api/runs/${task.runId}/events`, requester.token);
  if (events.status !== 200) throw new Error(`the stream answered ${events.status}`);
  await events.next('the first state');
  const r0 = performance.now();
  await api(requester.token, 'GET', `/api/runs/${task.runId}`);
  runRead.push(performance.now() - r0);
  const t0 = performance.now();
  const decided = api(approver.token, 'POST', `/api/approvals/${encodeURIComponent(task.taskId)}/decision`, { decision: 'approve' });
  await events.next('the decision', (e) => e.event === 'run' && e.data.state?.nodes?.ask?.status === 'completed');
  toEvent.push(performance.now() - t0);
  await decided;
  events.close();
}

const ms = (x: number) => `${x.toFixed(0).padStart(5)} ms`;
const readP50 = percentile(runRead, 50);
console.log(`\nRun view: approval decision → the view knows, ${DECISIONS} decisions (real PostgreSQL, Temporal, worker)\n`);
console.log(`    stream (GET /api/runs/:id/events)     p50 ${ms(percentile(toEvent, 50))}   p99 ${ms(percentile(toEvent, 99))}`);
console.log(
  `    polling every ${POLL_INTERVAL_MS} ms (replaced)        wait 0–${POLL_INTERVAL_MS} ms (mean ${POLL_INTERVAL_MS / 2}) + ` +
    `a read of the run (measured p50 ${readP50.toFixed(0)} ms): p50 ≈ ${ms(POLL_INTERVAL_MS / 2 + readP50)}, ` +
    `p99 ≈ ${ms(POLL_INTERVAL_MS * 0.99 + readP50)}`,
);
console.log(`    target: within 200 ms\n`);
writeBenchResult('run-view-push', {
  command: 'npx tsx engine/bench/run-view-push.ts',
  decisions: DECISIONS,
  decisionToEventMs: { p50: percentile(toEvent, 50), p99: percentile(toEvent, 99), max: Math.max(...toEvent) },
  runReadMs: { p50: readP50, p99: percentile(runRead, 99) },
  pollIntervalMs: POLL_INTERVAL_MS,
});

await stack.close();
