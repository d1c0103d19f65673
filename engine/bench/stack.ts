/**
 * The whole product in one process for the benchmarks: embedded PostgreSQL and a Temporal dev
 * server in a temp directory, the API and a worker, and an admin with an API token.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from '../src/launcher/embedded-postgres.ts';
import { findTemporalCli, HOW_TO_GET_TEMPORAL, startTemporalDevServer } from '../src/launcher/temporal-cli.ts';
import { installWorkerRuntime } from '../src/worker/create-worker.ts';
import { createOutboundGuard, sharedRenderPool } from '@flightdeck/activities';
import { startServer } from '../src/server/start-server.ts';
import { startLocalWorker } from '../src/server/local-worker.ts';
import { createLogger } from '../src/logger.ts';
import type { HOOK_LIMITS } from '../src/auth/throttle.ts';
import type { HookAdmissionLimits } from '../src/api/hook-admission.ts';
import pg from 'pg';

/** CPU ms of another process (the dev server), from /proc: load-independent where wall-clock rates are not. */
export function processCpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** "insert runs", "select flow_hooks", "pg_notify": what a statement does to which table, for counting. */
export function statementShape(text: string): string {
  const q = text.replace(/\s+/g, ' ').trim().toLowerCase();
  if (q.includes('pg_notify')) return 'pg_notify';
  if (/^(begin|commit|rollback)\b/.test(q)) return q.split(' ')[0]!;
  const verb = q.startsWith('with') ? 'with' : q.split(' ')[0]!;
  const table = /(?:from|into|update)\s+"?([a-z_]+)"?/.exec(q)?.[1] ?? '?';
  return `${verb} ${table}`;
}

/**
 * Every statement any pg client of this process sends, by shape, from now until `stop()`: the API and the worker
 * share the process in the benches, and their statements tell apart by what they touch.
 */
export function countStatements(): { stop(): Record<string, number> } {
  // By the exact text while counting (a map lookup), shaped only at the end: the count must cost the API next to nothing.
  const byText = new Map<string, number>();
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string } | undefined;
    const text = typeof first === 'string' ? first : (first?.text ?? '');
    byText.set(text, (byText.get(text) ?? 0) + 1);
    return original.apply(this, args);
  };
  return {
    stop() {
      proto.query = original;
      const counts: Record<string, number> = {};
      for (const [text, n] of byText) counts[statementShape(text)] = (counts[statementShape(text)] ?? 0) + n;
      return counts;
    },
  };
}

/**
 * CPU ms of a PostgreSQL server and every backend it ever ran: the postmaster's own, its exited children's (which the
 * kernel adds to it when it reaps them) and its live children's. Monotonic, unlike a sum over the backends alive at two
 * moments, which loses those that exit in between.
 */
export function postgresCpuMs(postmasterPid: number): number {
  const fieldsOf = (pid: string | number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ms = (f: string[], from: number, to: number) => (f.slice(from, to + 1).reduce((a, v) => a + Number(v), 0) * 1000) / 100;
  try {
    let total = ms(fieldsOf(postmasterPid), 11, 14);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const f = fieldsOf(entry);
        if (Number(f[1]) === postmasterPid) total += ms(f, 11, 12);
      } catch {
        // gone between the listing and the read: the postmaster has its time now, or will on the next reading
      }
    }
    return total;
  } catch {
    return NaN;
  }
}

export const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)]!;

const SYSTEM = {
  id: '00000000-0000-0000-0000-000000000000',
  email: 'bench@local',
  name: 'bench',
  departmentId: null,
  locale: 'en' as const,
  grants: [{ role: 'admin' as const, departmentId: null, expiresAt: null }],
  via: 'system' as const,
};

/** `durable`: the dev server keeps its database file, as `npm start` runs it; `hookLimits`: raised for the bench's own loopback sender. */
export async function startBenchStack(
  label: string,
  ports: { pg: number; temporal: number },
  opts: { durable?: boolean; hookLimits?: typeof HOOK_LIMITS; hookAdmission?: HookAdmissionLimits; editorDist?: string } = {},
) {
  // BENCH_WORKER_LOG=WARN shows why workflow tasks fail when a bench hangs.
  installWorkerRuntime((process.env.BENCH_WORKER_LOG as 'WARN' | undefined) ?? 'ERROR');
  const eager = process.env.BENCH_EAGER !== '0';
  process.env.FLIGHTDECK_BCRYPT_COST ??= '4';
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-bench-'));
  const binary = findTemporalCli();
  if (!binary) throw new Error(HOW_TO_GET_TEMPORAL);
  const pg = await startEmbeddedPostgres({ dataDir: dir, port: ports.pg });
  const temporal = await startTemporalDevServer({
    binary,
    port: ports.temporal,
    dbFile: opts.durable ? join(dir, 'temporal.db') : undefined,
  });
  const secret = 'bench-secret';
  const encryptionKey = randomBytes(32);
  const taskQueue = `bench-${label}`;
  const serverOpts = {
    databaseUrl: pg.url,
    temporalAddress: temporal.address,
    namespace: 'default',
    taskQueue,
    host: '127.0.0.1',
    port: 0,
    log: createLogger('silent'),
    secret,
    encryptionKey,
    syncIntervalMs: 0,
    outbound: createOutboundGuard({ allow: '127.0.0.1' }),
    hookLimits: opts.hookLimits,
    hookAdmission: opts.hookAdmission,
    editorDist: opts.editorDist,
  };
  // The worker in the API's process, as `npm start` runs it, so runs start eagerly; BENCH_EAGER=0 for the worker
  // apart (the shape before eager start), to measure the two side by side.
  const server = await startServer({ ...serverOpts, ...(eager ? { worker: {} } : {}) });
  // The same worker in this process, but the API's client starts runs without it: every start goes through matching.
  const separate = eager
    ? undefined
    : await startLocalWorker({ ...serverOpts, address: temporal.address, db: server.db.db, worker: { publicUrl: server.url } });
  const people = server.app.people;

  /** A user (with a role everywhere, if given), their actor and an API token. */
  async function user(email: string, name: string, role?: 'admin') {
    const created = await people.createUser(SYSTEM, { email, name, password: 'bench-password' });
    if (role) await people.grant(SYSTEM, { userId: created.id, role, departmentId: null });
    const actor = await people.actorFor((await people.userRow(created.id))!, 'system');
    return { ...created, actor, token: (await people.createApiToken(actor, 'bench')).token };
  }

  async function api(token: string, method: string, path: string, body?: unknown) {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json().catch(() => ({}))) as any;
    if (res.status >= 400) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  return {
    server,
    temporal,
    postgresPid: pg.pid,
    user,
    api,
    async close() {
      await separate?.close();
      await server.close();
      await temporal.stop();
      await pg.stop();
      // The message render thread a delivery started: its port would keep the process alive after everything else closed.
      await sharedRenderPool().close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Results land in .bench/<name>.json (git-ignored) next to what the console printed. */
export function writeBenchResult(name: string, result: unknown): void {
  const out = fileURLToPath(new URL('../../.bench/', import.meta.url));
  mkdirSync(out, { recursive: true });
  writeFileSync(`${out}${name}.json`, JSON.stringify({ command: 'npm run bench', ...(result as object) }, null, 2));
}
