/**
 * The API fuzz at length: the generator of engine/test/api-fuzz.test.ts, at least 20,000 requests
 * (FUZZ_REQUESTS), over every route as an admin, a designer and nobody. Prints the count per status
 * and per route, and every 5xx; exits 1 when there is one.
 */
import fc from 'fast-check';
import { startBenchStack, writeBenchResult } from './stack.ts';
import { createFuzzFixtures, describeResult, routeRequests, send, type Caller, type FuzzResult } from '../test/support/api-fuzz.ts';

const TOTAL = Math.max(20_000, Number(process.env.FUZZ_REQUESTS ?? 20_000));
const BATCH = 8;
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

const stack = await startBenchStack('fuzz', {
  pg: Number(process.env.BENCH_PG_PORT ?? 54398),
  temporal: Number(process.env.BENCH_TEMPORAL_PORT ?? 7296),
});
try {
  const people = stack.server.app.people;
  const admin = await stack.user('fuzz-admin@bench.local', 'Fuzz admin', 'admin');
  const mine = (await people.ensureDepartment(admin.actor, 'Fuzz A')).id;
  const other = (await people.ensureDepartment(admin.actor, 'Fuzz B')).id;
  const created = await people.createUser(admin.actor, {
    email: 'fuzz-designer@bench.local',
    name: 'Fuzz designer',
    password: 'bench-password',
    departmentId: mine,
  });
  await people.grant(admin.actor, { userId: created.id, role: 'designer', departmentId: mine });
  const designer = {
    id: created.id,
    token: (await people.createApiToken(await people.actorFor((await people.userRow(created.id))!, 'system'), 'fuzz')).token,
  };
  const fixtures = await createFuzzFixtures(stack.server.url, admin.token, { mine, other }, [designer.id, admin.id]);
  const doc = await (await fetch(`${stack.server.url}/api/openapi.json`)).json();
  const { routes, arbitrary } = routeRequests(doc, fixtures);
  const tokens: Record<Caller, string | undefined> = { admin: admin.token, designer: designer.token, anonymous: undefined };

  const byStatus = new Map<number, number>();
  const byRoute = new Map<string, Map<number, number>>();
  const failures: FuzzResult[] = [];
  let sent = 0;
  const started = performance.now();
  await fc.assert(
    fc.asyncProperty(fc.array(arbitrary, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
      for (const x of await Promise.all(batch.map((r) => send(stack.server.url, tokens, r)))) {
        sent++;
        byStatus.set(x.status, (byStatus.get(x.status) ?? 0) + 1);
        const counts = byRoute.get(x.request.route) ?? new Map<number, number>();
        counts.set(x.status, (counts.get(x.status) ?? 0) + 1);
        byRoute.set(x.request.route, counts);
        if (x.status >= 500 || x.status === 0) failures.push(x);
      }
      return true;
    }),
    { numRuns: Math.ceil(TOTAL / BATCH), seed },
  );
  const seconds = (performance.now() - started) / 1000;
  const fmt = (m: Map<number, number>) =>
    [...m]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ');
  console.log(`fuzz: ${sent} requests in ${seconds.toFixed(1)} s (seed ${seed}); by status: ${fmt(byStatus)}`);
  for (const route of routes) console.log(`  ${route.padEnd(48)} ${fmt(byRoute.get(route) ?? new Map())}`);
  for (const f of failures.slice(0, 50)) console.log(`  5xx: ${describeResult(f)}`);
  console.log(failures.length ? `FAIL: ${failures.length} responses were 5xx` : 'ok: no 5xx');
  writeBenchResult('fuzz', {
    seed,
    requests: sent,
    seconds,
    byStatus: Object.fromEntries(byStatus),
    byRoute: Object.fromEntries([...byRoute].map(([r, m]) => [r, Object.fromEntries(m)])),
    fiveHundreds: failures.map(describeResult),
  });
  process.exitCode = failures.length ? 1 : 0;
} finally {
  await stack.close();
}
