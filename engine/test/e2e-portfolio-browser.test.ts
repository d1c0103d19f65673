/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchTestChromium, signIn } from './support/browser.ts';
import { INGEST_LIMITS } from '@flightdeck/workflows';
import { startStack, type TestStack } from './support/stack.ts';
import { SAFETY_NET_MS } from './support/wait-for.ts';
import { EDITOR_TEST_DIST } from '../src/server/start-server.ts';

const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const file = (name: string) => readFileSync(fileURLToPath(new URL(`../seed/${name}`, import.meta.url)), 'utf8');

/**
 * The Portfolio page and the campaign page's comparison in headless Chromium, on the real API and
 * PostgreSQL: the two scenario campaigns with their metrics, attainment as band chips, a sort and a
 * filter kept in the address, the CSV link asking for the same view, and the 618 campaign against
 * the loyalty drive (ended by the API's clock).
 */
describe('the portfolio in the editor', () => {
  let stack: TestStack;
  let browser: Browser;
  let viewer: Awaited<ReturnType<TestStack['user']>>;
  const ids: Record<'s618' | 'loyalty', string> = { s618: '', loyalty: '' };

  beforeAll(async () => {
    if (!existsSync(`${EDITOR_TEST_DIST}/index.html`))
      throw new Error('editor/dist-test is missing: `npm test` builds it first (npm run build:test -w @flightdeck/editor)');
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStack('e2e-portfolio', { worker: false, clock: () => Date.parse('2026-06-15T00:00:00Z') });
    const metrics = stack.server.app.metrics;
    for (const [key, id] of [
      ['s618', 's618-new-product-launch'],
      ['loyalty', 'loyalty-repurchase'],
    ] as const) {
      const imported = await stack.api.post('/api/campaigns/import', JSON.parse(file(`${id}.campaign.json`)));
      expect(imported.status, JSON.stringify(imported.body)).toBe(201);
      ids[key] = imported.body.id;
      const lines = file(`${id}.metrics.csv`).trim().split('\n');
      const size = Math.min(10_000, INGEST_LIMITS.points);
      for (let i = 1; i < lines.length; i += size)
        await metrics.ingest(ids[key], metrics.checkCsv([lines[0], ...lines.slice(i, i + size)].join('\n') + '\n'));
    }
    viewer = await stack.user(
      'Vera Viewer',
      [
        { role: 'viewer', department: 'E-commerce' },
        { role: 'viewer', department: 'CRM' },
      ],
      { department: 'E-commerce' },
    );
    browser = await launchTestChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('band chips, a sort and a filter in the address, the CSV of the same view, and the comparison on the campaign page', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en' });
    ctx.setDefaultTimeout(SAFETY_NET_MS);
    const p = await ctx.newPage();
    try {
      await signIn(p, stack.url, viewer.email);

      await p.getByTestId('nav-portfolio').click();
      const row618 = p.getByTestId(`portfolio-row-${ids.s618}`);
      await row618.waitFor();
      await p.getByTestId(`portfolio-row-${ids.loyalty}`).waitFor();
      const api = (await stack.api.get('/api/portfolio')).body.items as { id: string; attainmentStatus: string; attainment: number }[];
      const a618 = api.find((r) => r.id === ids.s618)!;
      const chip = row618.getByTestId('portfolio-attainment').locator('li');
      expect(await chip.getAttribute('class')).toBe(`fd-band--${a618.attainmentStatus}`);
      expect(await chip.innerText()).toContain(`${Math.round(a618.attainment * 100)}%`);
      // Revenue at ≈ 96 % of its goal: on track.
      expect(await row618.locator('.fd-band--on_track', { hasText: 'revenue' }).innerText()).toContain('96%');

      // Sort by attainment, ascending: the address says so and the rows follow the API's order.
      await p.getByTestId('portfolio-sort-attainment').click();
      await expect.poll(() => p.evaluate(() => location.hash), { timeout: SAFETY_NET_MS }).toBe('#/portfolio?sort=attainment&order=asc');
      const expected = [...api].sort((x, y) => x.attainment - y.attainment).map((r) => r.id);
      await expect
        .poll(
          () => p.locator('[data-testid^="portfolio-row-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-campaign-id'))),
          {
            timeout: SAFETY_NET_MS,
          },
        )
        .toEqual(expected);

      // A channel filter: only the loyalty drive sends SMS; the CSV link asks for the same view.
      await p.getByTestId('portfolio-channel').fill('sms');
      await p.getByTestId('portfolio-search').click();
      await expect.poll(() => p.locator('[data-testid^="portfolio-row-"]').count(), { timeout: SAFETY_NET_MS }).toBe(1);
      await p.getByTestId(`portfolio-row-${ids.loyalty}`).waitFor();
      const csvHref = await p.getByTestId('portfolio-csv').getAttribute('href');
      expect(csvHref).toBe('/api/portfolio.csv?sort=attainment&order=asc&channel=sms');
      const csv = await p.evaluate(async (href) => (await fetch(href!)).text(), csvHref);
      expect(csv.split('\r\n').filter(Boolean)).toHaveLength(2);
      expect(csv).toContain('Member repurchase drive');
      await p.screenshot({ path: `${SHOTS}portfolio.png`, fullPage: true });

      // The 618 campaign against the ended loyalty drive, per KPI.
      await p.goto(`${stack.url}/#/campaigns/${ids.s618}`);
      const roi = p.getByTestId('comparison').getByTestId('comparison-roi');
      await roi.waitFor();
      const compared = (await stack.api.get(`/api/campaigns/${ids.s618}/comparison`)).body;
      const rank = compared.kpis.find((k: { metric: string }) => k.metric === 'roi');
      expect(await roi.getByTestId('comparison-rank').innerText()).toBe(`${rank.rank} of ${rank.of}`);
      expect(compared.comparable.map((c: { id: string }) => c.id)).toEqual([ids.loyalty]);
      // Table headings are set in capitals, so the name is read from the link itself.
      expect(await p.getByTestId('comparison').locator('th a').allTextContents()).toEqual([compared.comparable[0].name]);
      await p.getByTestId('comparison').screenshot({ path: `${SHOTS}comparison.png` });
    } finally {
      await ctx.close();
    }
  });
});
