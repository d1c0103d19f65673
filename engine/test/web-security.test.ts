/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import express from 'express';
import fc from 'fast-check';
import { startStack, TEST_PASSWORD, type TestStack } from './support/stack.ts';
import { EDITOR_DIST } from '../src/server/start-server.ts';
import { installSecurityHeaders, secureCookies, trustProxySetting } from '../src/api/security-headers.ts';
import { SAFETY_NET_MS } from './support/wait-for.ts';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function expectHardened(headers: Headers, where: string) {
  const csp = headers.get('content-security-policy') ?? '';
  expect(csp, where).toMatch(/frame-ancestors 'none'/);
  expect(csp, where).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
  expect(headers.get('x-content-type-options'), where).toBe('nosniff');
  expect(headers.get('x-frame-options'), where).toBe('DENY');
  expect(headers.get('referrer-policy'), where).toBe('no-referrer');
  expect(headers.get('x-powered-by'), where).toBeNull();
}

/** Every file of the production build, for what must not ship in it. */
function productionFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  return walk(EDITOR_DIST);
}

describe('web security', () => {
  let stack: TestStack;
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!existsSync(join(EDITOR_DIST, 'index.html'))) throw new Error('editor/dist is missing: `npm test` builds it first (npm run build)');
    // The production build, not the test build: what ships is what must pass the CSP.
    stack = await startStack('websec', { worker: false, editorDist: EDITOR_DIST });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('sends the headers on the editor, the API, errors and the one-click approval page', async () => {
    for (const path of [
      '/',
      '/index.html',
      '/flows/anything',
      '/api/openapi.json',
      '/api/flows',
      '/api/no-such-route',
      '/healthz',
      '/approve?token=forged',
    ]) {
      const res = await fetch(`${stack.url}${path}`);
      expectHardened(res.headers, path);
    }
    const asset = productionFiles().find((f) => f.endsWith('.js'))!;
    const res = await fetch(`${stack.url}/assets/${asset.split('/').pop()}`);
    expect(res.status).toBe(200);
    expectHardened(res.headers, 'an asset');
    // The approval page keeps its own stricter policy, made unframeable.
    const approve = (await fetch(`${stack.url}/approve?token=forged`)).headers.get('content-security-policy')!;
    expect(approve).toMatch(/default-src 'none'/);
    expect(approve).toMatch(/frame-ancestors 'none'/);
  });

  it('ships no test hooks and no source maps in the production build', () => {
    const files = productionFiles();
    expect(files.some((f) => f.endsWith('.js'))).toBe(true);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text.includes('__flightdeck'), f).toBe(false);
      expect(text.includes('sourceMappingURL'), f).toBe(false);
    }
  });

  it('renders the editor in Chromium under the CSP with no policy violation', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    page.setDefaultTimeout(SAFETY_NET_MS); // Playwright's 30 s default is only a hang guard: the suite's own one
    const cspConsole: string[] = [];
    page.on('console', (m) => {
      if (/content security policy/i.test(m.text())) cspConsole.push(m.text());
    });
    await page.addInitScript(() => {
      (window as any).__violations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        (window as any).__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    const designer = await stack.user('Csp Designer', [{ role: 'designer', department: 'Marketing' }], { department: 'Marketing' });
    await page.goto(`${stack.url}/#/signin`);
    await page.getByTestId('signin-email').fill(designer.email);
    await page.getByTestId('signin-password').fill(TEST_PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('signout').waitFor();
    await page.getByTestId('new-flow').click();
    await page.getByTestId('new-flow-name').fill('Under the CSP');
    await page.getByTestId('new-flow-create').click();
    await page.getByTestId('canvas').waitFor();
    // React Flow has laid the trigger out (its transform is an inline style set through the CSSOM).
    await page.locator('[data-type="trigger.manual"]').waitFor();
    const transform = await page
      .locator('.react-flow__node')
      .first()
      .evaluate((el) => (el as HTMLElement).style.transform);
    expect(transform).toMatch(/translate/);
    // Stylesheets applied: the canvas has a real size. A node dragged in from the palette and selected.
    const box = await page.getByTestId('canvas').boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    await page
      .getByTestId('palette-control.end')
      .dragTo(page.getByTestId('canvas'), { targetPosition: { x: Math.min(600, box!.width - 40), y: 200 } });
    await page.locator('[data-type="control.end"]').click();
    await expect.poll(() => page.locator('.react-flow__node.selected').count(), { timeout: SAFETY_NET_MS }).toBe(1);
    expect(await page.evaluate(() => (window as any).__flightdeck)).toBeUndefined();
    expect(await page.evaluate(() => (window as any).__violations)).toEqual([]);
    expect(cspConsole).toEqual([]);
  });

  it('marks the session cookie Secure over HTTPS through a trusted proxy, and not over plain HTTP', async () => {
    const designer = await stack.user('Cookie Person', [{ role: 'viewer', department: 'Marketing' }], { department: 'Marketing' });
    const login = (headers: Record<string, string>) =>
      fetch(`${stack.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ email: designer.email, password: TEST_PASSWORD }),
      });
    // The suite's server trusts no proxy, so a forged X-Forwarded-Proto changes nothing.
    const plain = await login({ 'x-forwarded-proto': 'https' });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
    expect(plain.headers.get('strict-transport-security')).toBeNull();
  });
});

describe('trust proxy and Secure cookies', () => {
  async function probe(trust: string | undefined, headers: Record<string, string>) {
    const before = process.env.FLIGHTDECK_TRUST_PROXY;
    if (trust === undefined) delete process.env.FLIGHTDECK_TRUST_PROXY;
    else process.env.FLIGHTDECK_TRUST_PROXY = trust;
    const app = express();
    try {
      installSecurityHeaders(app);
    } finally {
      if (before === undefined) delete process.env.FLIGHTDECK_TRUST_PROXY;
      else process.env.FLIGHTDECK_TRUST_PROXY = before;
    }
    app.get('/', (req, res) => res.cookie('s', 'v', { secure: secureCookies(req) }).send('ok'));
    const server = await new Promise<import('node:http').Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/`, { headers });
      return { cookie: res.headers.get('set-cookie') ?? '', hsts: res.headers.get('strict-transport-security') };
    } finally {
      server.close();
    }
  }

  it('Secure and HSTS when a trusted proxy says https; neither when the proxy is not trusted', async () => {
    const trusted = await probe('loopback', { 'x-forwarded-proto': 'https' });
    expect(trusted.cookie).toMatch(/;\s*Secure/i);
    expect(trusted.hsts).toMatch(/max-age=\d+/);
    const untrusted = await probe(undefined, { 'x-forwarded-proto': 'https' });
    expect(untrusted.cookie).not.toMatch(/;\s*Secure/i);
    expect(untrusted.hsts).toBeNull();
    const httpViaProxy = await probe('loopback', { 'x-forwarded-proto': 'http' });
    expect(httpViaProxy.cookie).not.toMatch(/;\s*Secure/i);
  });

  it('parses FLIGHTDECK_TRUST_PROXY into what Express accepts, and Express refuses garbage at start', () => {
    expect(trustProxySetting(undefined)).toBe(false);
    expect(trustProxySetting('false')).toBe(false);
    expect(trustProxySetting('true')).toBe(true);
    expect(trustProxySetting('2')).toBe(2);
    expect(trustProxySetting('loopback, 10.0.0.0/8')).toBe('loopback, 10.0.0.0/8');
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (raw) => {
        const value = trustProxySetting(raw);
        const app = express();
        try {
          app.set('trust proxy', value);
        } catch (err) {
          // Only a string list Express cannot parse is refused, and then with an error, never silently trusted.
          expect(typeof value).toBe('string');
          expect(err).toBeInstanceOf(Error);
        }
      }),
    );
  });
});
