import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startStack, type TestStack } from './support/stack.ts';
import { startSmtp } from './support/smtp.ts';
import { waitFor } from './support/wait-for.ts';

const scenario = (name: string) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../seed/${name}.campaign.json`, import.meta.url)), 'utf8'));

/** The "Standard launch approval" template against the scenario campaigns, with the people a 618 launch really involves. */
describe('Standard launch approval template', () => {
  let stack: TestStack;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let people: Record<'designer' | 'brand' | 'legal' | 'ecomHead' | 'crmHead' | 'finance', Awaited<ReturnType<TestStack['user']>>>;

  beforeAll(async () => {
    smtp = await startSmtp();
    stack = await startStack('template', { smtpUrl: smtp.url });
    people = {
      designer: await stack.user(
        'Dana Designer',
        [
          { role: 'designer', department: 'E-commerce' },
          { role: 'designer', department: 'CRM' },
        ],
        { department: 'E-commerce' },
      ),
      brand: await stack.user('Bella Brand', [{ role: 'approver', department: 'Brand' }], { department: 'Brand' }),
      legal: await stack.user('Leo Legal', [{ role: 'approver', department: 'Legal' }], { department: 'Legal' }),
      ecomHead: await stack.user('Evan Head', [{ role: 'approver', department: 'E-commerce' }], {
        department: 'E-commerce',
        head: 'E-commerce',
      }),
      crmHead: await stack.user('Cora Head', [{ role: 'approver', department: 'CRM' }], { department: 'CRM', head: 'CRM' }),
      finance: await stack.user('Fiona Finance', [{ role: 'approver', department: 'Finance' }], { department: 'Finance', head: 'Finance' }),
    };
  });
  afterAll(async () => {
    await stack?.close();
    await smtp?.close();
  });

  async function decide(who: keyof typeof people, runId: string, nodeId: string, decision: 'approve' | 'reject', comment?: string) {
    // Awaited until it shows up (a count of polls was a hidden ten-second bound).
    const task = await waitFor(`${nodeId} in ${who}'s inbox`, async () => {
      const inbox = await people[who].api.get('/api/approvals');
      return inbox.body.items.find((t: { runId: string; nodeId: string }) => t.runId === runId && t.nodeId === nodeId);
    });
    const path = `/api/approvals/${encodeURIComponent(task.taskId)}/decision`;
    const res = await people[who].api.post(path, { decision, ...(comment ? { comment } : {}) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return task;
  }

  async function setUp(file: string) {
    const imported = await people.designer.api.post('/api/campaigns/import', scenario(file));
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    const created = await people.designer.api.post('/api/templates/standard-launch-approval/flows', {
      departmentId: imported.body.departmentId,
      name: `Launch approval, ${file}`,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.issues).toEqual([]);
    expect((await people.designer.api.post(`/api/flows/${created.body.id}/versions`, {})).status).toBe(201);
    return { campaign: imported.body, flowId: created.body.id as string };
  }

  it('618 (budget 1.2 M): brand and legal in parallel, the head, then finance; the campaign ends approved', async () => {
    const { campaign, flowId } = await setUp('s618-new-product-launch');
    expect(campaign).toMatchObject({
      name: expect.stringContaining('618'),
      department: 'E-commerce',
      status: 'draft',
      budget: { total: 1200000, contingencyRatio: 0.1 },
    });
    const runId = await people.designer.api.startRun(flowId, {}, campaign.id);

    // Both reviews are open at the same time.
    const [brandTask, legalTask] = await Promise.all([
      decide('brand', runId, 'brand_review', 'approve'),
      decide('legal', runId, 'legal_review', 'approve', 'Promotion terms checked'),
    ]);
    expect(brandTask.campaign.budget.total).toBe(1200000);
    expect(legalTask.campaign.phases.map((p: { name: string }) => p.name)).toEqual(['warm_up', 'burst', 'return']);
    expect((await stack.api.get(`/api/campaigns/${campaign.id}`)).body.status).toBe('pending_approval');

    const headTask = await decide('ecomHead', runId, 'head_approval', 'approve');
    expect(headTask.previous.map((p: { title: string }) => p.title).sort()).toEqual([
      expect.stringContaining('Brand review'),
      expect.stringContaining('Legal and compliance'),
    ]);
    await decide('finance', runId, 'finance_approval', 'approve');

    const run = await people.designer.api.waitForRun(runId);
    expect(run.status).toBe('completed');
    expect(run.state.nodes.reviews_done).toMatchObject({ status: 'completed', executions: 1 });
    expect(run.state.nodes.tell_rejected.status).toBe('skipped');
    expect((await stack.api.get(`/api/campaigns/${campaign.id}`)).body.status).toBe('approved');

    // The audit log tells the story: who approved what, and the status changes.
    const audit = await stack.api.get('/api/audit?limit=200');
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a === 'approval.approved')).toHaveLength(4);
    expect(
      audit.body.items
        .filter((e: { action: string; entityId: string }) => e.action === 'campaign.status_changed' && e.entityId === campaign.id)
        .map((e: { after: { status: string } }) => e.after.status),
    ).toEqual(['approved', 'pending_approval']);
  });

  it('loyalty (budget 150 k): no finance level; a legal rejection tells the owner and returns the campaign to draft', async () => {
    const { campaign, flowId } = await setUp('loyalty-repurchase');
    const before = smtp.mails.length;
    const runId = await people.designer.api.startRun(flowId, {}, campaign.id);
    await decide('legal', runId, 'legal_review', 'reject', 'SMS opt-out wording is missing');
    const run = await people.designer.api.waitForRun(runId);
    expect(run.status).toBe('failed');
    expect(run.reason).toContain('not approved');
    expect(run.state.nodes.finance_approval.status).toBe('skipped');
    expect(run.state.nodes.head_approval.status).toBe('skipped');
    expect(run.state.nodes.tell_rejected.status).toBe('completed');
    expect((await stack.api.get(`/api/campaigns/${campaign.id}`)).body.status).toBe('draft');
    const toOwner = smtp.mails.slice(before).find((m) => m.subject.includes('rejected'));
    expect(toOwner?.to[0]).toBe(people.designer.email);
    expect(toOwner?.text).toContain('Member repurchase drive');
  });
});
