import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startStack, type TestStack } from './support/stack.ts';
import { createFuzzFixtures, describeResult, routeRequests, send, type Caller, type FuzzResult } from './support/api-fuzz.ts';

/**
 * No user input gets a 5xx: generated bad requests over every route in the OpenAPI document (and
 * the two routes outside it, the inbound hook and the one-click page), as an admin, a designer and
 * nobody, against the real app on real PostgreSQL and Temporal. engine/bench/fuzz.ts runs more.
 */
describe('API fuzz', () => {
  let stack: TestStack;
  let tokens: Record<Caller, string | undefined>;
  let requests: ReturnType<typeof routeRequests>;

  beforeAll(async () => {
    stack = await startStack('api-fuzz');
    const mine = await stack.departmentId('Fuzz A');
    const other = await stack.departmentId('Fuzz B');
    const designer = await stack.user('Fuzz Designer', [{ role: 'designer', department: 'Fuzz A' }], { department: 'Fuzz A' });
    const fixtures = await createFuzzFixtures(stack.url, stack.api.token!, { mine, other }, [designer.id]);
    tokens = { admin: stack.api.token, designer: designer.api.token, anonymous: undefined };
    const doc = await stack.api.get('/api/openapi.json');
    requests = routeRequests(doc.body, fixtures);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('property: a few thousand generated bad requests, none answered with a 5xx; every error is problem+json', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
    const failures: FuzzResult[] = [];
    const hits = new Map<string, number>();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(requests.arbitrary, { minLength: 8, maxLength: 8 }), async (batch) => {
        const results = await Promise.all(batch.map((r) => send(stack.url, tokens, r)));
        for (const x of results) {
          sent++;
          hits.set(x.request.route, (hits.get(x.request.route) ?? 0) + 1);
          const api = x.request.url.startsWith('/api') || x.request.url.startsWith('/healthz');
          if (x.status >= 500 || (api && x.status >= 400 && !x.contentType.includes('application/problem+json'))) failures.push(x);
        }
        return true;
      }),
      { numRuns: 320, seed, endOnFailure: true },
    );
    expect(failures.map(describeResult), `seed ${seed}: ${failures.length} of ${sent} requests failed`).toEqual([]);
    // The generator reaches every route, so "no 5xx" speaks for all of them.
    expect(requests.routes.filter((r) => !hits.has(r))).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(2500);
  });
});
