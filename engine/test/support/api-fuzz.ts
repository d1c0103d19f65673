/**
 * Bad requests for every route in the OpenAPI document, generated from the route's own schemas:
 * almost-valid bodies with one field gone wrong, wrong types, text PostgreSQL cannot store, numbers
 * past every integer type, dates past PostgreSQL's range, ids that are not UUIDs or belong to another
 * department, random JSON, missing and extra fields. Shared by engine/test/api-fuzz.test.ts and
 * engine/bench/fuzz.ts, so the bench runs exactly what the suite runs, only longer.
 */
import fc from 'fast-check';
import { request } from 'node:http';

export type Caller = 'admin' | 'designer' | 'anonymous';

export interface FuzzRequest {
  caller: Caller;
  method: string;
  /** The route as documented ("/api/flows/{id}"), for counts and failure reports. */
  route: string;
  /** The concrete path with its query string. */
  url: string;
  /** Raw body text (already JSON, or deliberately not); undefined sends none. */
  body?: string;
  headers?: Record<string, string>;
}

export interface FuzzFixtures {
  /** Real ids: of the designer's department, of another one, and of everything else that exists. */
  ids: string[];
  departmentNames: string[];
  taskIds: string[];
}

type Schema = Record<string, any>;
type Op = {
  parameters?: { name: string; in: 'path' | 'query'; required?: boolean; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
};

const UNSTORABLE = ['\u0000', 'a\u0000b', '\ud800', 'x\udc00y', '\udbff\u0000', '\u0000'.repeat(3), '\ud83d'];
const NOT_UUIDS = [
  'not-a-uuid',
  '------------------------------------',
  '00000000-0000-0000-0000-00000000000g',
  '0',
  '-1',
  "1' or '1'='1",
  '../../etc/passwd',
  '%00',
  '{}',
  'ffffffffffffffffffffffffffffffff',
  'x'.repeat(300),
];
const HUGE_NUMBERS = [2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 2 ** 63, -(2 ** 64), 1e21, 1e308, -1e308, 5e-324, 1.5, -1, 0, 2_147_483_648];
const DATES = [
  '0000-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00Z',
  '294277-01-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '1970-01-01T00:00:00+23:59',
  'yesterday',
  '',
];

const hostileScalar = (f: FuzzFixtures): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom(...UNSTORABLE),
    fc.constantFrom(...NOT_UUIDS),
    fc.constantFrom(...HUGE_NUMBERS),
    fc.constantFrom(...DATES),
    fc.constantFrom(null, true, false, '', [], {}),
    f.ids.length ? fc.constantFrom(...f.ids) : fc.uuid(),
    fc.uuid(),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.string({ maxLength: 3000 }).map((s) => s + 'x'.repeat(5000)),
    fc.double({ noNaN: true }),
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((b) => Number(b)),
  );

const KNOWN_KEYS = [
  'url',
  'secret',
  'smtpUrl',
  'accountSid',
  'authToken',
  'baseUrl',
  'from',
  'quietHours',
  'rateLimit',
  'ratePerMinute',
  'timezone',
  'phone',
  'campaign',
  'owner',
  'id',
  'departmentId',
  'x',
];

/** Up to this deep into nested schemas; below it, anything goes. */
const MAX_DEPTH = 5;

/** A value for `schema` that is valid-ish, with some chance of going wrong at every level. */
function fromSchema(
  schema: Schema | undefined,
  defs: Record<string, Schema>,
  f: FuzzFixtures,
  depth = 0,
  clean = false,
): fc.Arbitrary<unknown> {
  if (!schema || depth > MAX_DEPTH)
    return clean ? fc.jsonValue({ maxDepth: 2 }) : fc.oneof(hostileScalar(f), fc.jsonValue({ maxDepth: 2 }));
  if (schema.$ref) return fromSchema(defs[String(schema.$ref).split('/').pop()!], defs, f, depth + 1, clean);
  const right = wellTyped(schema, defs, f, depth, clean);
  if (clean) return right;
  const wrong = hostileScalar(f);
  // Mostly the right type, so the request gets past the schema and reaches the services and the database.
  return fc.oneof({ arbitrary: right, weight: 12 }, { arbitrary: wrong, weight: 1 });
}

/** A string of the right length, now and then carrying a character PostgreSQL cannot store. */
function textFor(schema: Schema, clean = false): fc.Arbitrary<string> {
  const min = Number(schema.minLength ?? 0);
  const max = Math.max(min, Math.min(Number(schema.maxLength ?? 60), 60));
  const plain = fc.oneof(fc.string({ minLength: min, maxLength: max }), fc.string({ unit: 'grapheme', minLength: min, maxLength: max }));
  const poisoned = fc
    .tuple(fc.string({ maxLength: Math.max(0, max - 2) }), fc.constantFrom(...UNSTORABLE))
    .map(([a, bad]) => (a + bad).slice(0, Math.max(max, 1)).padEnd(min, 'x'));
  return clean ? plain : fc.oneof({ arbitrary: plain, weight: 5 }, { arbitrary: poisoned, weight: 2 });
}

function numberFor(schema: Schema, integer: boolean, clean = false): fc.Arbitrary<number> {
  const min = typeof schema.minimum === 'number' ? schema.minimum : -1e6;
  const max = typeof schema.maximum === 'number' ? schema.maximum : 1e6;
  const inRange = integer
    ? fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) })
    : fc.double({ min, max, noNaN: true });
  // Within the schema's bounds but past a column's: when the schema has no maximum, the database has one.
  const edge = fc.constantFrom(...HUGE_NUMBERS.filter((n) => n >= min && n <= max && (!integer || Number.isInteger(n))), min, max);
  return clean ? inRange : fc.oneof({ arbitrary: inRange, weight: 3 }, { arbitrary: edge, weight: 2 });
}

function wellTyped(schema: Schema, defs: Record<string, Schema>, f: FuzzFixtures, depth: number, clean: boolean): fc.Arbitrary<unknown> {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s: Schema) => fromSchema(s, defs, f, depth + 1, clean)));
  if (schema.allOf?.length) return fromSchema(schema.allOf[0], defs, f, depth + 1, clean);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      if (schema.format === 'uuid') return fc.oneof(f.ids.length ? fc.constantFrom(...f.ids) : fc.uuid(), fc.uuid());
      if (schema.format === 'date-time')
        return fc.oneof(
          fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
          fc.constantFrom(...DATES),
        );
      if (schema.format === 'email') return fc.oneof(fc.emailAddress(), fc.constantFrom('admin@flightdeck.local', 'a@b.c'));
      if (schema.pattern)
        return fc.oneof(
          fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length < 500),
          textFor(schema, clean),
        );
      return fc.oneof(
        { arbitrary: textFor(schema, clean), weight: 4 },
        { arbitrary: f.departmentNames.length ? fc.constantFrom(...f.departmentNames) : fc.string(), weight: 1 },
      );
    case 'integer':
      return numberFor(schema, true, clean);
    case 'number':
      return numberFor(schema, false, clean);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(fromSchema(schema.items, defs, f, depth + 1, clean), {
        minLength: Math.min(Number(schema.minItems ?? 0), 4),
        maxLength: Math.max(Math.min(Number(schema.maxItems ?? 4), 4), Math.min(Number(schema.minItems ?? 0), 4)),
      });
    case 'object':
      return objectFor(schema, defs, f, depth, clean);
    default:
      return fc.jsonValue({ maxDepth: 3 });
  }
}

function objectFor(schema: Schema, defs: Record<string, Schema>, f: FuzzFixtures, depth: number, clean: boolean): fc.Arbitrary<unknown> {
  const props = Object.entries((schema.properties ?? {}) as Record<string, Schema>);
  const required = new Set<string>(schema.required ?? []);
  const record = fc.record(Object.fromEntries(props.map(([k, s]) => [k, fromSchema(s, defs, f, depth + 1, clean)])), {
    requiredKeys: props.map(([k]) => k).filter((k) => required.has(k)),
  });
  // Free-form maps (settings, secrets, graph, input): keys the services read, and keys of any kind.
  const extraKey = fc.oneof(fc.constantFrom(...KNOWN_KEYS), fc.constantFrom(...UNSTORABLE), fc.string({ maxLength: 10 }));
  if (!props.length && schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    return fc.dictionary(extraKey, fromSchema(schema.additionalProperties, defs, f, depth + 1, clean), { maxKeys: 4 });
  }
  const extra = fc.dictionary(extraKey, fc.oneof(hostileScalar(f), fc.jsonValue({ maxDepth: 2 })), { maxKeys: 3 });
  if (clean) return record;
  return fc.oneof(
    { arbitrary: record, weight: 6 },
    // A required field missing.
    { arbitrary: record.map((o) => dropOne(o as Record<string, unknown>, [...required])), weight: 1 },
    // Extra fields beside the documented ones.
    { arbitrary: fc.tuple(record, extra).map(([o, e]) => ({ ...e, ...(o as object) })), weight: 2 },
  );
}

function dropOne(o: Record<string, unknown>, keys: string[]) {
  const k = keys[0];
  if (!k) return o;
  const { [k]: _gone, ...rest } = o;
  return rest;
}

/** A graph-shaped body: nodes with hostile configs, the kind services look ids up in. */
function graphLike(f: FuzzFixtures): fc.Arbitrary<unknown> {
  const nodeTypes = [
    'trigger.manual',
    'trigger.webhook',
    'trigger.schedule',
    'channel.webhook',
    'control.end',
    'control.delay',
    'approval.request',
    'channel.email',
    'campaign.launch',
    'channel.broadcast',
    'x',
  ];
  const config = fc.dictionary(
    fc.constantFrom('connection', 'announce', 'url', 'duration', 'cron', 'people', 'expression', 'campaign', 'sampleInput', '\u0000'),
    fc.oneof(hostileScalar(f), fc.array(hostileScalar(f), { maxLength: 3 })),
    { maxKeys: 4 },
  );
  const node = fc.record({
    id: fc.oneof(fc.constantFrom('start', 'a', 'b', 'done'), fc.constantFrom(...UNSTORABLE)),
    type: fc.constantFrom(...nodeTypes),
    config,
    position: fc.record({ x: fc.constantFrom(...HUGE_NUMBERS), y: fc.integer() }),
  });
  const edge = fc.record({
    id: fc.string({ maxLength: 4 }),
    source: fc.constantFrom('start', 'a', 'b'),
    sourceHandle: fc.constantFrom('next', 'sent', 'true'),
    target: fc.constantFrom('a', 'b', 'done'),
  });
  return fc.record({
    schemaVersion: fc.constantFrom(1, 2, 2 ** 31, '1'),
    nodes: fc.array(node, { maxLength: 4 }),
    edges: fc.array(edge, { maxLength: 3 }),
  });
}

function pathValue(f: FuzzFixtures, name: string): fc.Arbitrary<string> {
  const real = name === 'taskId' && f.taskIds.length ? fc.constantFrom(...f.taskIds) : f.ids.length ? fc.constantFrom(...f.ids) : fc.uuid();
  return fc.oneof(
    { arbitrary: real, weight: 4 },
    { arbitrary: fc.uuid(), weight: 2 },
    { arbitrary: fc.constantFrom(...NOT_UUIDS, ...UNSTORABLE, 'standard-launch-approval'), weight: 3 },
    { arbitrary: fc.string({ minLength: 1, maxLength: 50 }), weight: 1 },
  );
}

const encodeQuery = (q: Record<string, unknown>) =>
  Object.entries(q)
    .filter(([, v]) => v !== undefined)
    .flatMap(([k, v]) =>
      (Array.isArray(v) ? v : [v]).map((x) => `${encodeSegment(k)}=${encodeSegment(typeof x === 'string' ? x : JSON.stringify(x))}`),
    )
    .join('&');

/** Percent-encodes what a URL cannot carry; lone surrogates (which encodeURIComponent refuses) as their WTF-8 bytes. */
function encodeSegment(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const isHigh = c >= 0xd800 && c <= 0xdbff;
    const next = s.charCodeAt(i + 1);
    if (isHigh && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(s.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += `%ED%${(0xa0 | ((c >> 6) & 0x1f)).toString(16).toUpperCase()}%${(0x80 | (c & 0x3f)).toString(16).toUpperCase()}`;
    } else out += encodeURIComponent(s[i]!);
  }
  return out;
}

/** JSON text that keeps lone surrogates as \u escapes (JSON.stringify does) and may not be JSON at all. */
function bodyText(value: fc.Arbitrary<unknown>): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { arbitrary: value.map((v) => JSON.stringify(v)), weight: 12 },
    { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), weight: 2 },
    {
      arbitrary: fc.constantFrom(
        '{"a":',
        'null',
        '[]',
        '"\\u0000"',
        '{"name":"\\ud800"}',
        '{"x":1e999}',
        '{"__proto__":{"a":1}}',
        '',
        '\u0000',
      ),
      weight: 1,
    },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );
}

export function routeRequests(
  openapi: { paths: Record<string, Record<string, Op>>; components?: { schemas?: Record<string, Schema> } },
  f: FuzzFixtures,
): { routes: string[]; arbitrary: fc.Arbitrary<FuzzRequest> } {
  const defs = openapi.components?.schemas ?? {};
  const perRoute: fc.Arbitrary<FuzzRequest>[] = [];
  const routes: string[] = [];
  for (const [route, methods] of Object.entries(openapi.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      routes.push(`${method.toUpperCase()} ${route}`);
      const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
      const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query');
      const params = fc.record(Object.fromEntries(pathParams.map((p) => [p.name, pathValue(f, p.name)])));
      const queryValue = (p: { schema: Schema }) =>
        fc.oneof(
          { arbitrary: fromSchema(p.schema, defs, f, 0, true), weight: 3 },
          { arbitrary: fromSchema(p.schema, defs, f), weight: 2 },
          { arbitrary: fc.array(fc.string(), { minLength: 2, maxLength: 2 }), weight: 1 },
        );
      const queryDoc = fc.record(Object.fromEntries(queryParams.map((p) => [p.name, queryValue(p)])), { requiredKeys: [] });
      const extraQuery = fc.oneof(
        { arbitrary: fc.constant({}), weight: 6 },
        {
          arbitrary: fc.dictionary(fc.constantFrom('x', 'limit', 'id', '\u0000'), fc.string({ maxLength: 8 }), { minKeys: 1, maxKeys: 1 }),
          weight: 1,
        },
      );
      const query = fc.tuple(queryDoc, extraQuery).map(([a, b]) => ({ ...b, ...a }));
      const bodySchema = op.requestBody?.content['application/json']?.schema;
      const bodyValue = bodySchema
        ? fc.oneof(
            // Valid-looking throughout: gets past the schema, so ids, numbers and dates reach the services and PostgreSQL.
            { arbitrary: fromSchema(bodySchema, defs, f, 0, true), weight: 3 },
            { arbitrary: fromSchema(bodySchema, defs, f), weight: 4 },
            { arbitrary: graphLike(f).map((graph) => ({ name: 'fuzz', graph, input: graph })), weight: 1 },
          )
        : fc.oneof(fc.constant({}), fc.jsonValue({ maxDepth: 2 }));
      const body = method === 'get' || method === 'delete' ? fc.constant(undefined) : bodyText(bodyValue);
      perRoute.push(
        fc
          .record({ caller: fc.constantFrom<Caller>('admin', 'designer', 'anonymous'), params, query, body })
          .map(({ caller, params: p, query: q, body: b }) => {
            const path = route.replace(/\{(\w+)\}/g, (_, name: string) => encodeSegment(String(p[name] ?? '')));
            // Node's HTTP parser refuses request heads over 16 KB by closing the socket: keep URLs under it.
            const qs = encodeQuery(q)
              .slice(0, 8000)
              .replace(/%[0-9A-F]?$/i, '');
            return {
              caller,
              method: method.toUpperCase(),
              route: `${method.toUpperCase()} ${route}`,
              url: qs ? `${path}?${qs}` : path,
              ...(b !== undefined ? { body: b } : {}),
            };
          }),
      );
    }
  }
  // Outside the document: the signed inbound hook (reachable by anyone) and the one-click approval page.
  const hook = fc
    .record({
      flowId: pathValue(f, 'flowId'),
      body: bodyText(fc.jsonValue()),
      id: fc.oneof(fc.string(), fc.constant('x'.repeat(5000))),
      ts: fc.oneof(fc.constant(String(Math.floor(Date.now() / 1000))), fc.constantFrom('NaN', '1e309', '-1', '99999999999999999999')),
      sig: fc.string(),
    })
    .map(({ flowId, body, id, ts, sig }): FuzzRequest => ({
      caller: 'anonymous',
      method: 'POST',
      route: 'POST /api/hooks/{flowId}',
      url: `/api/hooks/${encodeSegment(flowId)}`,
      ...(body !== undefined ? { body } : {}),
      headers: { 'webhook-id': ascii(id), 'webhook-timestamp': ts, 'webhook-signature': ascii(sig) },
    }));
  const approve = fc
    .record({
      token: fc.oneof(fc.string(), fc.constantFrom(...UNSTORABLE, ...NOT_UUIDS)),
      comment: fc.oneof(fc.string(), fc.constantFrom(...UNSTORABLE)),
    })
    .chain(({ token, comment }) =>
      fc.constantFrom<FuzzRequest>(
        { caller: 'anonymous', method: 'GET', route: 'GET /approve', url: `/approve?token=${encodeSegment(token)}` },
        {
          caller: 'designer',
          method: 'POST',
          route: 'POST /approve',
          url: '/approve',
          body: `token=${encodeSegment(token)}&comment=${encodeSegment(comment)}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        },
      ),
    );
  routes.push('POST /api/hooks/{flowId}', 'GET /approve', 'POST /approve');
  return { routes, arbitrary: fc.oneof(...perRoute, hook, approve) };
}

/** Header values must be visible ASCII: anything else is refused by fetch before it leaves. */
const ascii = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 6000);

export interface FuzzResult {
  request: FuzzRequest;
  status: number;
  contentType: string;
  text: string;
}

/**
 * One request on its own connection (node:http, no agent): a kept-alive socket that the server
 * closes as its idle timeout ends just when the client reuses it resets the request whatever it
 * holds; that race is HTTP/1.1's, not the input's, and would make the property flaky under load.
 */
export function send(base: string, tokens: Partial<Record<Caller, string>>, r: FuzzRequest): Promise<FuzzResult> {
  const token = tokens[r.caller];
  const headers: Record<string, string> = {
    ...(r.body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(r.body)) } : {}),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(r.headers ?? {}),
  };
  return new Promise((resolve) => {
    // No answer at all (a reset connection) is as bad as a 5xx: reported as status 0.
    const noAnswer = (err: Error) => resolve({ request: r, status: 0, contentType: '', text: `no answer: ${err.message}` });
    const { hostname, port } = new URL(base);
    // The path goes as it is: a URL object would normalise it.
    const req = request({ host: hostname.replace(/^\[|\]$/g, ''), port, path: r.url, method: r.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', noAnswer);
      res.on('end', () =>
        resolve({
          request: r,
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', noAnswer);
    req.end(r.body);
  });
}

/** What a failure report prints for one response. */
export function describeResult(x: FuzzResult): string {
  const body = x.request.body === undefined ? '' : ` body=${JSON.stringify(x.request.body.slice(0, 400))}`;
  return (
    `${x.status} ${x.request.route} as ${x.request.caller}: ` +
    `${x.request.method} ${x.request.url.slice(0, 300)}${body} → ${x.text.slice(0, 400)}`
  );
}

/**
 * Things for the generated ids to hit: a flow, a published flow with a run, a campaign and
 * connections (one of them e-mail, used where chat connections go) in the designer's department and
 * in another one, plus users, grants and the departments themselves.
 */
export async function createFuzzFixtures(
  base: string,
  adminToken: string,
  departments: { mine: string; other: string },
  extraIds: string[] = [],
): Promise<FuzzFixtures> {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json().catch(() => ({}))) as any;
    if (res.status >= 300) throw new Error(`fixture ${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const ids = [departments.mine, departments.other, ...extraIds];
  const trivial = {
    schemaVersion: 1,
    nodes: [
      { id: 'start', type: 'trigger.manual', config: {}, position: { x: 0, y: 0 } },
      { id: 'done', type: 'control.end', config: {}, position: { x: 200, y: 0 } },
    ],
    edges: [{ id: 'e', source: 'start', sourceHandle: 'next', target: 'done' }],
  };
  for (const departmentId of [departments.mine, departments.other]) {
    const f = await call('POST', '/api/flows', { name: 'fuzz target', graph: trivial, departmentId });
    await call('POST', `/api/flows/${f.id}/versions`, { note: 'fuzz' });
    const run = await call('POST', `/api/flows/${f.id}/runs`, { input: { phone: '+8613800000000' } });
    const c = await call('POST', '/api/campaigns', { name: 'fuzz campaign', departmentId });
    const chat = await call('POST', '/api/connections', {
      kind: 'webhook',
      name: 'fuzz hook',
      departmentId,
      secrets: { url: 'http://127.0.0.1:9/fuzz', secret: 'fuzz-signing-secret' },
    });
    const mail = await call('POST', '/api/connections', {
      kind: 'email',
      name: 'fuzz mail',
      departmentId,
      secrets: { smtpUrl: 'smtp://127.0.0.1:9' },
    });
    ids.push(f.id, run.id, c.id, chat.id, mail.id);
  }
  const users = await call('GET', '/api/users');
  for (const u of users.items.slice(0, 5)) ids.push(u.id);
  const audit = await call('GET', '/api/audit?entityType=grant&limit=5');
  for (const a of audit.items) ids.push(a.entityId);
  return { ids: [...new Set(ids)], departmentNames: ['Fuzz A', 'Fuzz B', 'E-commerce'], taskIds: ['run-x:approve:1', 'nope'] };
}
