import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { waitFor } from './support/wait-for.ts';

/** A join in `any` mode on the real stack: the losing branch's approval closes, with the reason, and leaves the inbox. */
describe('join any cancels the slower branch', () => {
  let stack: TestStack;
  let designer: Awaited<ReturnType<TestStack['user']>>;
  let legal: Awaited<ReturnType<TestStack['user']>>;
  let brand: Awaited<ReturnType<TestStack['user']>>;

  beforeAll(async () => {
    stack = await startStack('join-any-cancel');
    designer = await stack.user('Dana Designer', [{ role: 'designer', department: 'Marketing' }], { department: 'Marketing' });
    legal = await stack.user('Leo Legal', [{ role: 'approver', department: 'Marketing' }], { department: 'Marketing' });
    brand = await stack.user('Bella Brand', [{ role: 'approver', department: 'Marketing' }], { department: 'Marketing' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const raceFlow = () =>
    flow(
      [
        node('start', 'trigger.manual'),
        node('split', 'control.parallel', { branches: ['legal', 'brand'] }),
        node('ask_legal', 'approval.request', { title: 'Legal review', approvers: [{ kind: 'user', user: legal.email }], due: '3d' }),
        node('ask_brand', 'approval.request', { title: 'Brand review', approvers: [{ kind: 'user', user: brand.email }], due: '3d' }),
        node('first', 'control.join', { mode: 'any' }),
        node('done', 'control.end', { status: 'completed', reason: 'one review was enough' }),
      ],
      [
        edge('start', 'next', 'split'),
        edge('split', 'legal', 'ask_legal'),
        edge('split', 'brand', 'ask_brand'),
        edge('ask_legal', 'approved', 'first'),
        edge('ask_brand', 'approved', 'first'),
        edge('first', 'next', 'done'),
      ],
    );

  const inboxOf = async (who: { api: TestStack['api'] }, runId: string, status: 'open' | 'closed') =>
    ((await who.api.get(`/api/approvals?status=${status}`)).body.items as { runId: string; nodeId: string; taskId: string }[]).filter(
      (t) => t.runId === runId,
    );

  it("the losing branch's approval is closed as cancelled with the reason and no longer listed in the inbox", async () => {
    const created = await designer.api.post('/api/flows', { name: 'review race', graph: raceFlow() });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await designer.api.post(`/api/flows/${created.body.id}/versions`, {})).status).toBe(201);
    const runId = await designer.api.startRun(created.body.id, {});
    // Both are asked; Bella's task waits in her inbox.
    const legalTask = await waitFor('the legal task in the inbox', async () => (await inboxOf(legal, runId, 'open'))[0]);
    await waitFor('the brand task in the inbox', async () => (await inboxOf(brand, runId, 'open'))[0]);

    const decided = await legal.api.post(`/api/approvals/${encodeURIComponent(legalTask.taskId)}/decision`, {
      decision: 'approve',
    });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    const run = await designer.api.waitForRun(runId);
    expect(run.status).toBe('completed');
    expect(run.state.nodes.ask_brand).toMatchObject({
      status: 'cancelled',
      detail: { status: 'cancelled', closedReason: 'another branch finished first' },
    });

    // The run ends only after the mirror wrote the close, so the inbox reads it at once.
    expect(await inboxOf(brand, runId, 'open')).toEqual([]);
    const closed = await inboxOf(brand, runId, 'closed');
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({
      nodeId: 'ask_brand',
      status: 'cancelled',
      task: { status: 'cancelled', closedReason: 'another branch finished first' },
    });
    // A late decision on it is refused as on any closed task.
    const late = await brand.api.post(`/api/approvals/${encodeURIComponent(closed[0]!.taskId)}/decision`, {
      decision: 'approve',
    });
    expect(late.status).toBe(409);
  });
});
