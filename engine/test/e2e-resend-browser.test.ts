/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { launchTestChromium, signIn } from './support/browser.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { SAFETY_NET_MS } from './support/wait-for.ts';
import { startWeCom, type Receiver } from '../../activities/test/channels/receivers.ts';
import { EDITOR_TEST_DIST } from '../src/server/start-server.ts';

/**
 * The run view's Resend, in headless Chromium on the real API, PostgreSQL and Temporal: the run's owner (not an
 * administrator) sees it on an unconfirmed delivery only, is told in Chinese that the message may arrive twice,
 * and the robot gets the message once more.
 */
describe('resending an unconfirmed delivery from the run view', () => {
  let stack: TestStack;
  let browser: Browser;
  let robot: Receiver & { webhookUrl: string };
  let owner: Awaited<ReturnType<TestStack['user']>>;
  let runId = '';

  beforeAll(async () => {
    if (!existsSync(`${EDITOR_TEST_DIST}/index.html`))
      throw new Error('editor/dist-test is missing: `npm test` builds it first (npm run build:test -w @flightdeck/editor)');
    stack = await startStack('e2e-resend');
    robot = await startWeCom('resend-key');
    const ops = await stack.departmentId('Ops');
    owner = await stack.user('Olga Owner', [{ role: 'designer', department: 'Ops' }], { department: 'Ops' });
    const connection = await stack.api.post('/api/connections', {
      kind: 'wecom',
      name: 'Ops robot',
      departmentId: ops,
      secrets: { url: robot.webhookUrl },
    });
    expect(connection.status, JSON.stringify(connection.body)).toBe(201);
    const { flowId } = await owner.api.publishFlow(
      'Announce',
      flow(
        [
          node('start', 'trigger.manual'),
          node('send', 'channel.send', { connection: connection.body.id, text: '618 开场' }),
          node('done', 'control.end'),
        ],
        [edge('start', 'next', 'send'), edge('send', 'sent', 'done')],
      ),
    );
    runId = await owner.api.startRun(flowId, {});
    await stack.api.waitForRun(runId);
    expect(robot.requests).toHaveLength(1);
    // What a worker killed between the provider's answer and the ledger's leaves behind (channels-crash.test.ts
    // kills one for real): the row the real attempt claimed, with the message it recorded, now unconfirmed.
    await stack.server.db.pool.query(
      `update deliveries set status = 'unconfirmed', error = 'Unconfirmed: the worker stopped' where run_id = $1`,
      [`run-${runId}`],
    );
    expect((await owner.api.put('/api/me/preferences', { locale: 'zh-CN' })).status).toBe(200);
    browser = await launchTestChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await robot?.close();
    await stack?.close();
  });

  it('the owner confirms the warning and the robot gets the same message once more', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    ctx.setDefaultTimeout(SAFETY_NET_MS);
    const p = await ctx.newPage();
    try {
      await signIn(p, stack.url, owner.email);
      await p.goto(`${stack.url}/#/runs/${runId}`);
      const row = p.locator('[data-testid="delivery-row"][data-status="unconfirmed"]');
      await row.waitFor();
      await row.getByTestId('delivery-resend').click();
      const dialog = p.getByTestId('resend-dialog');
      await dialog.waitFor();
      expect(await dialog.getByTestId('resend-warning').innerText()).toContain('可能会收到两次');
      await dialog.getByTestId('resend-confirm').click();
      await expect.poll(() => dialog.count(), { timeout: SAFETY_NET_MS }).toBe(0);
      await p.locator('[data-testid="delivery-row"][data-status="sent"]').waitFor();
      // Resent once: the button is gone from the original, which stays unconfirmed.
      expect(await p.getByTestId('delivery-resend').count()).toBe(0);
    } finally {
      await ctx.close();
    }
    expect(robot.requests).toHaveLength(2);
    expect(robot.requests[1]!.body).toBe(robot.requests[0]!.body);
  });
});
