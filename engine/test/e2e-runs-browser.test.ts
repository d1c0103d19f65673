/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { edgeEnd, expectOnlyNodesInView, inputHandleEnd, launchTestChromium, signIn } from './support/browser.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { startReceiver } from './support/receiver.ts';
import { edge, fastRetry, flow, largeChain, node } from './support/flows.ts';
import { SAFETY_NET_MS } from './support/wait-for.ts';
import { EDITOR_TEST_DIST } from '../src/server/start-server.ts';

/**
 * The run page's Retry and Re-run, and the flow's runs list searched by input, in headless Chromium on the real
 * API, PostgreSQL and Temporal: a designer retries a run whose webhook failed (it completes), re-runs it (the
 * new run links back), and finds runs by a SKU in their input.
 */
describe('retry, re-run and the filtered runs list in the editor', () => {
  let stack: TestStack;
  let browser: Browser;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let designer: Awaited<ReturnType<TestStack['user']>>;
  let flowId = '';
  let runId = '';

  beforeAll(async () => {
    if (!existsSync(`${EDITOR_TEST_DIST}/index.html`))
      throw new Error('editor/dist-test is missing: `npm test` builds it first (npm run build:test -w @flightdeck/editor)');
    stack = await startStack('e2e-runs', { temporalUiUrl: 'http://127.0.0.1:8233' });
    // 500 for the run's two attempts, then 200 for every later call (the retry and the re-run).
    receiver = await startReceiver((_c, i) => (i < 2 ? { status: 500, body: { error: 'busy' } } : { status: 200, body: { ok: true } }));
    designer = await stack.user('Rita Runner', [{ role: 'designer', department: 'Ops' }], { department: 'Ops' });
    ({ flowId } = await designer.api.publishFlow('Flaky hook', {
      ...flow(
        [
          node('start', 'trigger.manual'),
          node('hook', 'channel.webhook', { url: `${receiver.url}/hook`, retry: fastRetry(2) }),
          node('done', 'control.end'),
        ],
        [edge('start', 'next', 'hook'), edge('hook', 'sent', 'done')],
      ),
      // Annotations travel with the pinned graph and are drawn on the run's canvas, read-only.
      notes: [
        {
          id: 'note_1',
          text: '# Ops\n- the hook is **flaky**',
          color: 'blue',
          position: { x: 0, y: 200 },
          size: { width: 260, height: 120 },
        },
      ],
      groups: [{ id: 'group_1', label: 'Delivery', nodes: ['hook'] }],
    }));
    runId = await designer.api.startRun(flowId, { sku: 'SKU-7781' });
    expect((await stack.api.waitForRun(runId)).status).toBe('failed');
    browser = await launchTestChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await stack?.close();
  });

  it('retries the failed run, re-runs it, and finds it by its input', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(SAFETY_NET_MS);
    page.on('dialog', (d) => void d.accept());
    mkdirSync('.artifacts/runs', { recursive: true });
    await signIn(page, stack.url, designer.email);
    await page.goto(`${stack.url}/#/runs/${runId}`);
    await page.locator('[data-testid="run-status"][data-status="failed"]').waitFor();
    expect(await page.getByTestId('run-temporal-link').getAttribute('href')).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:8233/namespaces/default/workflows/run-${runId}/`),
    );
    await page.screenshot({ path: '.artifacts/runs/failed.png' });
    const canvas = page.getByTestId('run-canvas');
    expect(await canvas.getByTestId('note-note_1').innerText()).toContain('the hook is flaky');
    expect(await canvas.getByTestId('frame-group_1').innerText()).toContain('Delivery');
    expect(await canvas.getByTestId('frame-group_1').isVisible()).toBe(true);
    expect(await canvas.locator('.fd-note textarea, .fd-note button, .fd-frame input').count()).toBe(0);
    await page.screenshot({ path: '.artifacts/runs/notes-groups.png' });

    // The failed step's call: two attempts, with the receiver's answer; and what it read, from the trigger.
    await page.getByTestId('node-hook').click();
    await expect
      .poll(async () => page.getByTestId('run-node-calls').innerText(), { timeout: SAFETY_NET_MS })
      .toMatch(/sendWebhook · attempts: 2 · failed · HTTP 500/);

    await page.getByTestId('run-retry').click();
    await page.locator('[data-testid="run-status"][data-status="completed"]').waitFor();
    expect(receiver.calls).toHaveLength(3);
    await expect
      .poll(async () => page.getByTestId('run-node-calls').innerText(), { timeout: SAFETY_NET_MS })
      .toMatch(/sendWebhook · attempts: 1 · done/);
    await page.screenshot({ path: '.artifacts/runs/retried.png' });

    await page.getByTestId('run-rerun').click();
    await page.getByTestId('run-rerun-of-link').waitFor();
    await page.locator('[data-testid="run-status"][data-status="completed"]').waitFor();
    const rerunId = decodeURIComponent(new URL(page.url()).hash.replace('#/runs/', ''));
    expect(rerunId).not.toBe(runId);
    expect((await stack.api.get(`/api/runs/${rerunId}`)).body).toMatchObject({ rerunOf: runId, input: { sku: 'SKU-7781' } });
    await page.screenshot({ path: '.artifacts/runs/rerun.png' });

    // A run with other input, which the search must leave out.
    const otherId = await designer.api.startRun(flowId, { sku: 'SKU-0001' });
    await stack.api.waitForRun(otherId);
    await page.goto(`${stack.url}/#/flows/${flowId}`);
    await page.locator('#tab-runs').click();
    await page.getByTestId(`run-row-${otherId}`).waitFor();
    await page.getByTestId('runs-filter-search').fill('sku-7781');
    await page.getByTestId('runs-filter-apply').click();
    await page.getByTestId(`run-row-${rerunId}`).waitFor();
    await page.getByTestId(`run-row-${otherId}`).waitFor({ state: 'detached' });
    expect(await page.locator('[data-testid^="run-row-"]').count()).toBe(2);
    await page.getByTestId('runs-filter-status').selectOption('completed');
    await page.getByTestId(`run-row-${runId}`).waitFor();
    await page.screenshot({ path: '.artifacts/runs/list.png' });
    await page.close();
  });

  it("draws only the nodes in view of a large flow's run, with the node it waits at", async () => {
    const graph = largeChain(300);
    const { flowId: largeId } = await designer.api.publishFlow('Large run', graph);
    const largeRun = await designer.api.startRun(largeId);
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(SAFETY_NET_MS);
    try {
      await signIn(page, stack.url, designer.email);
      await page.goto(`${stack.url}/#/runs/${largeRun}`);
      // The run waits at its first delay for an hour.
      await expect
        .poll(async () => (await designer.api.get(`/api/runs/${largeRun}`)).body?.state?.nodes?.n1?.status, { timeout: SAFETY_NET_MS })
        .toBe('running');
      const canvas = page.getByTestId('run-canvas');
      const drawn = await expectOnlyNodesInView(canvas, graph);
      // The nodes drawn are painted with the run's state (the fit centres the flow, so n1 may be out of view).
      const painted = await canvas
        .locator('.react-flow__node [data-status]')
        .evaluateAll((ns) => ns.map((n) => n.getAttribute('data-status')));
      expect(painted.length).toBe(drawn.size);
      expect(painted.every((s) => s === 'pending' || s === 'running' || s === 'completed')).toBe(true);
      await page.screenshot({ path: '.artifacts/runs/large-run.png' });

      // An edge to a node out of view on the right ends where that node's handle turns out to be once it is drawn:
      // the estimate counts the run view's status row.
      const column = (id: string) => Number(id.slice(1)) % 24;
      const crossing = graph.edges.find((e) => drawn.has(e.source) && !drawn.has(e.target) && column(e.target) > column(e.source))!;
      expect(crossing).toBeDefined();
      const endOf = async () => (await edgeEnd(canvas, crossing.id))!;
      const estimated = await endOf();
      const pane = (await canvas.boundingBox())!;
      // Along the top: the minimap sits in the bottom right corner.
      await page.mouse.move(pane.x + pane.width - 40, pane.y + 40);
      await page.mouse.down();
      await page.mouse.move(pane.x + pane.width / 2, pane.y + 40, { steps: 8 });
      await page.mouse.up();
      await canvas.getByTestId(`node-${crossing.target}`).waitFor();
      const handleEnd = () => inputHandleEnd(canvas, crossing.target);
      const apart = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y));
      // Drawn and measured, the edge ends on the handle; and that is within a few pixels of where it was expected.
      await expect.poll(async () => apart(await endOf(), await handleEnd()), { timeout: SAFETY_NET_MS }).toBeLessThanOrEqual(2);
      expect(apart(await endOf(), estimated)).toBeLessThanOrEqual(6);
    } finally {
      await page.close();
      await designer.api.post(`/api/runs/${largeRun}/cancel`);
    }
  });
});
