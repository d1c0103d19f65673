import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { inject } from 'vitest';
import { contentHash } from '@flightdeck/workflows';
import { startStack, startWorker, type TestStack, type TestWorker } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { waitFor } from './support/wait-for.ts';
import { bundleFlowWorkflows, createFlowWorker } from '../src/worker/create-worker.ts';

const DAY = 86_400_000;
const LOADER = fileURLToPath(new URL('./support/changed-default-loader.cjs', import.meta.url));

/**
 * A published version means what was published. A later release changes the approval's default
 * due time (3 d → 9 d; the test bundles the workflows with that change): a run that started
 * before keeps 3 d in the node it was in and in the nodes it reaches later, and its history
 * replays on the new code without non-determinism.
 */
describe('frozen versions', () => {
  let stack: TestStack;
  let approver: Awaited<ReturnType<TestStack['user']>>;
  let changedBundle: WorkflowBundle;
  const workers: { stop(): Promise<unknown> }[] = [];
  beforeAll(async () => {
    stack = await startStack('frozen', { worker: false });
    approver = await stack.user('Frozen Approver', [{ role: 'approver', department: null }]);
    changedBundle = await bundleFlowWorkflows({
      webpackConfigHook: (config) => {
        config.module!.rules!.push({ test: /nodes[\\/]approval\.ts$/, enforce: 'pre', use: [{ loader: LOADER }] });
        return config;
      },
    });
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await stack?.close();
  });

  const graph = () =>
    flow(
      [
        node('start', 'trigger.manual'),
        node('first', 'approval.request', { title: 'First', approvers: [{ kind: 'user', user: approver.email }] }),
        node('second', 'approval.request', { title: 'Second', approvers: [{ kind: 'user', user: approver.email }] }),
        node('done', 'control.end'),
      ],
      [edge('start', 'next', 'first'), edge('first', 'approved', 'second'), edge('second', 'approved', 'done')],
    );

  const task = async (runId: string, nodeId: string) => {
    const query = `select task_id, due_at, opened_at from approval_tasks where run_id = $1 and node_id = $2`;
    const row = await waitFor(`the ${nodeId} task`, async () => (await stack.server.db.pool.query(query, [runId, nodeId])).rows[0]);
    return { taskId: row.task_id as string, dueInMs: row.due_at.getTime() - row.opened_at.getTime() };
  };
  const approve = async (taskId: string) =>
    expect((await approver.api.post(`/api/approvals/${encodeURIComponent(taskId)}/decision`, { decision: 'approve' })).status).toBe(200);

  async function changedWorker(): Promise<TestWorker> {
    const { worker, connection } = await createFlowWorker({
      address: inject('temporalAddress'),
      namespace: 'default',
      taskQueue: stack.taskQueue,
      workflowBundle: changedBundle,
      deps: stack.deps,
    });
    const running = worker.run();
    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await connection.close();
      })());
    const w = { worker, running, stop };
    workers.push(w);
    return w;
  }

  it('publishing stores the normalized graph with its format and hash', async () => {
    const { flowId } = await stack.api.publishFlow('frozen', graph());
    const row = (await stack.server.db.pool.query(`select graph, format, content_hash from flow_versions where flow_id = $1`, [flowId]))
      .rows[0];
    expect(row.format).toBe(1);
    expect(row.content_hash).toBe(contentHash(row.graph));
    const first = row.graph.nodes.find((n: { id: string }) => n.id === 'first');
    expect(first.config).toMatchObject({ due: '3d', mode: 'any' });
  });

  it('a run keeps the defaults it was published with when the code that fills them in changes, and replays', async () => {
    const { flowId } = await stack.api.publishFlow('frozen run', graph());
    const before = await startWorker(stack.taskQueue, stack.deps);
    const runId = await stack.api.startRun(flowId);
    const first = await task(runId, 'first');
    expect(first.dueInMs).toBe(3 * DAY);
    await before.stop();

    // The new release: its approval default is 9 d.
    const after = await changedWorker();
    await approve(first.taskId);
    const second = await task(runId, 'second');
    expect(second.dueInMs).toBe(3 * DAY);
    await approve(second.taskId);
    const run = await stack.api.waitForRun(runId);
    expect(run.status).toBe('completed');
    await after.stop();

    const history = await stack.server.temporal.client.workflow.getHandle(run.workflowId).fetchHistory();
    await expect(Worker.runReplayHistory({ workflowBundle: changedBundle }, history, run.workflowId)).resolves.toBeUndefined();
  });

  it('control: the changed code really has the new default (a run with an unfrozen graph gets 9 d)', async () => {
    const { flowId } = await stack.api.publishFlow('unfrozen control', graph());
    const version = (await stack.server.db.pool.query(`select id from flow_versions where flow_id = $1`, [flowId])).rows[0];
    const id = randomUUID();
    await stack.server.db.pool.query(
      `insert into runs (id, flow_id, version_id, version, workflow_id, input) values ($1, $2, $3, 1, $4, '{}')`,
      [id, flowId, version.id, `run-${id}`],
    );
    await changedWorker();
    // The shape a run had before versions were frozen: the raw draft, no hash.
    await stack.server.temporal.client.workflow.start('runFlow', {
      taskQueue: stack.taskQueue,
      workflowId: `run-${id}`,
      args: [{ flowId, versionId: version.id, version: 1, graph: graph(), input: {} }],
    });
    expect((await task(id, 'first')).dueInMs).toBe(9 * DAY);
    await stack.server.temporal.client.workflow.getHandle(`run-${id}`).terminate('control done');
  });

  it("a version published before freezing is frozen on its first run; one today's checks refuse is not run, with the reason", async () => {
    const { flowId } = await stack.api.publishFlow('legacy', graph());
    // As a version from before this change looks: the raw draft, no format, no hash.
    await stack.server.db.pool.query(`update flow_versions set graph = $2, format = null, content_hash = null where flow_id = $1`, [
      flowId,
      JSON.stringify(graph()),
    ]);
    await startWorker(stack.taskQueue, stack.deps).then((w) => workers.push(w));
    const runId = await stack.api.startRun(flowId);
    expect((await task(runId, 'first')).dueInMs).toBe(3 * DAY);
    const row = (await stack.server.db.pool.query(`select graph, format, content_hash from flow_versions where flow_id = $1`, [flowId]))
      .rows[0];
    expect(row).toMatchObject({ format: 1, content_hash: contentHash(row.graph) });
    expect(row.graph.nodes[1].config.due).toBe('3d');

    // A legacy version with a loop through a 0 s delay, which publishing refuses today.
    const busy = flow(
      [node('start', 'trigger.manual'), node('ping', 'control.delay', { duration: '0s' })],
      [edge('start', 'next', 'ping'), edge('ping', 'next', 'ping')],
    );
    const { flowId: busyId } = await stack.api.publishFlow(
      'legacy busy',
      flow([node('start', 'trigger.manual'), node('done', 'control.end')], [edge('start', 'next', 'done')]),
    );
    await stack.server.db.pool.query(`update flow_versions set graph = $2, format = null, content_hash = null where flow_id = $1`, [
      busyId,
      JSON.stringify(busy),
    ]);
    const refused = await stack.api.post(`/api/flows/${busyId}/runs`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/publish the flow again/);
    expect(refused.body.errors[0].message).toMatch(/Loop without a delay/);
  });
});
