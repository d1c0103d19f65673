/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { heldDecisions } from '../src/db/schema.ts';
import { launchTestChromium, signIn } from './support/browser.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { SAFETY_NET_MS, waitFor } from './support/wait-for.ts';
import { EDITOR_TEST_DIST } from '../src/server/start-server.ts';

const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

/**
 * A decision the run could not take yet (its worker was down), in headless Chromium on the real API, PostgreSQL and
 * Temporal: the approver's card says it is kept instead of offering the buttons again, and the card leaves once the
 * server's next send is taken.
 */
describe('a held decision in the inbox', () => {
  let stack: TestStack;
  let browser: Browser;
  let approver: Awaited<ReturnType<TestStack['user']>>;
  let runId = '';
  let taskId = '';

  beforeAll(async () => {
    if (!existsSync(`${EDITOR_TEST_DIST}/index.html`))
      throw new Error('editor/dist-test is missing: `npm test` builds it first (npm run build:test -w @flightdeck/editor)');
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStack('e2e-held');
    approver = await stack.user('Omar Approver', [{ role: 'approver', department: 'Ops' }], { department: 'Ops' });
    const { flowId } = await stack.api.publishFlow(
      'Held decision',
      flow(
        [
          node('start', 'trigger.manual'),
          node('ask', 'approval.request', {
            title: 'Launch the spring sale',
            approvers: [{ kind: 'user', user: approver.email }],
            due: '1h',
          }),
          node('yes', 'control.end', { status: 'completed', reason: 'approved' }),
          node('no', 'control.end', { status: 'completed', reason: 'rejected' }),
        ],
        [edge('start', 'next', 'ask'), edge('ask', 'approved', 'yes'), edge('ask', 'rejected', 'no'), edge('ask', 'timed_out', 'no')],
      ),
    );
    runId = await stack.api.startRun(flowId);
    const task = await waitFor('the task in the inbox', async () =>
      (await approver.api.get('/api/approvals')).body.items.find((t: { runId: string }) => t.runId === runId),
    );
    taskId = task.taskId;
    browser = await launchTestChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('says the decision is kept, offers no second one, and leaves when the run takes it', async () => {
    // What a 503 leaves: the held row. Its next send is put off so that the card can be read first.
    const db = stack.server.db.db;
    const updateId = `decision/${randomUUID()}`;
    await db.insert(heldDecisions).values({
      updateId,
      taskId,
      userId: approver.id,
      decision: 'approve',
      comment: null,
      actor: { id: approver.id, name: 'Omar Approver', email: approver.email, via: 'session' },
      nextTryAt: new Date(Date.now() + 3_600_000),
    });
    const ctx = await browser.newContext({ viewport: { width: 420, height: 900 } });
    ctx.setDefaultTimeout(SAFETY_NET_MS);
    const p = await ctx.newPage();
    try {
      await signIn(p, stack.url, approver.email);
      await p.getByTestId('nav-inbox').click();
      const card = p.getByTestId('inbox-item-ask');
      await card.getByTestId('inbox-item-held').waitFor();
      expect(await card.getByTestId('inbox-item-held').innerText()).toMatch(/Your decision \(Approve, .+\) is kept/);
      expect(await card.getByTestId('approve-ask').count()).toBe(0);
      await p.screenshot({ path: `${SHOTS}held-decision.png`, fullPage: true });

      await db
        .update(heldDecisions)
        .set({ nextTryAt: new Date(0) })
        .where(eq(heldDecisions.updateId, updateId));
      await expect.poll(() => card.count(), { timeout: SAFETY_NET_MS }).toBe(0);
    } finally {
      await ctx.close();
    }
    const run = await stack.api.waitForRun(runId);
    expect(run.state.nodes.ask.handle).toBe('approved');
  });
});
