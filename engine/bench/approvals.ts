/**
 * Part of npm run bench: the latency from an approval decision (the HTTP call) until the next
 * node starts, over 200 decisions, on the real stack: embedded PostgreSQL, a Temporal dev
 * server, the worker and the API, in one process.
 */
import { createServer } from 'node:http';
import { percentile, startBenchStack, writeBenchResult } from './stack.ts';

const DECISIONS = Number(process.env.BENCH_DECISIONS ?? 200);

const arrivals = new Map<string, number>();
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    arrivals.set(JSON.parse(body).run, Date.now());
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/next`;

const stack = await startBenchStack('approvals', {
  pg: Number(process.env.BENCH_PG_PORT ?? 54398),
  temporal: Number(process.env.BENCH_TEMPORAL_PORT ?? 7297),
});
const { server } = stack;
const requester = await stack.user('requester@bench.local', 'Requester', 'admin');
const approver = await stack.user('approver@bench.local', 'Approver');
const requesterToken = requester.token;
const approverToken = approver.token;
const api = stack.api;

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
    { id: 'next', type: 'channel.webhook', config: { url: receiverUrl, body: { run: '{{ run.id }}' } }, position: { x: 400, y: 0 } },
    { id: 'done', type: 'control.end', config: {}, position: { x: 600, y: 0 } },
    { id: 'no', type: 'control.end', config: {}, position: { x: 600, y: 200 } },
  ],
  edges: [
    { id: 'e1', source: 'start', sourceHandle: 'next', target: 'ask' },
    { id: 'e2', source: 'ask', sourceHandle: 'approved', target: 'next' },
    { id: 'e3', source: 'next', sourceHandle: 'sent', target: 'done' },
    { id: 'e4', source: 'ask', sourceHandle: 'rejected', target: 'no' },
    { id: 'e5', source: 'ask', sourceHandle: 'timed_out', target: 'no' },
  ],
};
const flow = await api(requesterToken, 'POST', '/api/flows', { name: 'bench approvals', graph });
await api(requesterToken, 'POST', `/api/flows/${flow.id}/versions`, {});

// Open all the tasks first, then decide them one by one, so each measurement is one decision on a quiet system.
const runIds: string[] = [];
for (let i = 0; i < DECISIONS; i++) runIds.push((await api(requesterToken, 'POST', `/api/flows/${flow.id}/runs`, { input: {} })).id);
let open: { taskId: string; runId: string }[] = [];
for (let tries = 0; tries < 600 && open.length < DECISIONS; tries++) {
  open = (await api(approverToken, 'GET', '/api/approvals')).items;
  if (open.length < DECISIONS) await new Promise((r) => setTimeout(r, 100));
}
if (open.length < DECISIONS) throw new Error(`only ${open.length} tasks opened`);

const toDecisionReturn: number[] = [];
const toNextNodeStart: number[] = [];
const toNextCall: number[] = [];
for (const task of open) {
  const t0 = Date.now();
  await api(approverToken, 'POST', `/api/approvals/${encodeURIComponent(task.taskId)}/decision`, { decision: 'approve' });
  toDecisionReturn.push(Date.now() - t0);
  const workflowId = `run-${task.runId}`;
  for (let i = 0; i < 500 && !arrivals.has(workflowId); i++) await new Promise((r) => setTimeout(r, 2));
  toNextCall.push(arrivals.get(workflowId)! - t0);
  const state = (await server.temporal.client.workflow.getHandle(workflowId).query('runState')) as {
    nodes: Record<string, { startedAt?: number }>;
  };
  toNextNodeStart.push(state.nodes.next!.startedAt! - t0);
}

const row = (name: string, xs: number[]) =>
  `    ${name.padEnd(44)} p50 ${String(percentile(xs, 50)).padStart(4)} ms   p99 ${String(percentile(xs, 99)).padStart(4)} ms`;
console.log(`\nApproval decision → next node, ${DECISIONS} decisions through the API (real PostgreSQL, Temporal, worker)\n`);
console.log(row('decision call returns (Update accepted)', toDecisionReturn));
console.log(row('next node starts (its startedAt)', toNextNodeStart));
console.log(row("next node's webhook reaches the receiver", toNextCall));
console.log(`    target: next node starts within 250 ms at p99\n`);
writeBenchResult('approvals', {
  decisions: DECISIONS,
  decisionReturnMs: { p50: percentile(toDecisionReturn, 50), p99: percentile(toDecisionReturn, 99) },
  nextNodeStartMs: { p50: percentile(toNextNodeStart, 50), p99: percentile(toNextNodeStart, 99) },
  nextCallMs: { p50: percentile(toNextCall, 50), p99: percentile(toNextCall, 99) },
});

await stack.close();
receiver.close();
