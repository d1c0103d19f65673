/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describeRule, parseMonitor, type Transition } from '@flightdeck/workflows';
import { startStack, TEST_PASSWORD, type TestStack } from './support/stack.ts';
import { SAFETY_NET_MS } from './support/wait-for.ts';
import { EDITOR_TEST_DIST } from '../src/server/start-server.ts';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const HOUR = 3_600_000;

/**
 * The Alerts page in headless Chromium on the real API and PostgreSQL: alerts seeded through the
 * AlertService as a monitor's transitions would open them; a designer acknowledges, snoozes and
 * silences from the list, and reads the alert's timeline with who, when and the delay after the
 * point arrived. The server's clock and the browser's are one fixed instant, so every time the
 * page sends and the server stamps is exact.
 */
describe('alerts in the editor', () => {
  let stack: TestStack;
  let browser: Browser;
  const T = Math.floor(Date.now() / 60_000) * 60_000;
  let designer: Awaited<ReturnType<TestStack['user']>>;
  let campaignId = '';
  let ctrAlert = '';
  let cpaAlert = '';
  /** The charted campaign, whose points the monitor preview replays next. */
  let doubleEleven = '';

  const tr = (ruleId: string, channel: string | null, at: string, more: Partial<Transition> = {}) =>
    ({
      ruleId,
      channel,
      from: 'pending',
      to: 'firing',
      at,
      value: 0.012,
      threshold: 0.015,
      severity: 'warning',
      unit: 'ratio',
      ...more,
    }) satisfies Transition;
  const fire = async (t: Transition, receivedAt: number) => {
    const [change] = await stack.server.db.db.transaction((tx) =>
      stack.server.app.alerts.applyTransitions(tx, { campaignId, nodeId: 'watch', transitions: [t], receivedAt: new Date(receivedAt) }),
    );
    return change!.alertId;
  };

  beforeAll(async () => {
    if (!existsSync(`${EDITOR_TEST_DIST}/index.html`))
      throw new Error('editor/dist-test is missing: `npm test` builds it first (npm run build:test -w @flightdeck/editor)');
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`);
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStack('e2e-alerts', { worker: false, clock: () => T });
    designer = await stack.user('Dee Designer', [{ role: 'designer', department: 'Ops' }], { department: 'Ops' });
    const made = await stack.api.post('/api/campaigns', { name: '618 launch', departmentId: await stack.departmentId('Ops') });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    campaignId = made.body.id;
    // The CTR rule fired on the 10:00 bucket; its points arrived a minute ago, and WeCom was told 1.234 s after they did.
    ctrAlert = await fire(tr('ctr_low', 'tmall', new Date(T - 2 * HOUR).toISOString()), T - 60_000);
    await stack.server.app.alerts.recordNotified(ctrAlert, { at: new Date(T - 60_000 + 1234), channelKind: 'wecom', target: 'Ops room' });
    cpaAlert = await fire(
      tr('cpa_high', null, new Date(T - HOUR).toISOString(), { severity: 'critical', value: 48.5, threshold: 40, unit: 'money' }),
      T - 30_000,
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function open(viewport: { width: number; height: number }, phone = false): Promise<{ ctx: BrowserContext; p: Page }> {
    const ctx = await browser.newContext({ viewport, locale: 'en-US', timezoneId: 'Asia/Shanghai', isMobile: phone, hasTouch: phone });
    ctx.setDefaultTimeout(SAFETY_NET_MS);
    const p = await ctx.newPage();
    // The page's clock is the server's: "snooze 4 hours" is then exactly T + 4 h on both sides.
    await p.clock.setFixedTime(T);
    await p.goto(`${stack.url}/#/signin`);
    await p.getByTestId('signin-email').fill(designer.email);
    await p.getByTestId('signin-password').fill(TEST_PASSWORD);
    await p.getByTestId('signin-submit').click();
    await p.getByTestId('signout').waitFor();
    return { ctx, p };
  }
  const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: SAFETY_NET_MS });
  /**
   * The language is the user's preference on the server: each switch is saved before the next, or
   * two saves in flight may land out of order and leave the next test in the other language.
   */
  const localeSaved = (locale: string) => poll(async () => (await designer.api.get('/api/auth/me')).body.user?.locale).toBe(locale);

  it('lists the alerts; Acknowledge changes the row, and the timeline shows who acknowledged, when, and each delay', async () => {
    const { ctx, p } = await open({ width: 1280, height: 860 });
    try {
      await p.getByTestId('nav-alerts').click();
      const row = p.getByTestId(`alert-row-${ctrAlert}`);
      await row.waitFor();
      // The first cell is the row's tick box for "Acknowledge selected".
      const cells = await row.locator('td').allInnerTexts();
      expect(cells.slice(1, 8).map((c) => c.trim())).toEqual([
        expect.stringContaining('Warning'),
        'Firing',
        '618 launch',
        'ctr_low',
        'tmall',
        expect.stringMatching(/2026|\d{4}/),
        '1.2% threshold 1.5%',
      ]);
      // Latest fired first: the CPA alert (10:00 + 1 h) leads, campaign-wide, in the campaign's money.
      expect(await p.locator('[data-testid^="alert-row-"]').first().getAttribute('data-testid')).toBe(`alert-row-${cpaAlert}`);
      expect(await p.getByTestId(`alert-row-${cpaAlert}`).innerText()).toContain('whole campaign');
      expect(await p.getByTestId(`alert-ack-${ctrAlert}`).getAttribute('aria-label')).toBe('Acknowledge the alert ctr_low of 618 launch');
      expect(await p.locator('.fd-table--alerts th[scope="col"]').count()).toBe(9);
      await p.screenshot({ path: `${SHOTS}alerts.png`, fullPage: true });

      await p.getByTestId(`alert-ack-${ctrAlert}`).click();
      await poll(() => row.getAttribute('data-state')).toBe('acknowledged');
      expect(await row.getByTestId('alert-state').innerText()).toBe('Acknowledged');
      // Acknowledged once: the button is gone, resolve and snooze stay.
      expect(await p.getByTestId(`alert-ack-${ctrAlert}`).count()).toBe(0);
      const stored = (await stack.api.get(`/api/alerts/${ctrAlert}`)).body;
      expect(stored).toMatchObject({
        state: 'acknowledged',
        acknowledgedBy: { id: designer.id, name: 'Dee Designer' },
        acknowledgedAt: new Date(T).toISOString(),
      });

      await p.getByTestId(`alert-open-${ctrAlert}`).click();
      const steps = p.getByTestId('alert-step');
      await poll(() => steps.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).toEqual([
        'fired',
        'notified',
        'acknowledged',
      ]);
      const texts = await steps.allInnerTexts();
      expect(texts[0]).toContain('Fired');
      expect(texts[0]).toContain('the rule');
      expect(texts[1]).toContain('Notified Ops room on WeCom');
      const acked = steps.nth(2);
      expect(await acked.getByTestId('alert-step-actor').innerText()).toBe('Dee Designer');
      expect(await acked.innerText()).toContain('in Flightdeck');
      expect(await acked.locator('time').getAttribute('datetime')).toBe(new Date(T).toISOString());
      expect(await steps.getByTestId('alert-step-delay').allInnerTexts()).toEqual(['+0 s', '+1.2 s', '+1 min']);
      expect(await steps.nth(1).getByTestId('alert-step-delay').getAttribute('aria-label')).toBe('+1.2 s after the point arrived');
      expect(await p.getByTestId('alert-key-notified').innerText()).toContain('+1.2 s');
      expect(await p.getByTestId('alert-key-acknowledged').innerText()).toContain('+1 min');
      expect(await p.getByTestId('alert-key-resolved').innerText()).toContain('not yet');
      expect(await p.getByTestId('alert-detail-state').getAttribute('data-state')).toBe('acknowledged');
      await p.screenshot({ path: `${SHOTS}alert-timeline.png`, fullPage: true });

      // The whole page in Chinese.
      await p.getByTestId('lang-switch').click();
      await poll(() => p.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
      await localeSaved('zh-CN');
      expect(await steps.nth(2).innerText()).toContain('已确认');
      expect(await steps.nth(1).innerText()).toContain('已通过企业微信通知 Ops room');
      await p.screenshot({ path: `${SHOTS}alert-timeline-zh.png`, fullPage: true });
      await p.getByTestId('lang-switch').click();
      await poll(() => p.evaluate(() => document.documentElement.lang)).toBe('en');
      await localeSaved('en');
    } finally {
      await ctx.close();
    }
  });

  it('snoozes for 4 hours and silences a rule with a comment; the silence is listed and expires', async () => {
    const { ctx, p } = await open({ width: 1280, height: 860 });
    try {
      await p.goto(`${stack.url}/#/alerts?severity=critical`);
      const row = p.getByTestId(`alert-row-${cpaAlert}`);
      await row.waitFor();
      expect(await p.getByTestId(`alert-row-${ctrAlert}`).count()).toBe(0);
      await p.getByTestId(`alert-snooze-${cpaAlert}`).click();
      await p.getByTestId('snooze-until-4h').check();
      await p.screenshot({ path: `${SHOTS}alert-snooze.png` });
      await p.getByTestId('snooze-submit').click();
      await p.getByTestId('snooze-dialog').waitFor({ state: 'detached' });
      await poll(() => row.getAttribute('data-state')).toBe('snoozed');
      expect((await stack.api.get(`/api/alerts/${cpaAlert}`)).body.snoozedUntil).toBe(new Date(T + 4 * HOUR).toISOString());

      // A chosen time in the past is refused beside the field, before anything is sent.
      await p.getByTestId(`alert-silence-${cpaAlert}`).click();
      await p.getByTestId('silence-scope-rule').check();
      await p.getByTestId('silence-until-custom').fill('2020-01-01T09:00');
      await p.getByTestId('silence-submit').click();
      expect(await p.getByTestId('silence-until-error').innerText()).toBe('Pick a time in the future');
      await p.getByTestId('silence-until-1d').check();
      await p.getByTestId('silence-comment').fill('Planned price test on Tmall');
      await p.getByTestId('silence-submit').click();
      await p.getByTestId('silence-dialog').waitFor({ state: 'detached' });
      const silences = (await stack.api.get(`/api/silences?campaignId=${campaignId}`)).body.items;
      expect(silences).toEqual([
        expect.objectContaining({
          ruleId: 'cpa_high',
          channel: null,
          status: 'active',
          endsAt: new Date(T + 24 * HOUR).toISOString(),
          comment: 'Planned price test on Tmall',
          createdBy: { id: designer.id, name: 'Dee Designer' },
        }),
      ]);
      const item = p.getByTestId(`silence-${silences[0].id}`);
      await item.waitFor();
      expect(await item.innerText()).toContain('618 launch · cpa_high · every channel');
      expect(await item.innerText()).toContain('Planned price test on Tmall');
      await p.screenshot({ path: `${SHOTS}alerts-silenced.png`, fullPage: true });
      p.once('dialog', (d) => void d.accept());
      await p.getByTestId(`silence-expire-${silences[0].id}`).click();
      await item.waitFor({ state: 'detached' });
      expect((await stack.api.get(`/api/silences?campaignId=${campaignId}`)).body.items[0].status).toBe('expired');
      await p.getByTestId('silences-empty').waitFor();
    } finally {
      await ctx.close();
    }
  });

  it('works at phone width: alerts as cards, nothing sideways, the timeline readable', async () => {
    const { ctx, p } = await open({ width: 375, height: 812 }, true);
    try {
      await p.goto(`${stack.url}/#/alerts?state=all`);
      await p.getByTestId(`alert-row-${ctrAlert}`).waitFor();
      expect(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
      await p.screenshot({ path: `${SHOTS}alerts-phone.png`, fullPage: true });
      await p.goto(`${stack.url}/#/alerts/${ctrAlert}`);
      await p.getByTestId('alert-timeline').waitFor();
      expect(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
      await p.screenshot({ path: `${SHOTS}alert-timeline-phone.png`, fullPage: true });
    } finally {
      await ctx.close();
    }
  });

  it("charts a campaign's KPIs with its goal line and alert markers; a marker opens the alert, whose ack shows on the chart", async () => {
    const made = await stack.api.post('/api/campaigns', {
      name: 'Double 11',
      departmentId: await stack.departmentId('Ops'),
      goals: [
        { kpi: 'ctr', target: 0.025, unit: 'ratio' },
        { kpi: 'cpa', target: 45, unit: 'CNY', direction: 'max' },
      ],
      channels: [{ name: 'tmall' }, { name: 'jd' }],
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const id: string = made.body.id;
    doubleEleven = id;
    // Six hours of points before the server's clock; Tmall's CTR drops to 1.2 % two hours ago.
    const H = Math.floor(T / HOUR) * HOUR;
    const hours = [6, 5, 4, 3, 2, 1].map((n) => H - n * HOUR);
    const points = hours.flatMap((t) => {
      const ts = new Date(t).toISOString();
      return [
        { ts, channel: 'tmall', metric: 'impressions', value: 10_000 },
        { ts, channel: 'tmall', metric: 'clicks', value: t === H - 2 * HOUR ? 120 : 300 },
        { ts, channel: 'tmall', metric: 'conversions', value: 20 },
        { ts, channel: 'tmall', metric: 'spend', value: 800 },
        { ts, channel: 'jd', metric: 'impressions', value: 8_000 },
        { ts, channel: 'jd', metric: 'clicks', value: 200 },
        { ts, channel: 'jd', metric: 'conversions', value: 10 },
        { ts, channel: 'jd', metric: 'spend', value: 500 },
      ];
    });
    const metrics = stack.server.app.metrics;
    expect(await metrics.ingest(id, metrics.checkJson({ points }))).toMatchObject({ accepted: points.length });
    const [change] = await stack.server.db.db.transaction((tx) =>
      stack.server.app.alerts.applyTransitions(tx, {
        campaignId: id,
        nodeId: 'watch',
        transitions: [tr('ctr_low', 'tmall', new Date(H - 2 * HOUR).toISOString())],
        receivedAt: new Date(H - 2 * HOUR + 60_000),
      }),
    );
    const alertId = change!.alertId;

    const { ctx, p } = await open({ width: 1280, height: 900 });
    try {
      await p.goto(`${stack.url}/#/campaigns/${id}`);
      const chart = p.getByTestId('kpi-chart');
      await chart.locator('canvas').waitFor();
      expect(await chart.getAttribute('aria-label')).toBe('CTR (click-through rate) per hour, Overall');
      expect(await p.getByTestId('chart-goal').innerText()).toBe('Goal line: 2.5% (higher is better)');
      // The Tmall alert is not on the overall line.
      expect(await p.getByTestId(`chart-marker-${alertId}-fired`).count()).toBe(0);

      await p.getByTestId('chart-channel').selectOption('tmall');
      const fired = p.getByTestId(`chart-marker-${alertId}-fired`);
      await fired.waitFor();
      expect(await fired.innerText()).toContain('ctr_low fired');
      await fired.getByRole('link').click();
      await poll(() => p.evaluate(() => location.hash)).toBe(`#/alerts/${alertId}`);
      await p.getByTestId(`alert-ack-${alertId}`).click();
      await poll(() => p.getByTestId('alert-detail-state').getAttribute('data-state')).toBe('acknowledged');

      await p.goto(`${stack.url}/#/campaigns/${id}`);
      await p.getByTestId('kpi-chart').locator('canvas').waitFor();
      await p.getByTestId('chart-channel').selectOption('tmall');
      await p.getByTestId(`chart-marker-${alertId}-acked`).waitFor();
      await p.getByTestId('campaign-charts').scrollIntoViewIfNeeded();
      // Hover the hour the CTR dropped: the tooltip names the value in its unit and the alert that fired there.
      const box = (await p.getByTestId('kpi-chart').boundingBox())!;
      // The time axis runs from the first hour to the acknowledgement (T); the grid has 72 px on the left, 48 on the right.
      const drop = (4 * HOUR) / (T - (H - 6 * HOUR));
      await p.mouse.move(box.x + 72 + (box.width - 120) * drop, box.y + box.height / 2);
      await p.getByTestId('campaign-charts').screenshot({ path: `${SHOTS}campaign-kpi-chart.png` });

      await p.getByTestId('chart-kpi').selectOption('cpa');
      await poll(() => p.getByTestId('chart-goal').innerText()).toBe('Ceiling line: CN¥45 (lower is better)');
      expect(await p.getByTestId('kpi-chart').getAttribute('aria-label')).toBe('CPA / CAC (cost per acquisition) per hour, tmall');
      await p.getByTestId('campaign-charts').screenshot({ path: `${SHOTS}campaign-kpi-chart-cpa.png` });

      // In Chinese: the KPI's name, the line's words, the money.
      await p.getByTestId('lang-switch').click();
      await poll(() => p.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
      await localeSaved('zh-CN');
      await poll(() => p.getByTestId('chart-goal').innerText()).toBe('上限线：¥45（越低越好）');
      expect(await p.getByTestId('kpi-chart').getAttribute('aria-label')).toBe('单次转化成本 / 获客成本 (CPA/CAC)（每小时），tmall');
      await p.getByTestId('campaign-charts').screenshot({ path: `${SHOTS}campaign-kpi-chart-zh.png` });
      await p.getByTestId('lang-switch').click();
      await poll(() => p.evaluate(() => document.documentElement.lang)).toBe('en');
      await localeSaved('en');
    } finally {
      await ctx.close();
    }
  });

  it("the monitor node's inspector says each rule in words and how often it would have fired on the campaign's data", async () => {
    expect(doubleEleven).not.toBe('');
    const config = {
      every: '1h',
      rules: [{ id: 'ctr_low', kind: 'threshold', metric: 'ctr', op: 'below', value: 0.02, channels: ['tmall'] }],
    };
    const graph = {
      nodes: [
        { id: 'start', type: 'trigger.manual', config: {}, position: { x: 0, y: 0 } },
        { id: 'watch', type: 'monitoring.monitor', config, position: { x: 260, y: 0 } },
      ],
      edges: [{ id: 'e1', source: 'start', sourceHandle: 'next', target: 'watch' }],
    };
    const made = await designer.api.post('/api/flows', { name: 'Watch Double 11', graph });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const parsed = parseMonitor(config);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));

    const { ctx, p } = await open({ width: 1440, height: 900 });
    try {
      await p.goto(`${stack.url}/#/flows/${made.body.id}`);
      await p.getByTestId('node-watch').click();
      const rule = p.getByTestId('monitor-rule-ctr_low');
      await rule.waitFor();
      expect(await rule.innerText()).toContain(describeRule(parsed.monitor.rules[0]!, 'en'));
      await p.getByTestId('monitor-replay-campaign').selectOption({ label: 'Double 11' });
      await p.getByTestId('monitor-replay-run').click();
      const result = p.getByTestId('monitor-replay-ctr_low');
      await result.waitFor();
      // Tmall's CTR was 3 % every hour but the one at 1.2 %: the rule fires once, and resolves after it.
      expect(await result.getAttribute('data-count')).toBe('1');
      expect(await result.innerText()).toContain('Would have fired 1 time');
      expect(await result.innerText()).toContain('tmall · value 1.2%');
      await p.getByTestId('inspector').screenshot({ path: `${SHOTS}monitor-preview.png` });
    } finally {
      await ctx.close();
    }
  });
  it('Acknowledge selected: ticked alerts are acknowledged in one decision; rows and timelines say so', async () => {
    const a = await fire(tr('bulk_a', 'tmall', new Date(T - 3 * HOUR).toISOString()), T - 20_000);
    const b = await fire(tr('bulk_b', 'jd', new Date(T - 3 * HOUR).toISOString()), T - 20_000);
    const { ctx, p } = await open({ width: 1280, height: 860 });
    try {
      await p.goto(`${stack.url}/#/alerts?campaignId=${campaignId}`);
      await p.getByTestId(`alert-row-${a}`).waitFor();
      const button = p.getByTestId('alerts-ack-selected');
      expect(await button.isDisabled()).toBe(true);
      expect(await p.getByTestId(`alert-select-${a}`).getAttribute('aria-label')).toBe('Select the alert bulk_a of 618 launch');
      await p.getByTestId(`alert-select-${a}`).check();
      await p.getByTestId(`alert-select-${b}`).check();
      expect(await button.innerText()).toContain('Acknowledge selected (2)');
      await p.screenshot({ path: `${SHOTS}alerts-ack-selected.png`, fullPage: true });
      await button.click();
      await poll(() => p.getByTestId(`alert-row-${a}`).getAttribute('data-state')).toBe('acknowledged');
      await poll(() => p.getByTestId(`alert-row-${b}`).getAttribute('data-state')).toBe('acknowledged');
      // Acknowledged rows can no longer be ticked; the selection is empty again.
      expect(await p.getByTestId(`alert-select-${a}`).count()).toBe(0);
      for (const id of [a, b]) {
        const stored = (await stack.api.get(`/api/alerts/${id}`)).body;
        expect(stored).toMatchObject({ state: 'acknowledged', acknowledgedBy: { id: designer.id } });
        expect(stored.timeline.find((e: { kind: string }) => e.kind === 'acknowledged').detail).toMatchObject({ together: 2 });
      }
    } finally {
      await ctx.close();
    }
  });
});
