/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { startStack, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { launchTestChromium, signIn } from './support/browser.ts';
import { SAFETY_NET_MS, waitFor } from './support/wait-for.ts';
import { EDITOR_TEST_DIST } from '../src/server/start-server.ts';

/** The run view in headless Chromium learns of a decision from its event stream (cookie session), not from polling. */
describe('run view: pushed changes', () => {
  let stack: TestStack;
  let browser: Browser;
  let designer: Awaited<ReturnType<TestStack['user']>>;
  let approver: Awaited<ReturnType<TestStack['user']>>;

  beforeAll(async () => {
    if (!existsSync(`${EDITOR_TEST_DIST}/index.html`))
      throw new Error('editor/dist-test is missing: `npm test` builds it first (npm run build:test -w @flightdeck/editor)');
    stack = await startStack('e2e-run-stream');
    designer = await stack.user('Dana Designer', [{ role: 'designer', department: 'Marketing' }], { department: 'Marketing' });
    approver = await stack.user('Ava Approver', [{ role: 'approver', department: 'Marketing' }], { department: 'Marketing' });
    browser = await launchTestChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('an approval decided elsewhere shows on the open run view through the stream', async () => {
    const graph = flow(
      [
        node('start', 'trigger.manual'),
        node('ask', 'approval.request', { title: 'Launch', approvers: [{ kind: 'user', user: approver.email }], mode: 'any' }),
        node('yes', 'control.end', { status: 'completed', reason: 'approved' }),
        node('no', 'control.end', { status: 'completed', reason: 'rejected' }),
        node('late', 'control.end', { status: 'completed', reason: 'timed out' }),
      ],
      [edge('start', 'next', 'ask'), edge('ask', 'approved', 'yes'), edge('ask', 'rejected', 'no'), edge('ask', 'timed_out', 'late')],
    );
    const { flowId } = await designer.api.publishFlow('pushed run view', graph);
    const runId = await designer.api.startRun(flowId, {});
    await designer.api.waitForNode(runId, 'ask', 'running');
    const task = await waitFor('the task', async () =>
      (await approver.api.get('/api/approvals')).body.items.find((t: { runId: string }) => t.runId === runId),
    );

    const page = await browser.newPage({ locale: 'en-US' });
    page.setDefaultTimeout(SAFETY_NET_MS);
    const runReads: string[] = [];
    let streamOpened = false;
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path === `/api/runs/${runId}`) runReads.push(path);
      if (path === `/api/runs/${runId}/events`) streamOpened = r.resourceType() === 'eventsource';
    });
    const firstEvent = page.waitForResponse((r) => new URL(r.url()).pathname === `/api/runs/${runId}/events`);
    await signIn(page, stack.url, designer.email);
    await page.goto(`${stack.url}/#/runs/${runId}`);
    await expect.poll(async () => page.getByTestId('node-ask').getAttribute('data-status'), { timeout: SAFETY_NET_MS }).toBe('running');
    expect((await firstEvent).headers()['content-type']).toMatch(/^text\/event-stream/);
    expect(streamOpened).toBe(true);
    // With the stream up the view does not poll: whatever reads happened so far, none may follow the decision.
    const readsBefore = runReads.length;

    const decided = await approver.api.post(`/api/approvals/${encodeURIComponent(task.taskId)}/decision`, { decision: 'approve' });
    expect(decided.status).toBe(200);
    await expect.poll(async () => page.getByTestId('node-ask').getAttribute('data-status'), { timeout: SAFETY_NET_MS }).toBe('completed');
    await expect.poll(async () => page.getByTestId('run-status').getAttribute('data-status'), { timeout: SAFETY_NET_MS }).toBe('completed');
    expect(runReads.length).toBe(readsBefore);
    await page.close();
  });
});
