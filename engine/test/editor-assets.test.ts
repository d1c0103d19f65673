import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import express from 'express';
import fc from 'fast-check';
import { startStack, type TestStack } from './support/stack.ts';
import { EDITOR_DIST } from '../src/server/start-server.ts';
import { editorAssets, IMMUTABLE } from '../src/api/editor-assets.ts';
import { chooseEncoding, PRECOMPRESSED } from '../src/api/accept-encoding.ts';
import { installSecurityHeaders } from '../src/api/security-headers.ts';
import { HEAVY_CHUNK } from '../../editor/build/budget.ts';

/** Raw GET: fetch() would normalise `..` and decompress; the assertions need the bytes and headers as sent. */
async function get(base: string, path: string, acceptEncoding?: string) {
  const url = new URL(base);
  const http = await import('node:http');
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path, headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('accept-encoding negotiation', () => {
  it('prefers brotli on a tie, honours q and refusals, falls back to identity', () => {
    expect(chooseEncoding('gzip, deflate, br, zstd', PRECOMPRESSED)).toBe('br');
    expect(chooseEncoding('gzip', PRECOMPRESSED)).toBe('gzip');
    expect(chooseEncoding('br;q=0.5, gzip', PRECOMPRESSED)).toBe('gzip');
    expect(chooseEncoding('br;q=0, *', PRECOMPRESSED)).toBe('gzip');
    expect(chooseEncoding('identity', PRECOMPRESSED)).toBeUndefined();
    expect(chooseEncoding(undefined, PRECOMPRESSED)).toBeUndefined();
    expect(chooseEncoding('br', ['gzip'])).toBeUndefined();
  });

  it('never picks an encoding that is not available or that the header refuses, whatever the header', () => {
    const available = fc.subarray([...PRECOMPRESSED]);
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), available, (header, have) => {
        const chosen = chooseEncoding(header, have);
        if (chosen === undefined) return;
        expect(have).toContain(chosen);
        expect(header.toLowerCase()).toMatch(new RegExp(`${chosen}|\\*`));
      }),
      { numRuns: 500 },
    );
  });
});

describe('editor assets on a fixture build', () => {
  let root: string;
  let base: string;
  let close: () => void;
  const SECRET = 'outside-the-build-secret';
  const script = 'console.log("flightdeck");'.repeat(100);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'fd-assets-'));
    const dist = join(root, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(root, 'secret.txt'), SECRET);
    writeFileSync(join(root, 'dist-secret.txt'), SECRET); // shares the prefix "dist": a naive startsWith check lets it out
    writeFileSync(join(dist, '.env'), SECRET);
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>fixture</title>');
    writeFileSync(join(dist, 'assets', 'app-abc123.js'), script);
    writeFileSync(join(dist, 'assets', 'app-abc123.js.br'), brotliCompressSync(script));
    writeFileSync(join(dist, 'assets', 'app-abc123.js.gz'), gzipSync(script));
    const app = express();
    installSecurityHeaders(app);
    app.use(editorAssets(dist));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => {
    close?.();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves the fixture asset in each encoding with the same bytes', async () => {
    for (const [accept, encoding] of [
      ['br', 'br'],
      ['gzip', 'gzip'],
      ['', undefined],
    ] as const) {
      const res = await get(base, '/assets/app-abc123.js', accept);
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBe(encoding);
      const text = (encoding === 'br' ? brotliDecompressSync(res.body) : encoding === 'gzip' ? gunzipSync(res.body) : res.body).toString();
      expect(text).toBe(script);
    }
  });

  it('never serves a file outside the build, nor a 5xx, for hostile asset paths', async () => {
    const traversal = fc.constantFrom(
      '..',
      '%2e%2e',
      '%2E%2E',
      '.%2e',
      '%2e.',
      '..%2f..',
      '..%5c..',
      '%2f',
      '%5c',
      '%00',
      '\u0000',
      '%252e%252e',
      '....//',
      '%c0%ae%c0%ae',
      '%',
      '%zz',
    );
    const segment = fc.oneof(
      traversal,
      fc.constantFrom('secret.txt', 'dist-secret.txt', '.env', 'assets', 'dist', 'index.html'),
      fc.string(),
    );
    const hostile = fc
      .tuple(
        fc.constantFrom('/assets/', '/', '/assets/..', '//'),
        fc.array(segment, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('/', '%2f', '%5c'),
      )
      .map(([prefix, parts, separator]) => prefix + parts.map((p) => p.replace(/[\s#?]/g, '')).join(separator));
    await fc.assert(
      fc.asyncProperty(hostile, fc.constantFrom('br', 'gzip', ''), async (path, accept) => {
        let res;
        try {
          res = await get(base, path, accept);
        } catch (err) {
          // Node's client refuses some paths (a raw NUL) before sending: nothing reached the server.
          expect(String(err)).toMatch(/invalid|unescaped|character/i);
          return;
        }
        expect(res.status, path).toBeLessThan(500);
        expect(res.body.toString('latin1'), path).not.toContain(SECRET);
        if (res.status === 200) expect([script, '<!doctype html><title>fixture</title>'], path).toContain(decoded(res));
        if (path.startsWith('/assets/') && res.status !== 200) expect(res.headers['content-type'], path).toMatch(/problem\+json/);
      }),
      { numRuns: 400 },
    );
  });

  const decoded = (res: Awaited<ReturnType<typeof get>>) =>
    (res.headers['content-encoding'] === 'br'
      ? brotliDecompressSync(res.body)
      : res.headers['content-encoding'] === 'gzip'
        ? gunzipSync(res.body)
        : res.body
    ).toString();
});

describe('editor assets on the production build', () => {
  let stack: TestStack;
  const assets = () => readdirSync(join(EDITOR_DIST, 'assets'));

  beforeAll(async () => {
    if (!existsSync(join(EDITOR_DIST, 'index.html'))) throw new Error('editor/dist is missing: `npm test` builds it first (npm run build)');
    stack = await startStack('assets', { worker: false, editorDist: EDITOR_DIST });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('sends hashed scripts immutable, precompressed by Accept-Encoding, with Vary and a JavaScript type', async () => {
    const name = assets().find((f) => f.endsWith('.js') && assets().includes(`${f}.br`))!;
    const plain = readFileSync(join(EDITOR_DIST, 'assets', name));
    for (const [accept, encoding] of [
      ['gzip, deflate, br, zstd', 'br'],
      ['gzip', 'gzip'],
      ['identity', undefined],
      [undefined, undefined],
    ] as const) {
      const res = await get(stack.url, `/assets/${name}`, accept);
      expect(res.status, accept).toBe(200);
      expect(res.headers['cache-control']).toBe(IMMUTABLE);
      expect(res.headers['vary']).toMatch(/accept-encoding/i);
      expect(res.headers['content-type']).toMatch(/javascript/);
      expect(res.headers['content-encoding']).toBe(encoding);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      const body = encoding === 'br' ? brotliDecompressSync(res.body) : encoding === 'gzip' ? gunzipSync(res.body) : res.body;
      expect(body.equals(plain)).toBe(true);
      if (encoding) expect(res.body.length).toBeLessThan(plain.length / 2);
    }
  });

  it('sends index.html and the page fallback no-cache, compressed, under the CSP', async () => {
    for (const path of ['/', '/index.html', '/flows/anything']) {
      const res = await get(stack.url, path, 'br, gzip');
      expect(res.status, path).toBe(200);
      expect(res.headers['cache-control'], path).toBe('no-cache');
      expect(res.headers['content-type'], path).toMatch(/text\/html/);
      expect(res.headers['vary'], path).toMatch(/accept-encoding/i);
      expect(res.headers['content-security-policy'], path).toMatch(/script-src 'self'/);
      expect(decodedText(res), path).toContain('<div id="root">');
    }
    const missing = await get(stack.url, '/assets/no-such-chunk-0000.js', 'br');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);
  });

  it('makes the sign-in page preload none of the heavy chunks', async () => {
    const html = decodedText(await get(stack.url, '/', 'gzip'));
    const loaded = [...html.matchAll(/<(?:script[^>]*src|link[^>]*href)="\/assets\/([^"]+\.js)"/g)].map((m) => m[1]!);
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.filter((f) => HEAVY_CHUNK.test(f))).toEqual([]);
    // The heavy chunks exist, only elsewhere: a name change would otherwise make this test pass vacuously.
    for (const chunk of ['flow', 'cel', 'liquid', 'charts', 'elk.bundled']) {
      expect(
        assets().some((f) => f.startsWith(`${chunk}-`) && f.endsWith('.js')),
        chunk,
      ).toBe(true);
    }
    // And nothing the entry preloads contains them under another name.
    for (const file of loaded) {
      const text = readFileSync(join(EDITOR_DIST, 'assets', file), 'utf8');
      for (const marker of ['react-flow__pane', 'echarts', 'liquidjs', 'ElkJS'])
        expect(text.includes(marker), `${file} ${marker}`).toBe(false);
    }
  });

  const decodedText = (res: Awaited<ReturnType<typeof get>>) =>
    (res.headers['content-encoding'] === 'br'
      ? brotliDecompressSync(res.body)
      : res.headers['content-encoding'] === 'gzip'
        ? gunzipSync(res.body)
        : res.body
    ).toString();
});
