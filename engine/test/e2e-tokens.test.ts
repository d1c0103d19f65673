import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { ApiClient, startStack, TEST_PASSWORD, type TestStack } from './support/stack.ts';
import { EDITOR_DIST } from '../src/server/start-server.ts';
import { SAFETY_NET_MS } from './support/wait-for.ts';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** The API tokens page in headless Chromium: create a read-only token, see it listed without its secret, revoke it. */
describe('editor: API tokens', () => {
  let stack: TestStack;
  let browser: Browser;
  let dana: Awaited<ReturnType<TestStack['user']>>;

  beforeAll(async () => {
    if (!existsSync(`${EDITOR_DIST}/index.html`)) throw new Error('editor/dist is missing: `npm test` builds it first (npm run build)');
    stack = await startStack('e2e-tokens', { worker: false });
    dana = await stack.user('Dana Designer', [{ role: 'designer', department: 'Marketing' }], { department: 'Marketing' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('creates a token with scopes, shows its secret once, lists it and revokes it', async () => {
    const page = await browser.newPage({ locale: 'en-US' });
    page.setDefaultTimeout(SAFETY_NET_MS); // Playwright's 30 s default is only a hang guard: the suite's own one
    await page.goto(`${stack.url}/#/signin`);
    await page.getByTestId('signin-email').fill(dana.email);
    await page.getByTestId('signin-password').fill(TEST_PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('nav-tokens').click();
    await page.getByTestId('token-name').fill('nightly report');
    await page.getByTestId('token-days').selectOption('30');
    await page.getByTestId('token-create').click();
    const secret = (await page.getByTestId('token-secret').locator('code').textContent())!;
    expect(secret).toMatch(/^fdk_/);

    const token = new ApiClient(stack.url, secret);
    expect((await token.get('/api/flows')).status).toBe(200);
    expect((await token.post('/api/flows', { name: 'x' })).status).toBe(403); // read only, the default on the page
    const row = page.locator('[data-testid^="token-row-"]', { hasText: 'nightly report' });
    await row.waitFor();
    expect(await row.textContent()).toContain('read');
    expect(await page.getByTestId('token-list').textContent()).not.toContain(secret);

    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button').click();
    await row.waitFor({ state: 'detached' });
    expect((await token.get('/api/flows')).status).toBe(401);
  });
});
