import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Browser, Route } from 'playwright-core';
import type { Locale } from '@flightdeck/workflows';
import { Unavailable } from './errors.ts';

/** Where Chromium is looked for when nothing is configured: Debian's package, as .ci/run and the Dockerfile install it. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export interface ReviewPdfOptions {
  /** The built editor whose review page is printed (editor/dist, or the test build). */
  editorDist: string;
  /** The Chromium binary; default CHROMIUM_PATH of the environment, then /usr/bin/chromium. */
  chromiumPath?: string;
  /** One render may take this long, from the page's load to the last PDF byte. */
  timeoutMs?: number;
  /** Renders waiting for their turn beyond the one running; more are refused (503, try again). */
  queueLimit?: number;
}

/** What the page reads: the stored review as GET /api/campaigns/:id/review answers it, and its version list. */
export interface ReviewPdfInput {
  campaignId: string;
  review: { stored: { version: number } } & Record<string, unknown>;
  versions: unknown[];
  lang: Locale;
}

/** An origin that resolves nowhere: every request the page makes is answered here, or refused. */
const ORIGIN = 'http://review-render.invalid';
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/**
 * The review page as a PDF, printed by headless Chromium with the page's own print stylesheet.
 *
 * No session and no token ever reaches the browser. The route has already checked that the caller may
 * read the campaign and has read the stored review under that check; the page, loaded from the built
 * editor at an origin that resolves nowhere, gets that document (and a render-only identity with no
 * grants) through request interception, and every other request is refused. So the browser holds
 * nothing that could be replayed, reaches no network and no API, and prints exactly the version the
 * caller was allowed to read. (A render token would need the browser to call the API as someone:
 * a credential in a process that runs a whole web page.)
 *
 * Bounded: one render at a time on one browser (launched on first use, relaunched if it dies), a
 * queue of a few, and a timeout per render.
 */
export class ReviewPdfRenderer {
  private browser: Promise<Browser> | undefined;
  private turn: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private readonly timeoutMs: number;
  private readonly queueLimit: number;

  constructor(private readonly opts: ReviewPdfOptions) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.queueLimit = opts.queueLimit ?? 16;
  }

  private get chromiumPath(): string {
    return this.opts.chromiumPath ?? (process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM);
  }

  /** Why no PDF can be made here, in words an operator can act on; undefined when it can. */
  missing(): string | undefined {
    if (!existsSync(this.chromiumPath))
      return (
        `No Chromium at ${this.chromiumPath}: install it (Debian: apt-get install -y chromium fonts-noto-cjk) ` +
        'or point CHROMIUM_PATH at one'
      );
    if (!existsSync(join(this.opts.editorDist, 'index.html')))
      return `The editor is not built (${this.opts.editorDist}/index.html is missing): run npm run build`;
    return undefined;
  }

  async render(input: ReviewPdfInput): Promise<Buffer> {
    const why = this.missing();
    if (why) throw new Unavailable(why, [{ path: 'chromium', message: why }]);
    if (this.waiting > this.queueLimit) throw new Unavailable('Too many PDFs are being rendered; try again in a moment');
    this.waiting++;
    const mine = this.turn.then(
      () => this.renderNow(input),
      () => this.renderNow(input),
    );
    this.turn = mine.catch(() => undefined);
    try {
      return await mine;
    } finally {
      this.waiting--;
    }
  }

  async close(): Promise<void> {
    const browser = this.browser;
    this.browser = undefined;
    if (browser) await (await browser.catch(() => undefined))?.close().catch(() => undefined);
  }

  private launch(): Promise<Browser> {
    this.browser ??= import('playwright-core').then(async ({ chromium }) => {
      const browser = await chromium.launch({
        executablePath: this.chromiumPath,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
      });
      browser.on('disconnected', () => {
        this.browser = undefined;
      });
      return browser;
    });
    this.browser.catch(() => {
      this.browser = undefined;
    });
    return this.browser;
  }

  private async renderNow(input: ReviewPdfInput): Promise<Buffer> {
    let browser: Browser;
    try {
      browser = await this.launch();
    } catch (err) {
      const message = `Chromium at ${this.chromiumPath} did not start: ${(err as Error).message.split('\n')[0]}`;
      throw new Unavailable(message, [{ path: 'chromium', message }]);
    }
    const context = await browser.newContext({ offline: false, locale: input.lang, serviceWorkers: 'block', acceptDownloads: false });
    let timer: NodeJS.Timeout | undefined;
    try {
      context.setDefaultTimeout(this.timeoutMs);
      await context.route('**/*', (route) => this.answer(route, input));
      const page = await context.newPage();
      await page.addInitScript((lang) => localStorage.setItem('flightdeck.locale', lang), input.lang);
      const hash = `#/campaigns/${encodeURIComponent(input.campaignId)}/review?version=${input.review.stored.version}`;
      const tooLong = () => new Unavailable(`The PDF took longer than ${this.timeoutMs / 1000} s to render; try again`);
      const work = (async () => {
        await page.goto(`${ORIGIN}/${hash}`, { waitUntil: 'load' });
        await page.waitForSelector(`[data-testid="review-page"][data-version="${input.review.stored.version}"]`);
        // Charts draw after layout, web fonts (the CJK ones too) after first use: print once both have settled.
        await page.evaluate(() => document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => r(null)))));
        await page.emulateMedia({ media: 'print' });
        return page.pdf({ format: 'A4', printBackground: true, margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' } });
      })().catch((err: unknown) => {
        // Playwright's own step timeouts are the same limit, reached inside a step.
        throw (err as Error)?.name === 'TimeoutError' ? tooLong() : err;
      });
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(tooLong()), this.timeoutMs);
      });
      // Past the timeout the page is closed under it; its failure then has nobody to tell.
      work.catch(() => undefined);
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
      await context.close().catch(() => undefined);
    }
  }

  private async answer(route: Route, input: ReviewPdfInput): Promise<void> {
    const url = new URL(route.request().url());
    if (url.origin !== ORIGIN) return route.abort('blockedbyclient');
    const json = (status: number, body: unknown, type = 'application/json') =>
      route.fulfill({ status, contentType: type, body: JSON.stringify(body) });
    if (url.pathname.startsWith('/api/')) {
      const base = `/api/campaigns/${encodeURIComponent(input.campaignId)}`;
      if (url.pathname === '/api/auth/me') return json(200, renderSession(input.lang));
      if (url.pathname === `${base}/review`) return json(200, input.review);
      if (url.pathname === `${base}/reviews`) return json(200, { versions: input.versions });
      return json(404, { type: 'about:blank', title: 'Not found', status: 404 }, 'application/problem+json');
    }
    // The editor's own files, and nothing outside its folder.
    const dist = normalize(this.opts.editorDist);
    let name = url.pathname;
    try {
      name = decodeURIComponent(name);
    } catch {
      // Not a file of ours: the page itself, as for any other unknown path.
    }
    const path = normalize(join(dist, name));
    const file = path === dist || path === dist + sep || !path.startsWith(dist + sep) ? join(dist, 'index.html') : path;
    const body = await readFile(existsSync(file) ? file : join(dist, 'index.html')).catch(() => undefined);
    if (!body) return route.abort('failed');
    return route.fulfill({ status: 200, contentType: TYPES[extname(file)] ?? 'application/octet-stream', body });
  }
}

/** Who the printed page thinks is signed in: nobody real, with no grants, so it offers nothing to do. */
function renderSession(lang: Locale) {
  return {
    user: {
      id: '00000000-0000-4000-8000-000000000000',
      email: 'render@flightdeck.invalid',
      name: 'PDF',
      locale: lang,
      phone: null,
      departmentId: null,
      active: true,
      grants: [],
    },
    csrfToken: null,
  };
}
