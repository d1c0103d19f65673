import { lazyNotifier } from '../../src/temporal/client.ts';
import type { HookAdmission, HookAdmissionLimits } from '../../src/api/hook-admission.ts';
import type { RunStreamLimits } from '../../src/api/run-stream-admission.ts';
import { gatheredRunChanges } from '../../src/services/run-changes.ts';
import { inject } from 'vitest';
import { readFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Worker } from '@temporalio/worker';
import { createFlowWorker, installWorkerRuntime } from '../../src/worker/create-worker.ts';
import { EDITOR_TEST_DIST, startServer, type RunningServer } from '../../src/server/start-server.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { buildActivityDeps } from '../../src/worker/activity-deps.ts';
import { createOutboundGuard, type ActivityDeps, type OutboundGuard } from '@flightdeck/activities';
import { ensureFirstAdmin, FIRST_ADMIN_EMAIL } from '../../src/seed/first-admin.ts';
import type { Role } from '@flightdeck/workflows';
import { SAFETY_NET_MS, waitFor } from './wait-for.ts';

/** Temporal's own logs only when something is wrong. */
export function quietTemporal(): void {
  installWorkerRuntime('ERROR');
}

/** A fresh database on the suite's PostgreSQL server. */
export async function freshDatabase(label: string): Promise<string> {
  const name = `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  return inject('pgUrlTemplate').replace('__DB__', name);
}

export interface TestWorker {
  worker: Worker;
  running: Promise<void>;
  stop(): Promise<void>;
}

export async function startWorker(
  taskQueue: string,
  deps: ActivityDeps,
  address = inject('temporalAddress'),
  announceRunChange?: (workflowId: string) => void,
): Promise<TestWorker> {
  quietTemporal();
  const { worker, connection } = await createFlowWorker({
    address,
    namespace: 'default',
    taskQueue,
    workflowBundle: { code: readFileSync(inject('workflowBundlePath'), 'utf8') },
    deps,
    announceRunChange,
  });
  const running = worker.run();
  let stopped: Promise<void> | undefined;
  return {
    worker,
    running,
    stop() {
      stopped ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await connection.close();
      })();
      return stopped;
    },
  };
}

export interface TestStack {
  server: RunningServer;
  worker: TestWorker;
  deps: ActivityDeps;
  taskQueue: string;
  url: string;
  secret: string;
  encryptionKey: Buffer;
  /** Signed in as the first administrator (an API token). */
  api: ApiClient;
  /** A new user with these grants (department names are created on demand), and a client signed in as them. */
  user(
    name: string,
    grants: { role: Role; department: string | null }[],
    opts?: { department?: string; head?: string; phone?: string },
  ): Promise<{ id: string; email: string; api: ApiClient }>;
  departmentId(name: string): Promise<string>;
  close(): Promise<void>;
}

export const TEST_PASSWORD = 'correct horse battery staple';

/**
 * The tests' receivers listen on loopback, which outbound calls refuse by default: the stack
 * names it in the allowlist, as an operator running local receivers would.
 */
export const TEST_OUTBOUND_ALLOW = '127.0.0.1,::1';

/** API + worker against the suite's real PostgreSQL and Temporal, on a task queue of its own. */
export interface StackOptions {
  worker?: boolean;
  /** The API's own worker too (server/local-worker.ts), which runs the API starts are started on eagerly. */
  apiWorker?: boolean;
  editorDist?: string;
  smtpUrl?: string;
  /** Servers of the test's own (the chaos test restarts them); the suite's shared ones otherwise. */
  databaseUrl?: string;
  temporalAddress?: string;
  /** The API's clock for sign-in limits and token expiry; tests advance it instead of waiting. */
  clock?: () => number;
  /** The worker's clock for quiet hours; tests step it across a window's end instead of waiting for one. */
  quietHoursClock?: () => number;
  outbound?: OutboundGuard;
  /** The hook endpoint's backpressure bounds, lowered to test the refusal. */
  hookAdmission?: HookAdmissionLimits | HookAdmission;
  log?: Logger;
  /** Chromium for review PDFs; a missing file tests the 503. */
  chromiumPath?: string;
  /** Bounds on the run view's open streams, lowered to test the 429. */
  runStreams?: RunStreamLimits;
  /** How long a decision waits for its run; lowered to test the answer when no worker takes it. */
  decisionDeadlineMs?: number;
  /** The Temporal web UI the run page links to; none unless given. */
  temporalUiUrl?: string;
}

export async function startStack(label: string, opts: StackOptions = {}): Promise<TestStack> {
  const outbound = opts.outbound ?? createOutboundGuard({ allow: TEST_OUTBOUND_ALLOW });
  quietTemporal();
  process.env.FLIGHTDECK_BCRYPT_COST ??= '4';
  const taskQueue = `tq-${label}-${randomUUID().slice(0, 8)}`;
  const temporalAddress = opts.temporalAddress ?? inject('temporalAddress');
  const secret = randomUUID();
  const encryptionKey = randomBytes(32);
  const server = await startServer({
    secret,
    encryptionKey,
    databaseUrl: opts.databaseUrl ?? (await freshDatabase(label)),
    temporalAddress,
    namespace: 'default',
    taskQueue,
    host: '127.0.0.1',
    port: 0,
    log: opts.log ?? createLogger('silent'),
    syncIntervalMs: 500,
    // The test build: the browser tests drive the editor through window.__flightdeck.
    editorDist: opts.editorDist ?? EDITOR_TEST_DIST,
    chromiumPath: opts.chromiumPath,
    clock: opts.clock,
    outbound,
    hookAdmission: opts.hookAdmission,
    runStreams: opts.runStreams,
    decisionDeadlineMs: opts.decisionDeadlineMs,
    temporalUiUrl: opts.temporalUiUrl,
    // Every answer in every test is checked against its route's schema: drift fails the test that saw it.
    checkResponses: true,
    mail: { smtpUrl: opts.smtpUrl },
    ...(opts.apiWorker ? { worker: { workflowBundle: { code: readFileSync(inject('workflowBundlePath'), 'utf8') } } } : {}),
  });
  const notifyRun = lazyNotifier(temporalAddress, 'default');
  const deps = buildActivityDeps({
    db: server.db.db,
    secret,
    encryptionKey,
    publicUrl: server.url,
    smtpUrl: opts.smtpUrl,
    notifyRun,
    outbound,
    quietHoursClock: opts.quietHoursClock,
  });
  const announce = gatheredRunChanges(server.db.db);
  const worker =
    opts.worker === false ? (undefined as unknown as TestWorker) : await startWorker(taskQueue, deps, temporalAddress, announce);
  const people = server.app.people;
  await ensureFirstAdmin(people, TEST_PASSWORD);
  const adminActor = await people.actorFor((await people.userByEmail(FIRST_ADMIN_EMAIL))!, 'system');
  const api = new ApiClient(server.url, (await people.createApiToken(adminActor, 'tests')).token);
  const departmentId = async (name: string) => (await people.ensureDepartment(adminActor, name)).id;
  return {
    server,
    worker,
    deps,
    taskQueue,
    secret,
    encryptionKey,
    url: server.url,
    api,
    departmentId,
    async user(name, grants, o = {}) {
      const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}.${randomUUID().slice(0, 6)}@test.flightdeck`;
      const created = await people.createUser(adminActor, {
        email,
        name,
        password: TEST_PASSWORD,
        departmentId: o.department ? await departmentId(o.department) : null,
        ...(o.phone ? { phone: o.phone } : {}),
      });
      for (const g of grants)
        await people.grant(adminActor, {
          userId: created.id,
          role: g.role,
          departmentId: g.department ? await departmentId(g.department) : null,
        });
      if (o.head) await people.ensureDepartment(adminActor, o.head, created.id);
      const actor = await people.actorFor((await people.userRow(created.id))!, 'system');
      return { id: created.id, email, api: new ApiClient(server.url, (await people.createApiToken(actor, 'tests')).token) };
    },
    async close() {
      await worker?.stop();
      await server.close();
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  contentType: string;
  headers: Headers;
}

export class ApiClient {
  constructor(
    readonly base: string,
    readonly token?: string,
  ) {}

  async call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    raw?: string,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    // A hang guard: a request the server never answers fails its test with its name, instead of the test's timeout.
    const res = await fetch(this.base + path, {
      signal: AbortSignal.timeout(SAFETY_NET_MS),
      method,
      headers: {
        ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as T, contentType: res.headers.get('content-type') ?? '', headers: res.headers };
  }

  get = <T = any>(path: string) => this.call<T>('GET', path);
  post = <T = any>(path: string, body: unknown = {}) => this.call<T>('POST', path, body);
  put = <T = any>(path: string, body: unknown) => this.call<T>('PUT', path, body);
  del = <T = any>(path: string) => this.call<T>('DELETE', path);

  /** Create + publish in one go; fails the test loudly if either step is refused. */
  async publishFlow(name: string, graph: unknown): Promise<{ flowId: string; version: number }> {
    const created = await this.post('/api/flows', { name, graph });
    if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
    const published = await this.post(`/api/flows/${created.body.id}/versions`, {});
    if (published.status !== 201) throw new Error(`publish failed: ${JSON.stringify(published.body)}`);
    return { flowId: created.body.id, version: published.body.version };
  }

  async startRun(flowId: string, input: unknown = {}, campaignId?: string): Promise<string> {
    const r = await this.post(`/api/flows/${flowId}/runs`, { input, ...(campaignId ? { campaignId } : {}) });
    if (r.status !== 201) throw new Error(`start failed: ${JSON.stringify(r.body)}`);
    return r.body.id;
  }

  /** Polls until the run leaves `running`, as the editor's live view does. The bound is only a safety net. */
  async waitForRun(runId: string, timeoutMs = SAFETY_NET_MS): Promise<any> {
    let last: any;
    try {
      return await waitFor(
        `run ${runId} to end`,
        async () => {
          last = (await this.get(`/api/runs/${runId}`)).body;
          return last?.status && last.status !== 'running' ? last : undefined;
        },
        { timeoutMs },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; still ${last?.status}: ${JSON.stringify(last?.state)}`, { cause: err });
    }
  }

  async waitForNode(runId: string, nodeId: string, status: string, timeoutMs = SAFETY_NET_MS): Promise<any> {
    let last: any;
    try {
      return await waitFor(
        `node ${nodeId} of run ${runId} to be ${status}`,
        async () => {
          last = (await this.get(`/api/runs/${runId}`)).body;
          return last?.state?.nodes?.[nodeId]?.status === status ? last : undefined;
        },
        { timeoutMs },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; it is ${JSON.stringify(last?.state?.nodes?.[nodeId])}`, { cause: err });
    }
  }
}
