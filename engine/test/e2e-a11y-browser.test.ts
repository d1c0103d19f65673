/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { INGEST_LIMITS, type Transition } from '@flightdeck/workflows';
import { BLOCKING_IMPACTS, describeFindings, runAxe } from './support/axe.ts';
import { launchTestChromium, signIn } from './support/browser.ts';
import { edge, flow, node } from './support/flows.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { SAFETY_NET_MS, waitFor } from './support/wait-for.ts';
import { EDITOR_TEST_DIST } from '../src/server/start-server.ts';

const HOUR = 3_600_000;
const SHOTS = process.env.FD_SHOTS_A11Y || '/tmp/fd/shots-a11y/';
const seed = (name: string) => readFileSync(fileURLToPath(new URL(`../seed/${name}`, import.meta.url)), 'utf8');
/** A desktop and a phone (an iPhone 12-14's CSS pixels), where the panels stack and the header wraps. */
const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

/**
 * axe-core over the editor's main pages, in English and in Chinese, at desktop and at phone width, on the real API,
 * PostgreSQL and Temporal: sign-in, the flows list, a template open in the editor with a node in the inspector, the
 * flow's runs, a run (with its notes' text list open), the alerts and one alert, a campaign, the inbox holding a task,
 * the 618 campaign's review and the portfolio (on the scenario's metrics), the lessons, the channels' connections and
 * the API tokens. A serious or critical finding fails; the rest are printed. Each page's screenshot is kept in SHOTS.
 */
describe('accessibility of the main pages', () => {
  let stack: TestStack;
  let browser: Browser;
  let dee: Awaited<ReturnType<TestStack['user']>>;
  let campaignId = '';
  let flowId = '';
  let runId = '';
  let alertId = '';
  let id618 = '';
  let lessonId = '';
  let connectionId = '';

  beforeAll(async () => {
    if (!existsSync(`${EDITOR_TEST_DIST}/index.html`))
      throw new Error('editor/dist-test is missing: `npm test` builds it first (npm run build:test -w @flightdeck/editor)');
    stack = await startStack('e2e-a11y');
    const ops = await stack.departmentId('Ops');
    dee = await stack.user(
      'Dee Designer',
      [
        { role: 'designer', department: 'Ops' },
        { role: 'analyst', department: 'Ops' },
        // Manages Ops's connections (the page's buttons and dialogs), and reads the 618 campaign's review.
        { role: 'department_admin', department: 'Ops' },
        { role: 'analyst', department: 'E-commerce' },
      ],
      { department: 'Ops' },
    );
    const campaign = await stack.api.post('/api/campaigns', { name: 'Double 11', departmentId: ops, ownerId: dee.id });
    expect(campaign.status, JSON.stringify(campaign.body)).toBe(201);
    campaignId = campaign.body.id;
    // A run that waits on a task for the campaign's owner: a running run page and a full inbox at once.
    ({ flowId } = await dee.api.publishFlow('Review lessons', {
      ...flow(
        [
          node('start', 'trigger.manual'),
          node('review', 'human.task', { title: 'Lesson: {{ campaign.name }}', kind: 'lesson', owner: true, kpi: 'cpa', due: '2d' }),
          node('done', 'control.end'),
          node('late', 'control.end'),
        ],
        [edge('start', 'next', 'review'), edge('review', 'done', 'done'), edge('review', 'timed_out', 'late')],
      ),
      // Drawn read-only on the run's canvas, and listed as text beside it.
      notes: [
        {
          id: 'note_1',
          text: '# Why\n- lessons feed **next year**',
          color: 'blue',
          position: { x: 0, y: 220 },
          size: { width: 260, height: 120 },
        },
        {
          id: 'note_2',
          text: 'Owner answers within 2 days',
          color: 'yellow',
          position: { x: 400, y: 220 },
          size: { width: 240, height: 100 },
        },
      ],
      groups: [{ id: 'group_1', label: 'Ending', nodes: ['done', 'late'] }],
    }));
    runId = await stack.api.startRun(flowId, {}, campaignId);
    await waitFor('the task in the owner’s list', async () => (await dee.api.get('/api/tasks')).body.items.length === 1 || undefined);
    // An open alert, as a monitor's transition opens it.
    const fired: Transition = {
      ruleId: 'cpa_high',
      channel: 'tmall',
      from: 'pending',
      to: 'firing',
      at: new Date(Date.now() - HOUR).toISOString(),
      value: 48.5,
      threshold: 40,
      severity: 'critical',
      unit: 'money',
    };
    const [change] = await stack.server.db.db.transaction((tx) =>
      stack.server.app.alerts.applyTransitions(tx, { campaignId, nodeId: 'watch', transitions: [fired], receivedAt: new Date() }),
    );
    alertId = change!.alertId;
    // The 618 scenario with its metrics: a review and a portfolio with figures, charts and bands to check.
    const imported = await stack.api.post('/api/campaigns/import', JSON.parse(seed('s618-new-product-launch.campaign.json')));
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    id618 = imported.body.id;
    const lines = seed('s618-new-product-launch.metrics.csv').trim().split('\n');
    const size = Math.min(10_000, INGEST_LIMITS.points);
    const metrics = stack.server.app.metrics;
    for (let i = 1; i < lines.length; i += size)
      await metrics.ingest(id618, metrics.checkCsv([lines[0], ...lines.slice(i, i + size)].join('\n') + '\n'));
    const lesson = await stack.api.post('/api/lessons', {
      campaignId: id618,
      fact: 'Douyin spend ran 18% over budget in the burst.',
      cause: 'No daily cap.',
      insight: 'Burst traffic costs more.',
      action: 'Set a daily cap.',
      channel: 'douyin_ads',
      kpi: 'cpa',
      outcome: 'missed',
    });
    expect(lesson.status, JSON.stringify(lesson.body)).toBe(201);
    lessonId = lesson.body.id;
    const connection = await stack.api.post('/api/connections', {
      kind: 'slack',
      name: 'Ops alerts',
      departmentId: ops,
      secrets: { url: 'https://hooks.slack.com/services/T/B/ops' },
    });
    expect(connection.status, JSON.stringify(connection.body)).toBe(201);
    connectionId = connection.body.id;
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchTestChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** The pages to check, each opened and waited for as a person would see it ready. */
  const pages: { name: string; open: (p: Page) => Promise<void> }[] = [
    {
      name: 'flows list',
      open: async (p) => {
        await p.goto(`${stack.url}/#/flows`);
        await p.getByTestId('flow-list').waitFor();
      },
    },
    {
      name: 'editor with a template and the inspector',
      open: async (p) => {
        await p.getByTestId('new-flow').click();
        await p.getByTestId('new-flow-template-launch-on-warm-up').check();
        await p.getByTestId('new-flow-create').click();
        await p.getByTestId('node-launch').click();
        await p.getByTestId('inspector-node').waitFor();
      },
    },
    {
      name: 'runs of a flow',
      open: async (p) => {
        await p.goto(`${stack.url}/#/flows/${flowId}`);
        await p.getByTestId('tab-runs').click();
        await p.getByTestId(`run-row-${runId}`).waitFor();
      },
    },
    {
      name: 'run',
      open: async (p) => {
        await p.goto(`${stack.url}/#/runs/${runId}`);
        await p.getByTestId('node-review').waitFor();
        await expect.poll(() => p.getByTestId('run-status').getAttribute('data-status'), { timeout: SAFETY_NET_MS }).toBe('running');
        // The notes' text list, opened from the keyboard, so that axe reads what it shows.
        const notes = p.getByTestId('canvas-notes');
        await notes.locator('summary').focus();
        await p.keyboard.press('Enter');
        await p.getByTestId('canvas-notes-note_2').waitFor();
      },
    },
    {
      name: 'alerts',
      open: async (p) => {
        await p.goto(`${stack.url}/#/alerts`);
        await p.getByTestId('alert-list').waitFor();
      },
    },
    {
      name: 'alert',
      open: async (p) => {
        await p.goto(`${stack.url}/#/alerts/${alertId}`);
        await p.getByTestId('alert-facts').waitFor();
      },
    },
    {
      name: 'campaign',
      open: async (p) => {
        await p.goto(`${stack.url}/#/campaigns/${campaignId}`);
        await p.getByTestId('campaign-runs').waitFor();
      },
    },
    {
      name: 'inbox',
      open: async (p) => {
        await p.goto(`${stack.url}/#/inbox`);
        await p.getByTestId('work-tasks').waitFor();
      },
    },
    {
      name: 'review',
      open: async (p) => {
        await p.goto(`${stack.url}/#/campaigns/${id618}/review`);
        await p.getByTestId('review-attainment').waitFor();
        await p.getByTestId('review-timeline').waitFor();
      },
    },
    {
      name: 'portfolio',
      open: async (p) => {
        await p.goto(`${stack.url}/#/portfolio`);
        await p.getByTestId(`portfolio-row-${id618}`).waitFor();
      },
    },
    {
      name: 'lessons',
      open: async (p) => {
        await p.goto(`${stack.url}/#/lessons`);
        await p.getByTestId(`lesson-${lessonId}`).waitFor();
      },
    },
    {
      name: 'connections',
      open: async (p) => {
        await p.goto(`${stack.url}/#/connections`);
        await p.getByTestId(`connection-edit-${connectionId}`).waitFor();
      },
    },
    {
      name: 'API tokens',
      open: async (p) => {
        // A token made on the page: its form, the secret shown once and the list, all at once.
        await p.goto(`${stack.url}/#/tokens`);
        await p.getByTestId('token-name').fill('nightly report');
        await p.getByTestId('token-create').click();
        await p.getByTestId('token-secret').waitFor();
        await p.locator('[data-testid^="token-row-"]').first().waitFor();
      },
    },
  ];

  for (const viewport of VIEWPORTS)
    for (const locale of ['en', 'zh-CN'] as const) {
      const size = `${viewport.width}×${viewport.height}`;
      it(`has no serious or critical axe findings on the main pages (${locale}, ${viewport.name} ${size})`, async () => {
        expect((await dee.api.put('/api/me/preferences', { locale })).status).toBe(200);
        const ctx = await browser.newContext({
          viewport: { width: viewport.width, height: viewport.height },
          locale: locale === 'en' ? 'en-US' : 'zh-CN',
          ...(viewport.name === 'phone' ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
        });
        ctx.setDefaultTimeout(SAFETY_NET_MS);
        const p = await ctx.newPage();
        const blocking: string[] = [];
        const check = async (name: string) => {
          const lang = `${name}, ${locale}, ${viewport.name}`;
          await p.screenshot({ path: `${SHOTS}${viewport.name}-${locale}-${name.replace(/\W+/g, '-')}.png`, fullPage: true });
          const findings = await runAxe(p);
          const bad = findings.filter((f) => BLOCKING_IMPACTS.includes(f.impact));
          const rest = findings.filter((f) => !BLOCKING_IMPACTS.includes(f.impact));
          if (rest.length) console.log(describeFindings(lang, rest));
          if (bad.length) blocking.push(describeFindings(lang, bad));
        };
        try {
          await p.goto(`${stack.url}/#/signin`);
          await p.getByTestId('signin-submit').waitFor();
          expect(await p.evaluate(() => document.documentElement.lang)).toBe(locale);
          await check('sign-in');
          await signIn(p, stack.url, dee.email);
          for (const page of pages) {
            await page.open(p);
            expect(await p.evaluate(() => document.documentElement.lang)).toBe(locale);
            await check(page.name);
          }
        } finally {
          await ctx.close();
        }
        expect(blocking.join('\n')).toBe('');
      });
    }
});
