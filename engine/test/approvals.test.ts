import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, startWorker, type TestStack } from './support/stack.ts';
import { startSmtp, linksIn } from './support/smtp.ts';
import { edge, flow, node } from './support/flows.ts';
import { eq } from 'drizzle-orm';
import { linkSigner } from '../src/auth/links.ts';
import { usedLinkTokens } from '../src/db/schema.ts';

/** Approvals for real: PostgreSQL inbox, Temporal Updates and timers, a real SMTP server for the links. */
describe('approvals', () => {
  let stack: TestStack;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let designer: Awaited<ReturnType<TestStack['user']>>;
  const approvers: Awaited<ReturnType<TestStack['user']>>[] = [];

  beforeAll(async () => {
    smtp = await startSmtp();
    stack = await startStack('approvals', { smtpUrl: smtp.url });
    designer = await stack.user('Dana Designer', [{ role: 'designer', department: 'Marketing' }], { department: 'Marketing' });
    for (const name of ['Ava', 'Ben', 'Cy']) approvers.push(await stack.user(`${name} Approver`, [{ role: 'approver', department: 'Marketing' }], { department: 'Marketing' }));
  });
  afterAll(async () => {
    await stack?.close();
    await smtp?.close();
  });

  const approvalFlow = (config: Record<string, unknown>) =>
    flow(
      [
        node('start', 'trigger.manual'),
        node('ask', 'approval.request', { title: 'Launch {{ input.name }}', ...config }),
        node('yes', 'control.end', { status: 'completed', reason: 'approved' }),
        node('no', 'control.end', { status: 'completed', reason: 'rejected' }),
        node('late', 'control.end', { status: 'completed', reason: 'timed out' }),
      ],
      [edge('start', 'next', 'ask'), edge('ask', 'approved', 'yes'), edge('ask', 'rejected', 'no'), edge('ask', 'timed_out', 'late')],
    );
  const users = (...people: { email: string }[]) => people.map((p) => ({ kind: 'user', user: p.email }));

  async function startAsDesigner(config: Record<string, unknown>, name = 'test', waitUntilAsked = true) {
    const created = await designer.api.post('/api/flows', { name: `approval ${name}`, graph: approvalFlow(config) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await designer.api.post(`/api/flows/${created.body.id}/versions`, {})).status).toBe(201);
    const runId = await designer.api.startRun(created.body.id, { name });
    if (waitUntilAsked) await designer.api.waitForNode(runId, 'ask', 'running');
    return runId;
  }

  async function taskOf(runId: string, who: { api: TestStack['api'] }) {
    // A deadline generous enough for a busy machine; the loop ends as soon as the task shows up.
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      const inbox = await who.api.get('/api/approvals');
      const item = inbox.body.items.find((t: { runId: string }) => t.runId === runId);
      if (item) return item;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('task never reached the inbox');
  }

  it('any: the first decision counts, and the inbox shows the task with its context', async () => {
    const runId = await startAsDesigner({ approvers: users(approvers[0]!, approvers[1]!), mode: 'any' }, 'any');
    const task = await taskOf(runId, approvers[1]!);
    expect(task.title).toBe('Launch any');
    expect(task.task.eligible.map((p: { name: string }) => p.name).sort()).toEqual(['Ava Approver', 'Ben Approver']);
    const decided = await approvers[1]!.api.post(`/api/approvals/${encodeURIComponent(task.taskId)}/decision`, { decision: 'approve', comment: 'Looks good' });
    expect(decided.status).toBe(200);
    expect(decided.body.task.status).toBe('approved');
    const run = await designer.api.waitForRun(runId);
    expect(run.state.nodes.ask).toMatchObject({ status: 'completed', handle: 'approved' });
    expect(run.state.nodes.ask.detail.votes[0]).toMatchObject({ name: 'Ben Approver', decision: 'approve', comment: 'Looks good' });
    expect(run.state.nodes.yes.status).toBe('completed');
    // The late second approver finds it closed.
    const late = await approvers[0]!.api.post(`/api/approvals/${encodeURIComponent(task.taskId)}/decision`, { decision: 'approve' });
    expect(late.status).toBe(409);
  });

  it('all: everyone must approve; one rejection rejects', async () => {
    const runId = await startAsDesigner({ approvers: users(approvers[0]!, approvers[1]!), mode: 'all' }, 'all');
    const task = await taskOf(runId, approvers[0]!);
    const path = `/api/approvals/${encodeURIComponent(task.taskId)}/decision`;
    expect((await approvers[0]!.api.post(path, { decision: 'approve' })).body.task.status).toBe('open');
    const rejected = await approvers[1]!.api.post(path, { decision: 'reject', comment: 'Budget line for KOL is too high' });
    expect(rejected.body.task.status).toBe('rejected');
    const run = await designer.api.waitForRun(runId);
    expect(run.state.nodes.ask.handle).toBe('rejected');
    expect(run.state.nodes.no.status).toBe('completed');
  });

  it('quorum 2 of 3: two approvals approve, a duplicate vote is refused', async () => {
    const runId = await startAsDesigner({ approvers: users(...approvers), mode: 'quorum', quorum: { count: 2 } }, 'quorum');
    const task = await taskOf(runId, approvers[2]!);
    expect(task.task.needed).toBe(2);
    const path = `/api/approvals/${encodeURIComponent(task.taskId)}/decision`;
    expect((await approvers[0]!.api.post(path, { decision: 'approve' })).status).toBe(200);
    const again = await approvers[0]!.api.post(path, { decision: 'approve' });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/already decided/);
    expect((await approvers[2]!.api.post(path, { decision: 'approve' })).body.task.status).toBe('approved');
    expect((await designer.api.waitForRun(runId)).state.nodes.ask.handle).toBe('approved');
  });

  it('separation of duties, ineligible approvers and a rejection without a comment are refused with reasons', async () => {
    // The designer is also an approver by role, but requested this run.
    const runId = await startAsDesigner({ approvers: [...users(designer, approvers[0]!)], mode: 'any' }, 'sod');
    const task = await taskOf(runId, approvers[0]!);
    expect(task.task.excluded).toEqual([expect.objectContaining({ name: 'Dana Designer', reason: 'requested this run' })]);
    const path = `/api/approvals/${encodeURIComponent(task.taskId)}/decision`;
    const own = await designer.api.post(path, { decision: 'approve' });
    expect(own.status).toBe(403);
    expect(own.body.detail).toMatch(/separation of duties/);
    const stranger = await approvers[2]!.api.post(path, { decision: 'approve' });
    expect(stranger.status).toBe(403);
    const noComment = await approvers[0]!.api.post(path, { decision: 'reject' });
    expect(noComment.status).toBe(422);
    expect(noComment.body.errors[0].path).toBe('comment');
    // None of those refusals reached the run's history as a vote.
    const still = await designer.api.get(`/api/runs/${runId}`);
    expect(still.body.state.nodes.ask.detail.votes).toEqual([]);
    expect((await approvers[0]!.api.post(path, { decision: 'reject', comment: 'Claims need legal proof' })).body.task.status).toBe('rejected');
  });

  it('reminders every second until due, then the timed_out branch', async () => {
    const before = smtp.mails.length;
    // Reminders are real timers on the dev server; a due well past two of them leaves a slow worker room (virtual-time
    // cases of the same rules are in workflows/test/approval.test.ts).
    const runId = await startAsDesigner({ approvers: users(approvers[0]!), due: '6s', remindEvery: '1s', onTimeout: 'branch' }, 'remind');
    const run = await designer.api.waitForRun(runId, 60_000);
    expect(run.state.nodes.ask.handle).toBe('timed_out');
    expect(run.state.nodes.late.status).toBe('completed');
    expect(run.state.nodes.ask.detail.reminders.length).toBeGreaterThanOrEqual(2);
    const mails = smtp.mails.slice(before).filter((m) => m.subject.includes('Launch remind'));
    expect(mails.filter((m) => m.subject.startsWith('Reminder')).length).toBeGreaterThanOrEqual(2);
  });

  it('auto-approves when due, if so configured', async () => {
    const runId = await startAsDesigner({ approvers: users(approvers[0]!), due: '1s', onTimeout: 'auto_approve' }, 'auto', false);
    const run = await designer.api.waitForRun(runId, 60_000);
    expect(run.state.nodes.ask).toMatchObject({ handle: 'approved', output: { autoDecided: true } });
  });

  it('escalates to a second approver when the first does not answer', async () => {
    const runId = await startAsDesigner({ approvers: users(approvers[0]!), due: '3s', onTimeout: 'escalate', escalateTo: users(approvers[1]!), maxEscalations: 1 }, 'escalate');
    // Ben is not asked at first… (a look is only evidence if it ended before the due time; a busy machine may be later)
    const early = await approvers[1]!.api.get('/api/approvals');
    const lookedBy = Date.now();
    // …and is, once the due time passes.
    const task = await taskOf(runId, approvers[1]!);
    expect(task.task.level).toBe(2);
    expect(task.task.escalations[0].to[0].name).toBe('Ben Approver');
    // The escalation, the only way Ben is asked, came at the due time and not before: this holds however late we looked.
    // (The task's dueAt is the second level's by now; the first level's was 3 s after it opened.)
    const firstDue = Date.parse(task.task.openedAt) + 3_000;
    expect(Date.parse(task.task.escalations[0].at)).toBeGreaterThanOrEqual(firstDue);
    if (lookedBy < firstDue) expect(early.body.items.some((t: { runId: string }) => t.runId === runId)).toBe(false);
    const lateFirst = await approvers[0]!.api.post(`/api/approvals/${encodeURIComponent(task.taskId)}/decision`, { decision: 'approve' });
    expect(lateFirst.status).toBe(403);
    expect((await approvers[1]!.api.post(`/api/approvals/${encodeURIComponent(task.taskId)}/decision`, { decision: 'approve' })).body.task.status).toBe('approved');
    expect((await designer.api.waitForRun(runId)).state.nodes.ask.handle).toBe('approved');
  });

  it('a decision is accepted after the worker restarts while the task is pending', async () => {
    const runId = await startAsDesigner({ approvers: users(approvers[0]!), due: '1h' }, 'restart');
    const task = await taskOf(runId, approvers[0]!);
    await stack.worker.stop();
    stack.worker = await startWorker(stack.taskQueue, stack.deps);
    const decided = await approvers[0]!.api.post(`/api/approvals/${encodeURIComponent(task.taskId)}/decision`, { decision: 'approve' });
    expect(decided.status).toBe(200);
    expect((await designer.api.waitForRun(runId)).state.nodes.ask.handle).toBe('approved');
  });

  it('one-click e-mail links: GET only confirms, POST decides once; replayed, expired and tampered links are refused', async () => {
    const before = smtp.mails.length;
    const runId = await startAsDesigner({ approvers: users(approvers[2]!), due: '1h' }, 'email');
    await taskOf(runId, approvers[2]!);
    let mail;
    for (const deadline = Date.now() + 60_000; !mail && Date.now() < deadline; ) {
      mail = smtp.mails.slice(before).find((m) => m.to.includes(approvers[2]!.email) && m.subject.includes('Launch email'));
      if (!mail) await new Promise((r) => setTimeout(r, 100));
    }
    expect(mail).toBeDefined();
    const { approve, reject } = linksIn(mail!);
    expect(approve.startsWith(stack.url + '/approve?token=')).toBe(true);

    // A scanner's GET decides nothing.
    const page = await fetch(approve);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<form method="post" action="/approve">');
    expect((await designer.api.get(`/api/runs/${runId}`)).body.state.nodes.ask.detail.votes).toEqual([]);

    const token = new URL(approve).searchParams.get('token')!;
    const tampered = token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA');
    expect((await fetch(`${stack.url}/approve?token=${tampered}`)).status).toBe(400);
    const post = (t: string, comment = '') => fetch(`${stack.url}/approve`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: t, comment }) });
    expect((await post(tampered)).status).toBe(400);

    const expired = await linkSigner(stack.secret).sign({ taskId: 'x', userId: approvers[2]!.id, decision: 'approve' }, -60);
    expect((await fetch(`${stack.url}/approve?token=${expired}`)).status).toBe(410);
    expect((await post(expired)).status).toBe(410);

    // Rejecting from the mail needs a comment too.
    expect((await post(new URL(reject).searchParams.get('token')!)).status).toBe(422);

    const ok = await post(token);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Approved');
    const replay = await post(token);
    expect(replay.status).toBe(409);
    const run = await designer.api.waitForRun(runId);
    expect(run.state.nodes.ask.detail.votes).toEqual([expect.objectContaining({ name: 'Cy Approver', decision: 'approve' })]);

    const audit = await stack.api.get(`/api/audit?entityType=approval`);
    expect(audit.body.items.some((e: { actor: string; action: string }) => e.action === 'approval.approved' && e.actor.includes('(e-mail link)'))).toBe(true);
  });

  it('a refused one-click decision leaves the link usable; only an accepted decision uses it up', async () => {
    const signer = linkSigner(stack.secret);
    const post = (t: string, comment = '') => fetch(`${stack.url}/approve`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: t, comment }) });
    const used = async (t: string) => (await stack.server.db.db.select().from(usedLinkTokens).where(eq(usedLinkTokens.jti, (await signer.verify(t)).jti))).length > 0;

    // Closed by someone else first: refused, and the link is not marked used.
    const anyRun = await startAsDesigner({ approvers: users(approvers[0]!, approvers[1]!), mode: 'any', due: '1h' }, 'link-closed');
    const anyTask = await taskOf(anyRun, approvers[0]!);
    const avaLink = await signer.sign({ taskId: anyTask.taskId, userId: approvers[0]!.id, decision: 'approve' }, 3600);
    expect((await approvers[1]!.api.post(`/api/approvals/${encodeURIComponent(anyTask.taskId)}/decision`, { decision: 'approve' })).status).toBe(200);
    const closed = await post(avaLink);
    expect(closed.status).toBe(409);
    expect(await closed.text()).toContain("Cannot decide now");
    expect(await used(avaLink)).toBe(false);

    // Not eligible yet (Ben is asked only after the escalation): refused, not used up, and it works once he is asked.
    const runId = await startAsDesigner({ approvers: users(approvers[0]!), due: '8s', onTimeout: 'escalate', escalateTo: users(approvers[1]!), maxEscalations: 1 }, 'link-escalate');
    const first = await taskOf(runId, approvers[0]!);
    const benLink = await signer.sign({ taskId: first.taskId, userId: approvers[1]!.id, decision: 'approve' }, 3600);
    // Before the due time Ben's link is refused and not used up. A very busy machine may only get the request in after
    // the escalation, when accepting it is right; that is only allowed once the due time has passed.
    const dueAt = Date.parse(first.task.dueAt);
    const early = await post(benLink);
    let accepted = early;
    if (early.status !== 200 || Date.now() < dueAt) {
      expect(early.status).toBe(403);
      expect(await used(benLink)).toBe(false);
      await taskOf(runId, approvers[1]!);
      accepted = await post(benLink);
    }
    expect(accepted.status).toBe(200);
    expect(await used(benLink)).toBe(true);
    expect((await post(benLink)).status).toBe(409);
    expect((await designer.api.waitForRun(runId)).state.nodes.ask.handle).toBe('approved');
  });
});
