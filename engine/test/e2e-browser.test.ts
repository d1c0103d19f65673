/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startStack, TEST_PASSWORD, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { startWeCom } from '../../activities/test/channels/receivers.ts';
import { startReceiver } from './support/receiver.ts';
import { SAFETY_NET_MS } from './support/wait-for.ts';
import { EDITOR_TEST_DIST } from '../src/server/start-server.ts';
import { toZonedInput } from '../../editor/src/components/zonedTime.ts';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

/** A designer's first five minutes, in headless Chromium: draw trigger → webhook → end, publish, run, watch it complete. */
describe('editor end to end', () => {
  let stack: TestStack;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let browser: Browser;
  let page: Page;
  let designer: Awaited<ReturnType<TestStack['user']>>;

  beforeAll(async () => {
    if (!existsSync(`${EDITOR_TEST_DIST}/index.html`))
      throw new Error('editor/dist-test is missing: `npm test` builds it first (npm run build:test -w @flightdeck/editor)');
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`);
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStack('e2e');
    designer = await stack.user('Dana Designer', [{ role: 'designer', department: 'Marketing' }], { department: 'Marketing' });
    receiver = await startReceiver(() => ({ status: 200, body: { received: true } }));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await newPage({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await stack?.close();
  });

  /** Playwright's 30 s action timeouts are hang guards too: a page on a busy machine gets the suite's safety net. */
  async function newPage(opts: Parameters<Browser['newPage']>[0]): Promise<Page> {
    const p = await browser.newPage(opts);
    p.setDefaultTimeout(SAFETY_NET_MS);
    return p;
  }

  async function dragFromPalette(type: string, x: number, y: number) {
    const canvas = page.getByTestId('canvas');
    const box = (await canvas.boundingBox())!;
    await page
      .getByTestId(`palette-${type}`)
      .dragTo(canvas, { targetPosition: { x: Math.min(x, box.width - 40), y: Math.min(y, box.height - 40) } });
  }

  async function connect(sourceId: string, handle: string, targetId: string) {
    const source = page.locator(`[data-testid="node-${sourceId}"] .react-flow__handle.source[data-handleid="${handle}"]`);
    const target = page.locator(`[data-testid="node-${targetId}"] .react-flow__handle.target`);
    const s = (await source.boundingBox())!;
    const t = (await target.boundingBox())!;
    await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2);
    await page.mouse.down();
    await page.mouse.move((s.x + t.x) / 2, (s.y + t.y) / 2, { steps: 5 });
    await page.mouse.move(t.x + t.width / 2, t.y + t.height / 2, { steps: 5 });
    await page.mouse.up();
  }

  async function signIn(p: Page, email: string) {
    await p.goto(`${stack.url}/#/signin`);
    await p.getByTestId('signin-email').fill(email);
    await p.getByTestId('signin-password').fill(TEST_PASSWORD);
    await p.getByTestId('signin-submit').click();
    await p.getByTestId('signout').waitFor();
  }

  it('draws, publishes and runs a flow, and shows every node completed', async () => {
    await signIn(page, designer.email);
    await page.goto(stack.url);
    await page.getByTestId('new-flow').click();
    await page.getByTestId('new-flow-name').fill('Launch announcement');
    await page.getByTestId('new-flow-create').click();
    await page.getByTestId('canvas').waitFor();
    const trigger = page.locator('[data-type="trigger.manual"]');
    await trigger.waitFor();
    const triggerId = (await trigger.getAttribute('data-testid'))!.replace('node-', '');

    // Real drag and drop from the palette.
    await dragFromPalette('channel.webhook', 520, 200);
    await dragFromPalette('control.end', 900, 200);
    const webhookId = (await page.locator('[data-type="channel.webhook"]').getAttribute('data-testid'))!.replace('node-', '');
    const endId = (await page.locator('[data-type="control.end"]').getAttribute('data-testid'))!.replace('node-', '');

    // Before the edges exist the validator paints the new nodes as unreachable.
    await expect.poll(async () => page.getByTestId('problems-count').innerText(), { timeout: SAFETY_NET_MS }).not.toMatch(/^0\b/);

    await connect(triggerId, 'next', webhookId);
    await connect(webhookId, 'sent', endId);
    const edges = await page.evaluate(() =>
      (window as any).__flightdeck
        .getFlow()
        .edges.map((e: { source: string; sourceHandle: string; target: string }) => `${e.source}:${e.sourceHandle}->${e.target}`),
    );
    expect(edges.sort()).toEqual([`${triggerId}:next->${webhookId}`, `${webhookId}:sent->${endId}`].sort());

    // Configure the webhook in the inspector, through its schema-generated form.
    await page.getByTestId(`node-${webhookId}`).click();
    await page.getByTestId('field-url').fill(`${receiver.url}/launch`);
    await page.getByTestId('field-url').blur();
    await expect.poll(async () => page.evaluate(() => (window as any).__flightdeck.getIssues().length), { timeout: SAFETY_NET_MS }).toBe(0);

    await page.getByTestId('save-flow').click();
    await page.getByTestId('publish-flow').click();
    await expect.poll(async () => page.getByTestId('latest-version').innerText(), { timeout: SAFETY_NET_MS }).toMatch(/1/);

    await page.getByTestId('run-flow').click();
    await page.getByTestId('run-input').fill('{"campaign": "s618", "budget": 1200000}');
    await page.getByTestId('run-start').click();

    const status = page.getByTestId('run-status');
    await expect.poll(async () => status.getAttribute('data-status'), { timeout: SAFETY_NET_MS }).toBe('completed');
    for (const id of [triggerId, webhookId, endId]) {
      await expect
        .poll(async () => page.getByTestId(`node-${id}`).getAttribute('data-status'), { timeout: SAFETY_NET_MS })
        .toBe('completed');
    }
    expect(receiver.calls).toHaveLength(1);
    expect(receiver.calls[0]!.path).toBe('/launch');
    await page.screenshot({ path: `${SHOTS}run-view.png` });

    // The output and timing of a node are one click away.
    await page.getByTestId(`node-${webhookId}`).click();
    await expect.poll(async () => page.getByTestId('run-node-output').innerText(), { timeout: SAFETY_NET_MS }).toContain('received');

    // The language switch turns the whole UI to Chinese.
    await page.getByTestId('lang-switch').click();
    await expect.poll(async () => page.evaluate(() => document.documentElement.lang), { timeout: SAFETY_NET_MS }).toBe('zh-CN');
    await page.screenshot({ path: `${SHOTS}run-view-zh.png` });
  });

  it('an approver signs in on a phone, approves from the inbox, and the run moves on', async () => {
    const approver = await stack.user('Bella Brand', [{ role: 'approver', department: 'Marketing' }], { department: 'Marketing' });
    const graph = flow(
      [
        node('start', 'trigger.manual'),
        node('brand', 'approval.request', {
          title: 'Brand review: spring sale',
          approvers: [{ kind: 'user', user: approver.email }],
          due: '1h',
        }),
        node('go', 'channel.webhook', { url: `${receiver.url}/go` }),
        node('done', 'control.end'),
        node('stop', 'control.end', { status: 'failed' }),
      ],
      [
        edge('start', 'next', 'brand'),
        edge('brand', 'approved', 'go'),
        edge('go', 'sent', 'done'),
        edge('brand', 'rejected', 'stop'),
        edge('brand', 'timed_out', 'stop'),
      ],
    );
    const created = await designer.api.post('/api/flows', { name: 'Spring sale approval', graph });
    await designer.api.post(`/api/flows/${created.body.id}/versions`, {});
    const runId = await designer.api.startRun(created.body.id);
    await designer.api.waitForNode(runId, 'brand', 'running');

    const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, locale: 'en-US', isMobile: true, hasTouch: true });
    phone.setDefaultTimeout(SAFETY_NET_MS);
    const p = await phone.newPage();
    await signIn(p, approver.email);
    await p.getByTestId('nav-inbox').click();
    const card = p.getByTestId('inbox-item-brand');
    await card.waitFor({ timeout: SAFETY_NET_MS });
    expect(await card.innerText()).toContain('Brand review: spring sale');
    // Nothing sticks out sideways at phone width.
    expect(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await p.screenshot({ path: `${SHOTS}inbox-phone.png`, fullPage: true });
    await p.getByTestId('comment-brand').fill('On brand, go ahead');
    await p.getByTestId('approve-brand').click();

    const run = await designer.api.waitForRun(runId);
    expect(run.status).toBe('completed');
    expect(run.state.nodes.brand.detail.votes).toEqual([
      expect.objectContaining({ name: 'Bella Brand', decision: 'approve', comment: 'On brand, go ahead' }),
    ]);
    expect(receiver.calls.some((c) => c.path === '/go')).toBe(true);
    await p.goto(`${stack.url}/#/runs/${runId}`);
    await expect.poll(async () => p.getByTestId('node-go').getAttribute('data-status'), { timeout: SAFETY_NET_MS }).toBe('completed');
    await p.screenshot({ path: `${SHOTS}run-after-approval-phone.png` });
    await phone.close();
  });

  it('an admin creates a WeCom connection, sends a test message, and the robot receives it', async () => {
    const robot = await startWeCom('e2e-robot-key');
    try {
      const p = await newPage({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
      await signIn(p, 'admin@flightdeck.local');
      await p.getByTestId('nav-connections').click();
      await p.getByTestId('connection-new').click();
      await p.getByTestId('connection-kind').selectOption('wecom');
      await p.getByTestId('connection-name').fill('Ops group robot');
      await p.getByTestId('connection-secret-url').fill(robot.webhookUrl);
      await p.getByTestId('connection-create').click();
      const row = p.locator('[data-testid^="connection-row-"][data-name="Ops group robot"]');
      await row.waitFor({ timeout: SAFETY_NET_MS });
      // The secret is never shown back: only that it is set.
      expect(await p.content()).not.toContain('e2e-robot-key');
      const id = (await row.getAttribute('data-testid'))!.replace('connection-row-', '');
      await p.getByTestId(`connection-test-${id}`).click();
      await expect
        .poll(async () => p.getByTestId(`connection-test-result-${id}`).getAttribute('data-ok'), { timeout: SAFETY_NET_MS })
        .toBe('true');
      expect(robot.deliveries).toHaveLength(1);

      // Quiet hours and a lower rate, set by editing; an over-the-limit rate is refused next to its field.
      await p.getByTestId(`connection-edit-${id}`).click();
      await p.getByTestId('connection-setting-quietHours').fill('22:00-08:00');
      await p.getByTestId('connection-setting-rateLimit').fill('40/1m');
      await p.getByTestId('connection-save').click();
      await p.getByTestId('connection-setting-rateLimit-error').waitFor();
      expect(await p.getByTestId('connection-setting-rateLimit-error').textContent()).toContain('documented 20 per minute');
      await p.getByTestId('connection-setting-rateLimit').fill('10/1m');
      await p.getByTestId('connection-save').click();
      await p.getByTestId('connection-dialog').waitFor({ state: 'detached' });
      await expect
        .poll(async () => (await stack.api.get(`/api/connections/${id}`)).body.settings, { timeout: SAFETY_NET_MS })
        .toEqual({ quietHours: '22:00-08:00', rateLimit: '10/1m' });
      // The list re-reads after the save; wait for it rather than racing it.
      await expect.poll(async () => row.textContent(), { timeout: SAFETY_NET_MS }).toContain('22:00-08:00');

      // Pause (with a reason) and resume.
      p.once('dialog', (d) => void d.accept('Copy under legal review'));
      await p.getByTestId(`connection-pause-${id}`).click();
      await p.getByTestId(`connection-paused-${id}`).waitFor();
      expect((await stack.api.get(`/api/connections/${id}`)).body).toMatchObject({ paused: true, pausedReason: 'Copy under legal review' });
      await p.screenshot({ path: `${SHOTS}connections.png` });
      await p.getByTestId(`connection-resume-${id}`).click();
      await p.getByTestId(`connection-paused-${id}`).waitFor({ state: 'detached' });
      await p.close();
    } finally {
      await robot.close();
    }
  });

  it('a run messaging the designer: the run view lists each message, the bell shows it, the inspector previews the template', async () => {
    const robot = await startWeCom('e2e-messages');
    try {
      const wecom = (
        await stack.api.post('/api/connections', {
          kind: 'wecom',
          name: 'Launch room',
          departmentId: await stack.departmentId('Marketing'),
          secrets: { url: robot.webhookUrl },
        })
      ).body.id;
      const graph = {
        nodes: [
          { id: 'start', type: 'trigger.manual', config: {}, position: { x: 0, y: 0 } },
          {
            id: 'announce',
            type: 'channel.send',
            config: { connection: wecom, text: 'Launch {{ input.name | upcase }} is live' },
            position: { x: 240, y: 0 },
          },
          {
            id: 'bell',
            type: 'channel.in_app',
            config: { to: designer.email, title: '{{ input.name }} announced', text: 'WeCom said ok' },
            position: { x: 480, y: 0 },
          },
          { id: 'done', type: 'control.end', config: {}, position: { x: 720, y: 0 } },
        ],
        edges: [
          { id: 'e1', source: 'start', sourceHandle: 'next', target: 'announce' },
          { id: 'e2', source: 'announce', sourceHandle: 'sent', target: 'bell' },
          { id: 'e3', source: 'bell', sourceHandle: 'sent', target: 'done' },
        ],
      };
      const { flowId } = await designer.api.publishFlow('Messages e2e', graph);
      const runId = await designer.api.startRun(flowId, { name: 'spring' });
      await designer.api.waitForRun(runId);
      expect(JSON.parse(robot.deliveries[0]!.body).text.content).toBe('Launch SPRING is live');

      const p = await newPage({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
      await signIn(p, designer.email);
      await p.goto(`${stack.url}/#/runs/${runId}`);
      await expect.poll(async () => p.getByTestId('delivery-row').count(), { timeout: SAFETY_NET_MS }).toBe(2);
      // (Dana chose 中文 in an earlier test; the statuses are checked by value, not by their words.)
      expect(await p.locator('[data-testid="delivery-row"][data-channel="wecom"]').getAttribute('data-status')).toBe('sent');
      expect(await p.locator('[data-testid="delivery-row"][data-channel="in-app"]').textContent()).toContain('Dana Designer');
      await expect.poll(async () => p.getByTestId('bell-count').textContent(), { timeout: SAFETY_NET_MS }).toBe('1');
      await p.getByTestId('bell').click();
      expect(await p.getByTestId('bell-item').first().textContent()).toContain('spring announced');
      await p.screenshot({ path: `${SHOTS}bell-and-messages.png` });
      await p.getByTestId('bell-item').first().click();
      await expect.poll(async () => p.getByTestId('bell-count').count(), { timeout: SAFETY_NET_MS }).toBe(0);

      // The inspector renders the message with the sample data, and says what is wrong with a broken template.
      await p.goto(`${stack.url}/#/flows/${flowId}`);
      await p.getByTestId('node-announce').click();
      const preview = p.getByTestId('field-text-preview');
      await preview.waitFor();
      expect(await preview.textContent()).toContain('Launch  is live');
      await p.getByTestId('field-text').fill('{{ campaign.name | upcase }} starts {{ campaign.phases[0].startsAt | date: "%Y-%m-%d" }}');
      await expect
        .poll(async () => preview.textContent(), { timeout: SAFETY_NET_MS })
        .toContain('618 NEW PRODUCT A LAUNCH (TMALL + DOUYIN + XIAOHONGSHU) starts 2026-05-20');
      await p.getByTestId('field-text').fill('{{ campaign.name | shout }}');
      await expect.poll(async () => preview.textContent(), { timeout: SAFETY_NET_MS }).toContain('undefined filter: shout');
      await p.close();
    } finally {
      await robot.close();
    }
  });

  it('a scheduled flow shows its schedule as Temporal holds it: policies, next and recent runs; unpublish stops it', async () => {
    const graph = flow(
      [
        node('tick', 'trigger.schedule', { cron: '30 9 * * *', timezone: 'Asia/Shanghai', overlap: 'buffer_one', catchupWindow: '2h' }),
        node('done', 'control.end'),
      ],
      [edge('tick', 'next', 'done')],
    );
    const { flowId } = await designer.api.publishFlow('Daily KPI digest', graph);
    await stack.server.temporal.client.schedule.getHandle(`flow-${flowId}`).trigger();
    const p = await newPage({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
    try {
      await signIn(p, designer.email);
      await p.goto(`${stack.url}/#/flows/${flowId}`);
      await p.getByTestId('tab-schedule').click();
      await p.getByTestId('schedule-panel').waitFor();
      expect(await p.getByTestId('schedule-overlap').getAttribute('data-policy')).toBe('buffer_one');
      expect(await p.getByTestId('schedule-cron').textContent()).toBe('30 9 * * *');
      expect(await p.getByTestId('schedule-catchup').textContent()).toContain('2h');
      expect(await p.locator('[data-testid="schedule-next-runs"] li').count()).toBe(5);
      // The triggered run is listed and opens in the run view once it has recorded itself.
      await expect
        .poll(
          async () => {
            await p.reload();
            await p.getByTestId('tab-schedule').click();
            return p.locator('[data-testid="schedule-recent-runs"] a').count();
          },
          { timeout: SAFETY_NET_MS, interval: 1000 },
        )
        .toBe(1);
      await p.screenshot({ path: `${SHOTS}schedule-panel.png` });
      p.once('dialog', (d) => void d.accept());
      await p.getByTestId('schedule-unpublish').click();
      await p.getByTestId('schedule-none').waitFor();
      expect((await designer.api.get(`/api/flows/${flowId}/schedule`)).body.schedule).toBeNull();
    } finally {
      await p.close();
    }
  });

  it('a designer runs the launch flow from its template for a campaign, moves the warm-up forward; the waiting run launches', async () => {
    const departmentId = await stack.departmentId('Marketing');
    const tomorrow = Date.now() + 86_400_000;
    const day = 86_400_000;
    const campaign = (
      await designer.api.post('/api/campaigns', {
        name: 'Spring sale',
        departmentId,
        timezone: 'Asia/Shanghai',
        phases: [
          { name: 'warm_up', startsAt: new Date(tomorrow).toISOString(), endsAt: new Date(tomorrow + 7 * day).toISOString() },
          { name: 'burst', startsAt: new Date(tomorrow + 7 * day).toISOString(), endsAt: new Date(tomorrow + 14 * day).toISOString() },
        ],
      })
    ).body;
    for (const status of ['pending_approval', 'approved'])
      expect((await stack.api.post(`/api/campaigns/${campaign.id}/status`, { status })).status).toBe(200);

    const p = await newPage({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
    try {
      await signIn(p, designer.email);
      await p.goto(`${stack.url}/#/flows`);
      await p.getByTestId('new-flow').click();
      await p.getByTestId('new-flow-template-launch-on-warm-up').check();
      await p.getByTestId('new-flow-create').click();
      await p.getByTestId('node-launch').waitFor();
      expect(await p.locator('[data-testid^="node-"][data-type]').count()).toBe(7);
      await p.getByTestId('run-flow').click();
      await p.getByTestId('run-campaign').selectOption(campaign.id);
      await p.getByTestId('run-start').click();
      await p.waitForURL(/#\/runs\//);
      const runId = p.url().split('/runs/')[1]!;
      await expect
        .poll(async () => (await designer.api.get(`/api/runs/${runId}`)).body.state?.nodes?.warm_up?.status, { timeout: SAFETY_NET_MS })
        .toBe('running');

      // The campaign page: bring warm-up forward to this minute, on the campaign's clock; burst moves with it.
      await p.goto(`${stack.url}/#/campaigns/${campaign.id}`);
      await p.getByTestId('campaign-edit-dates').click();
      const now = toZonedInput(Date.now(), 'Asia/Shanghai');
      await p.getByTestId('phase-0-startsAt').fill(now);
      expect(await p.getByTestId('phase-1-startsAt').inputValue()).toBe(
        toZonedInput(Date.parse(`${now}:00+08:00`) + 7 * day, 'Asia/Shanghai'),
      );
      await p.screenshot({ path: `${SHOTS}phase-dates.png` });
      await p.getByTestId('phase-dates-save').click();
      await p.getByTestId('phase-dates-dialog').waitFor({ state: 'detached' });
      // Live: the run goes on to wait for the campaign's end, for its review and the owner's lessons.
      const run = await designer.api.waitForNode(runId, 'review', 'running');
      expect(run.state.nodes.launch.status).toBe('completed');
      expect(run.state.nodes.warm_up.output.moved).toHaveLength(1);
      await expect.poll(async () => p.getByTestId('campaign-status').getAttribute('data-status'), { timeout: SAFETY_NET_MS }).toBe('live');

      // A phase that ends before it starts is refused beside the field, and nothing changes.
      await p.getByTestId('campaign-edit-dates').click();
      await p.getByTestId('phase-dates-keep').uncheck();
      await p.getByTestId('phase-0-endsAt').fill('2020-01-01T00:00');
      await p.getByTestId('phase-dates-save').click();
      await p.getByTestId('phase-0-endsAt-error').waitFor();
      expect((await designer.api.get(`/api/campaigns/${campaign.id}`)).body.phases[0].endsAt).not.toContain('2020');
    } finally {
      await p.close();
    }
  });
});
