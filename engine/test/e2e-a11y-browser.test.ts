/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { Transition } from '@flightdeck/workflows';
import { BLOCKING_IMPACTS, describeFindings, runAxe, type AxeFinding } from './support/axe.ts';
import { launchTestChromium, signIn } from './support/browser.ts';
import { edge, flow, node } from './support/flows.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { SAFETY_NET_MS, waitFor } from './support/wait-for.ts';
import { EDITOR_TEST_DIST } from '../src/server/start-server.ts';

const HOUR = 3_600_000;

/**
 * axe-core over the editor's main pages, in English and in Chinese, on the real API, PostgreSQL and Temporal: sign-in,
 * the flows list, a template open in the editor with a node in the inspector, the flow's runs, a run, the alerts and
 * one alert, a campaign and the inbox holding a task. A serious or critical finding fails; the rest are printed.
 */
describe('accessibility of the main pages', () => {
  let stack: TestStack;
  let browser: Browser;
  let dee: Awaited<ReturnType<TestStack['user']>>;
  let campaignId = '';
  let flowId = '';
  let runId = '';
  let alertId = '';

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
      ],
      { department: 'Ops' },
    );
    const campaign = await stack.api.post('/api/campaigns', { name: 'Double 11', departmentId: ops, ownerId: dee.id });
    expect(campaign.status, JSON.stringify(campaign.body)).toBe(201);
    campaignId = campaign.body.id;
    // A run that waits on a task for the campaign's owner: a running run page and a full inbox at once.
    ({ flowId } = await dee.api.publishFlow(
      'Review lessons',
      flow(
        [
          node('start', 'trigger.manual'),
          node('review', 'human.task', { title: 'Lesson: {{ campaign.name }}', kind: 'lesson', owner: true, kpi: 'cpa', due: '2d' }),
          node('done', 'control.end'),
          node('late', 'control.end'),
        ],
        [edge('start', 'next', 'review'), edge('review', 'done', 'done'), edge('review', 'timed_out', 'late')],
      ),
    ));
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
  ];

  for (const locale of ['en', 'zh-CN'] as const) {
    it(`has no serious or critical axe findings on the main pages (${locale})`, async () => {
      expect((await dee.api.put('/api/me/preferences', { locale })).status).toBe(200);
      const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: locale === 'en' ? 'en-US' : 'zh-CN' });
      ctx.setDefaultTimeout(SAFETY_NET_MS);
      const p = await ctx.newPage();
      const blocking: string[] = [];
      const report = (name: string, findings: AxeFinding[]) => {
        const lang = `${name}, ${locale}`;
        const bad = findings.filter((f) => BLOCKING_IMPACTS.includes(f.impact));
        const rest = findings.filter((f) => !BLOCKING_IMPACTS.includes(f.impact));
        if (rest.length) console.log(describeFindings(lang, rest));
        if (bad.length) blocking.push(describeFindings(lang, bad));
      };
      try {
        await p.goto(`${stack.url}/#/signin`);
        await p.getByTestId('signin-submit').waitFor();
        expect(await p.evaluate(() => document.documentElement.lang)).toBe(locale);
        report('sign-in', await runAxe(p));
        await signIn(p, stack.url, dee.email);
        for (const page of pages) {
          await page.open(p);
          expect(await p.evaluate(() => document.documentElement.lang)).toBe(locale);
          report(page.name, await runAxe(p));
        }
      } finally {
        await ctx.close();
      }
      expect(blocking.join('\n')).toBe('');
    });
  }
});
