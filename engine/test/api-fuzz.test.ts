import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startStack, type TestStack } from './support/stack.ts';
import { departments } from '../src/db/schema.ts';
import { domainErrorFromDb } from '../src/services/db-errors.ts';
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

  // The fuzz sends unsigned hook events, which lock this address out of the hooks endpoint for a
  // while (as they should); the later checks move the server's clock past that instead of waiting.
  let clockOffset = 0;
  beforeAll(async () => {
    stack = await startStack('api-fuzz', { clock: () => Date.now() + clockOffset });
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
          if (x.status >= 500 || x.status === 0 || (api && x.status >= 400 && !x.contentType.includes('application/problem+json')))
            failures.push(x);
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

  it('each class of refusal names its field', async () => {
    // An administrator of its own: the fuzz, as the first administrator, may have revoked that one's grants.
    const s = (await stack.user('Fuzz Checker', [{ role: 'admin', department: null }])).api;
    // Past every rate-limit window and lock-out the fuzz filled, on the server's clock (how long the fuzz took on a
    // busy machine must not decide whether these calls are throttled).
    clockOffset += 24 * 3_600_000;
    // Text PostgreSQL cannot store, anywhere in the request: 400 naming the field.
    const nul = await s.post('/api/flows', { name: 'ok', description: 'a\u0000b' });
    expect(nul.status).toBe(400);
    expect(nul.body.errors[0]).toMatchObject({ path: 'description', code: 'unstorable_text' });
    const surrogate = await s.post('/api/flows', {
      name: 'ok',
      graph: {
        schemaVersion: 1,
        nodes: [{ id: 'start', type: 'trigger.manual', config: { sampleInput: { note: 'x\ud800' } } }],
        edges: [],
      },
    });
    expect(surrogate.status).toBe(400);
    expect(surrogate.body.errors[0].path).toBe('graph.nodes.0.config.sampleInput.note');
    const inQuery = await s.get('/api/audit?entityType=%00');
    expect(inQuery.status).toBe(400);
    expect(inQuery.body.errors[0].path).toBe('query.entityType');
    // Numbers past a column's range.
    const listed = await s.get('/api/flows');
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    const flows = listed.body.items;
    const big = await s.post(`/api/flows/${flows[0].id}/runs`, { version: 2 ** 31 });
    expect(big.status).toBe(400);
    expect(big.body.errors[0].path).toBe('version');
    // A foreign key: the department does not exist.
    const fk = await s.post('/api/campaigns', { name: 'c', ownerId: '00000000-0000-4000-8000-000000000000' });
    expect(fk.status).toBe(422);
    expect(fk.body.errors[0]).toMatchObject({ path: 'ownerId', code: 'foreign_key' });
    const head = await s.post('/api/departments', { name: 'Headless', headUserId: '00000000-0000-4000-8000-000000000000' });
    expect(head.status).toBe(422);
    expect(head.body.errors[0].path).toBe('headUserId');
    // A unique constraint, straight from PostgreSQL (the service's own check is not in the way here).
    const db = stack.server.db.db;
    const taken = await db
      .insert(departments)
      .values({ name: 'Fuzz A' })
      .catch((err: unknown) => err);
    expect(domainErrorFromDb(taken)).toMatchObject({ kind: 'conflict', issues: [{ path: 'name', code: 'unique' }] });
    // The inbound hook takes only UUIDs, and says nothing about which exist.
    clockOffset += 24 * 3_600_000;
    const hook = await fetch(`${stack.url}/api/hooks/------------------------------------`, { method: 'POST', body: '{}' });
    expect(hook.status).toBe(404);
    // An e-mail connection under "send test message": tested by e-mail, not pushed into a chat adapter.
    const mail = await s.post('/api/connections', { kind: 'email', name: 'Mail', secrets: { smtpUrl: 'smtp://127.0.0.1:9' } });
    const tested = await s.post(`/api/connections/${mail.body.id}/test`, {});
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ ok: false, error: expect.any(String) });
    // A scenario file that the campaign schema refuses: 422 with the file's own field names.
    const file = await s.post('/api/campaigns/import', {
      id: 'bad-file',
      name: 'x',
      department: 'Fuzz A',
      goals: [],
      budget: { total: 1, lines: [{ channel: 'a', amount: 5 }] },
      phases: [{ name: 'p', starts_at: 'soon', ends_at: 'later' }],
    });
    expect(file.status).toBe(422);
    expect(file.body.errors.map((e: { path: string }) => e.path)).toContain('phases.0.starts_at');
  });
});
