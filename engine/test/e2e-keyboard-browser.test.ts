/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchTestChromium } from './support/browser.ts';
import { startStack, TEST_PASSWORD, type TestStack } from './support/stack.ts';
import { SAFETY_NET_MS } from './support/wait-for.ts';
import { EDITOR_TEST_DIST } from '../src/server/start-server.ts';

/** More Tab presses than any page here has stops: a control that is never reached fails instead of looping. */
const MAX_TABS = 250;

const focusedTestId = (p: Page) => p.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);

/** Presses Tab (Shift+Tab backwards) until the control is focused: proves it is in the tab order, as a person finds it. */
async function tabTo(p: Page, testId: string, backwards = false): Promise<void> {
  for (let i = 0; i < MAX_TABS; i++) {
    if ((await focusedTestId(p)) === testId) return;
    await p.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`${testId} was not reached in ${MAX_TABS} presses of ${backwards ? 'Shift+Tab' : 'Tab'}`);
}

/**
 * A whole flow built without a mouse, in headless Chromium on the real API: only key presses and typing, from signing
 * in to publishing. Nodes come from the palette (Alt+P, Tab, Enter), edges from "Connect to…" (Alt+C), the node is
 * configured through the inspector (Alt+I), and the version the server stored has exactly that graph.
 */
describe('building a flow with the keyboard only', () => {
  let stack: TestStack;
  let browser: Browser;
  let ada: Awaited<ReturnType<TestStack['user']>>;

  beforeAll(async () => {
    if (!existsSync(`${EDITOR_TEST_DIST}/index.html`))
      throw new Error('editor/dist-test is missing: `npm test` builds it first (npm run build:test -w @flightdeck/editor)');
    stack = await startStack('e2e-keyboard', { worker: false });
    ada = await stack.user('Ada Designer', [{ role: 'designer', department: 'Marketing' }], { department: 'Marketing' });
    browser = await launchTestChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  for (const locale of ['en', 'zh-CN'] as const) {
    it(`adds, connects, configures and publishes with keys alone (${locale})`, async () => {
      expect((await ada.api.put('/api/me/preferences', { locale })).status).toBe(200);
      const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: locale === 'en' ? 'en-US' : 'zh-CN' });
      ctx.setDefaultTimeout(SAFETY_NET_MS);
      const p = await ctx.newPage();
      const k = p.keyboard;
      try {
        await p.goto(`${stack.url}/#/signin`);
        await tabTo(p, 'signin-email');
        await k.type(ada.email);
        await tabTo(p, 'signin-password');
        await k.type(TEST_PASSWORD);
        await k.press('Enter');
        await p.getByTestId('signout').waitFor();

        await tabTo(p, 'new-flow');
        await k.press('Enter');
        await p.getByTestId('new-flow-name').waitFor();
        await tabTo(p, 'new-flow-name');
        await k.type(`Keyboard launch ${locale}`);
        await k.press('Enter');
        const trigger = p.locator('[data-type="trigger.manual"]');
        await trigger.waitFor();
        const triggerId = (await trigger.getAttribute('data-testid'))!.replace('node-', '');

        // Two nodes from the palette: Alt+P to its search, type, Tab to the item, Enter adds it.
        for (const [query, type] of [
          ['webhook', 'channel.webhook'],
          ['end', 'control.end'],
        ] as const) {
          await k.press('Alt+KeyP');
          expect(await focusedTestId(p)).toBe('palette-search');
          await k.type(query);
          await tabTo(p, `palette-${type}`);
          await k.press('Enter');
          await p.locator(`[data-type="${type}"]`).waitFor();
          await k.press('Alt+KeyP');
          await k.press('Control+A');
          await k.press('Backspace');
        }
        const idOf = async (type: string) => (await p.locator(`[data-type="${type}"]`).getAttribute('data-testid'))!.replace('node-', '');
        const webhookId = await idOf('channel.webhook');
        const endId = await idOf('control.end');

        // Select the trigger with Ctrl+K, then connect onwards; each connection selects its target for the next.
        await k.press('Control+K');
        await p.getByTestId('node-search-input').waitFor();
        await k.type(triggerId);
        await k.press('Enter');
        await p.getByTestId('node-search').waitFor({ state: 'detached' });
        await k.press('Alt+KeyC');
        await p.getByTestId('connect-input').waitFor();
        await k.type(webhookId);
        await k.press('Enter');
        await p.getByTestId('connect-dialog').waitFor({ state: 'detached' });
        await k.press('Alt+KeyC');
        await p.getByTestId('connect-input').waitFor();
        // Two words: the outcome and the target; "failed → end" matches only the first.
        await k.type(`sent ${endId}`);
        await k.press('Enter');
        await p.getByTestId('connect-dialog').waitFor({ state: 'detached' });

        // Configure the webhook: select it, Alt+I into the inspector, Tab to its URL.
        await k.press('Control+K');
        await p.getByTestId('node-search-input').waitFor();
        await k.type(webhookId);
        await k.press('Enter');
        await p.getByTestId('node-search').waitFor({ state: 'detached' });
        await p.locator(`[data-testid="inspector-node"][data-node-id="${webhookId}"]`).waitFor();
        await k.press('Alt+KeyI');
        expect(await focusedTestId(p)).toBe('inspector-label');
        await tabTo(p, 'field-url');
        await k.type('https://hooks.example.com/launch');
        await k.press('Tab');
        await expect.poll(() => p.evaluate(() => (window as any).__flightdeck.getIssues().length), { timeout: SAFETY_NET_MS }).toBe(0);

        await tabTo(p, 'publish-flow', true);
        await k.press('Enter');
        await expect.poll(() => p.getByTestId('latest-version').innerText(), { timeout: SAFETY_NET_MS }).toBe('v1');

        const flowId = (await p.evaluate(() => (window as any).__flightdeck.getFlowId())) as string;
        const stored = await ada.api.get(`/api/flows/${flowId}/versions/1/diff/1`);
        expect(stored.status, JSON.stringify(stored.body)).toBe(200);
        const graph = stored.body.to.graph as {
          nodes: { id: string; type: string; config: Record<string, unknown> }[];
          edges: { source: string; sourceHandle: string; target: string }[];
        };
        expect(graph.nodes.map((n) => `${n.id}:${n.type}`).sort()).toEqual(
          [`${triggerId}:trigger.manual`, `${webhookId}:channel.webhook`, `${endId}:control.end`].sort(),
        );
        expect(graph.edges.map((e) => `${e.source}:${e.sourceHandle}->${e.target}`).sort()).toEqual(
          [`${triggerId}:next->${webhookId}`, `${webhookId}:sent->${endId}`].sort(),
        );
        expect(graph.nodes.find((n) => n.id === webhookId)!.config.url).toBe('https://hooks.example.com/launch');
      } finally {
        await ctx.close();
      }
    });
  }

  it('lists the keyboard commands in the shortcuts panel, in both languages', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    ctx.setDefaultTimeout(SAFETY_NET_MS);
    const p = await ctx.newPage();
    try {
      expect((await ada.api.put('/api/me/preferences', { locale: 'en' })).status).toBe(200);
      await p.goto(`${stack.url}/#/signin`);
      await tabTo(p, 'signin-email');
      await p.keyboard.type(ada.email);
      await tabTo(p, 'signin-password');
      await p.keyboard.type(TEST_PASSWORD);
      await p.keyboard.press('Enter');
      await p.getByTestId('signout').waitFor();
      await p.goto(`${stack.url}/#/flows/new`);
      await p.getByTestId('canvas').waitFor();
      await p.keyboard.press('?');
      const panel = p.getByTestId('shortcuts-dialog');
      await expect.poll(() => panel.innerText(), { timeout: SAFETY_NET_MS }).toContain('Alt + C');
      expect(await panel.innerText()).toContain('Connect the selected node to…');
      await p.keyboard.press('Escape');
      await p.getByTestId('lang-switch').focus();
      await p.keyboard.press('Enter');
      await expect.poll(() => p.evaluate(() => document.documentElement.lang), { timeout: SAFETY_NET_MS }).toBe('zh-CN');
      await p.keyboard.press('?');
      await expect.poll(() => panel.innerText(), { timeout: SAFETY_NET_MS }).toContain('把选中的节点连接到');
    } finally {
      await ctx.close();
    }
  });
});
