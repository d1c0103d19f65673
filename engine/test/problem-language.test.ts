import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startStack, TEST_PASSWORD, type TestStack } from './support/stack.ts';
import { acceptedLocale } from '../src/api/caller-locale.ts';
import { titleKey } from '../src/api/problem.ts';

const HAN = /[\u4e00-\u9fff]/;

interface Answer {
  status: number;
  body: any;
  contentType: string;
  language: string | null;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, contentType: res.headers.get('content-type') ?? '', language: res.headers.get('content-language') };
}

/** A caller: a signed-in session (cookie and CSRF token), a token, or no one, with the headers it sends of its own. */
type Caller = (method: string, path: string, init?: { body?: string; type?: string; headers?: Record<string, string> }) => Promise<Answer>;

describe('problems in the caller’s language', () => {
  let stack: TestStack;
  let zhSession: Caller;
  let enSession: Caller;
  let token: Caller;
  let anonymous: Caller;

  const caller =
    (base: Record<string, string>): Caller =>
    (method, path, init = {}) =>
      fetch(stack.url + path, {
        method,
        headers: { ...base, ...(init.type ? { 'content-type': init.type } : {}), ...init.headers },
        body: init.body,
      }).then(answer);

  async function signIn(email: string): Promise<Record<string, string>> {
    const res = await fetch(`${stack.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: TEST_PASSWORD }),
    });
    expect(res.status).toBe(200);
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    return { cookie, 'x-csrf-token': csrfToken };
  }

  beforeAll(async () => {
    stack = await startStack('problem-language', { worker: false });
    const zh = await stack.user('Zhang Admin', [{ role: 'admin', department: null }]);
    const en = await stack.user('Erin Admin', [{ role: 'admin', department: null }]);
    const zhHeaders = await signIn(zh.email);
    // The account's language, chosen in the editor: it wins over whatever the browser sends.
    const set = await caller(zhHeaders)('PUT', '/api/me/preferences', { body: '{"locale":"zh-CN"}', type: 'application/json' });
    expect(set.status).toBe(200);
    zhSession = caller({ ...zhHeaders, 'accept-language': 'en-US,en;q=0.9' });
    enSession = caller({ ...(await signIn(en.email)), 'accept-language': 'zh-CN' });
    token = caller({ authorization: `Bearer ${stack.api.token}` });
    anonymous = caller({});
  });
  afterAll(async () => {
    await stack?.close();
  });

  function expectWords(a: Answer, status: number, locale: 'en' | 'zh-CN', code?: string) {
    expect(a.status).toBe(status);
    expect(a.contentType).toContain('application/problem+json');
    expect(a.language).toBe(locale);
    expect(a.body.code).toEqual(code ?? expect.any(String));
    for (const text of [a.body.title, a.body.detail]) {
      if (locale === 'zh-CN') expect(text).toMatch(HAN);
      else expect(text).not.toMatch(HAN);
    }
  }

  const bigBody = JSON.stringify({ name: 'x', graph: { pad: 'x'.repeat(2_000_000) } });

  it('404, 409, 413 and 415: a zh account reads Chinese, an en account and a token that asks for nothing read English', async () => {
    const missing = `/api/flows/${crypto.randomUUID()}`;
    const taken = JSON.stringify({ email: (await stack.user('Taken', [])).email, name: 'Again', password: TEST_PASSWORD });
    const cases: [number, Parameters<Caller>, string][] = [
      [404, ['GET', '/api/no-such-thing'], 'no_route'],
      [404, ['GET', missing], 'hidden'],
      [409, ['POST', '/api/users', { body: taken, type: 'application/json' }], 'user_exists'],
      [413, ['POST', '/api/flows', { body: bigBody, type: 'application/json' }], 'body_too_large'],
      [415, ['POST', '/api/flows', { body: 'name=x', type: 'text/plain' }], 'send_json'],
    ];
    for (const [status, args, code] of cases) {
      const zh = await zhSession(...args);
      expectWords(zh, status, 'zh-CN', code);
      const en = await enSession(...args);
      expectWords(en, status, 'en', code);
      const plain = await token(...args);
      expectWords(plain, status, 'en', code);
      // The same problem: one code and the same values, worded twice; the English is what the API always said.
      expect(zh.body.type).toBe(en.body.type);
      expect(zh.body.params).toEqual(en.body.params);
    }
    const notFound = await zhSession('GET', missing);
    expect(notFound.body).toMatchObject({ title: '未找到', detail: '这里没有内容，或者您无权查看' });
    expect((await token('GET', missing)).body).toMatchObject({
      title: 'Not found',
      detail: 'There is nothing here, or nothing you may see',
    });
    // A token's script reads Chinese when it asks for it.
    expectWords(await token('GET', missing, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } }), 404, 'zh-CN', 'hidden');
  });

  it('a field problem from a hand-written contract message carries its Chinese words beside the English', async () => {
    const res = await zhSession('POST', '/api/flows', { body: JSON.stringify({ name: '   ', graph: {} }), type: 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(HAN);
    expect(res.body.errors).toContainEqual(expect.objectContaining({ path: 'name', message: 'A flow needs a name', zh: '流程需要名称' }));
  });

  it('429: signed out, Accept-Language decides; nothing asked is English', async () => {
    const lockOut = async (email: string, headers: Record<string, string>) => {
      let last: Answer | undefined;
      for (let i = 0; i < 6; i++)
        last = await anonymous('POST', '/api/auth/login', {
          body: JSON.stringify({ email, password: 'wrong password!' }),
          type: 'application/json',
          headers,
        });
      return last!;
    };
    const zh = await lockOut('nobody.zh@test.flightdeck', { 'accept-language': 'zh-TW;q=0.8, en;q=0.5' });
    expectWords(zh, 429, 'zh-CN', 'too_many_sign_ins');
    expect(zh.body.detail).toMatch(/请在 \d+ 秒后重试/);
    const en = await lockOut('nobody.en@test.flightdeck', {});
    expectWords(en, 429, 'en', 'too_many_sign_ins');
    expect(en.body.detail).toMatch(/^Too many failed sign-ins; try again in \d+ s$/);
  });

  it('hostile Accept-Language headers on the wire never get a 5xx, and the problem stays a problem', async () => {
    const byte = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
    const value = fc.oneof(
      fc.array(byte, { maxLength: 400 }).map((a) => a.join('')),
      fc.constantFrom('*;q=1', ',,,;;;', 'zh;q=1.0000001', `${'zh-'.repeat(2000)}CN`, 'q=0.5', 'zh;q=-1', 'en;q=NaN'),
    );
    await fc.assert(
      fc.asyncProperty(value, async (h) => {
        const res = await anonymous('GET', '/api/no-such-thing', { headers: { 'accept-language': h } });
        expect(res.status).toBe(404);
        expect(res.contentType).toContain('application/problem+json');
        expect(['en', 'zh-CN']).toContain(res.language);
      }),
      { numRuns: 60 },
    );
  });

  it('Accept-Language: whatever the header, the parser never throws and answers one of our languages or nothing', () => {
    const tag = fc.stringMatching(/^([a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8}){0,2}|\*)$/);
    const weighted = fc
      .tuple(tag, fc.option(fc.double({ min: -1, max: 2, noNaN: true })))
      .map(([t, q]) => (q === null ? t : `${t};q=${q}`));
    const header = fc.oneof(
      fc.array(weighted, { maxLength: 30 }).map((parts) => parts.join(', ')),
      fc.string({ maxLength: 3000 }),
      fc.string({ unit: 'binary', maxLength: 600 }),
    );
    fc.assert(
      fc.property(fc.oneof(header, fc.anything()), (h) => {
        expect([undefined, 'en', 'zh-CN']).toContain(acceptedLocale(h));
      }),
      { numRuns: 2000 },
    );
    expect(acceptedLocale('fr, zh-Hant;q=0.4, en;q=0.3')).toBe('zh-CN');
    expect(acceptedLocale('zh;q=0, en')).toBe('en');
    expect(acceptedLocale('fr-FR')).toBeUndefined();
    expect(acceptedLocale('zh-CN;q=abc')).toBeUndefined();
  });

  it('every title the engine words has its entry in the table', () => {
    const titles = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts'))
          for (const m of readFileSync(p, 'utf8').matchAll(
            /HttpProblem\(\s*\d{3},\s*'([^']+)'|\[\d{3}, '([^']+)'\]|super\(\d{3}, '([^']+)'/g,
          ))
            titles.add(m[1] ?? m[2] ?? m[3]!);
      }
    };
    walk(join(import.meta.dirname, '../src'));
    expect(titles.size).toBeGreaterThan(30);
    expect([...titles].filter((t) => !titleKey(t))).toEqual([]);
  });
});
