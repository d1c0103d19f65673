import { afterAll, describe, expect, inject, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './support/global-setup.ts';
import { ApiClient } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { SAFETY_NET_MS } from './support/wait-for.ts';
import { commandLineOf, isAlive, stopPid, waitFor } from '../src/launcher/processes.ts';
import { launcherPidFiles } from '../src/launcher/leftovers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LAUNCHER = join(ROOT, 'engine/src/launcher/main.ts');
const PASSWORD = 'launcher test password 1';
/** Hang guards only: each wait ends on an event, these bound a broken run. */
const START_DEADLINE = 180_000;

interface Launched {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the output so far once `pattern` has appeared; rejects if the launcher exits first. */
  waitForOutput(pattern: RegExp, from?: number): Promise<string>;
  exited: Promise<number | null>;
}

function launch(dataDir: string, ports: { api: number; pg: number; temporal: number }): Launched {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FLIGHTDECK_DATA_DIR: dataDir,
    PORT: String(ports.api),
    EMBEDDED_PG_PORT: String(ports.pg),
    TEMPORAL_DEV_PORT: String(ports.temporal),
    TEMPORAL_DEV_UI_PORT: '0',
    TEMPORAL_CLI_PATH: inject('temporalCli'),
    FLIGHTDECK_DEMO: '0',
    FLIGHTDECK_ADMIN_PASSWORD: PASSWORD,
    FLIGHTDECK_BCRYPT_COST: '4',
    LOG_LEVEL: 'info',
  };
  for (const k of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'FLIGHTDECK_SECRET', 'FLIGHTDECK_ENCRYPTION_KEY', 'FLIGHTDECK_PUBLIC_URL'])
    delete env[k];
  const child = spawn(process.execPath, ['--import', 'tsx', LAUNCHER], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString('utf8');
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    waitForOutput(pattern, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(out.slice(from))) {
            listeners.delete(check);
            clearTimeout(guard);
            resolve(out);
          }
        };
        const guard = setTimeout(() => reject(new Error(`no ${pattern} within the hang guard; output:\n${out}`)), START_DEADLINE);
        listeners.add(check);
        void exited.then((code) => {
          if (!listeners.has(check)) return;
          listeners.delete(check);
          clearTimeout(guard);
          if (pattern.test(out.slice(from))) resolve(out);
          else reject(new Error(`the launcher exited (${code}) before ${pattern}; output:\n${out}`));
        });
        check();
      });
    },
  };
}

async function signedIn(base: string): Promise<ApiClient> {
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@flightdeck.local', password: PASSWORD }),
  });
  expect(login.status).toBe(200);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const token = await fetch(`${base}/api/me/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ name: 'launcher test' }),
  });
  expect(token.status).toBe(201);
  return new ApiClient(base, ((await token.json()) as { token: string }).token);
}

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

// Each launcher start bundles the workflows and starts PostgreSQL and a dev server: minutes on a busy 2-core machine.
describe('npm start: the launcher', { timeout: 600_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fd-launcher-'));
  const files = launcherPidFiles(dataDir);
  const launched: Launched[] = [];
  let ports: { api: number; pg: number; temporal: number };
  let runId: string;
  let leftovers: { temporal: number; postgres: number };

  afterAll(async () => {
    // Whatever a failed test left: the launchers, then anything their pid files name.
    for (const l of launched) if (l.child.exitCode === null) l.child.kill('SIGINT');
    await Promise.all(launched.map((l) => Promise.race([l.exited, new Promise((r) => setTimeout(r, 30_000))])));
    for (const [file, signal] of [
      [files.worker, 'SIGKILL'],
      [files.temporal, 'SIGTERM'],
      [files.postmaster, 'SIGINT'],
    ] as const) {
      const pid = file.read();
      if (pid && commandLineOf(pid)) await stopPid(pid, signal, 10_000);
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('restarts a worker killed with SIGKILL while the API stays up, and an in-flight run completes', async () => {
    ports = { api: await freePort(), pg: await freePort(), temporal: await freePort() };
    const l = launch(dataDir, ports);
    launched.push(l);
    await l.waitForOutput(/Flightdeck is running/);
    await l.waitForOutput(/worker ready \(pid \d+\)/);
    const base = `http://127.0.0.1:${ports.api}`;
    const api = await signedIn(base);
    const { flowId } = await api.publishFlow(
      'Survives a worker crash',
      flow(
        [node('start', 'trigger.manual'), node('wait', 'control.delay', { duration: '10s' }), node('done', 'control.end')],
        [edge('start', 'next', 'wait'), edge('wait', 'next', 'done')],
      ),
    );
    runId = await api.startRun(flowId, {});
    // Long enough that the kill certainly lands while the run is in flight, however busy the machine.
    expect((await api.get(`/api/runs/${runId}`)).body.status).toBe('running');

    const first = files.worker.read()!;
    expect(commandLineOf(first)).toMatch(/worker[\\/]main\.ts/);
    const mark = l.output().length;
    process.kill(first, 'SIGKILL');
    const out = await l.waitForOutput(/worker ready \(pid \d+\)/, mark);
    const second = Number(/worker ready \(pid (\d+)\)/.exec(out.slice(mark))![1]);
    expect(second).not.toBe(first);
    expect(out.slice(mark)).toMatch(/worker \(pid \d+\) ended \(SIGKILL\); starting it again/);
    expect(files.worker.read()).toBe(second);
    // The API never went down with it.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const run = await api.waitForRun(runId);
    expect(run.status).toBe('completed');
    expect(run.state.nodes.done.status).toBe('completed');
  });

  it('after the launcher itself is killed, the next start stops what it left behind and carries on with the same data', async () => {
    const [l1] = launched;
    const worker = files.worker.read()!;
    leftovers = { temporal: files.temporal.read()!, postgres: files.postmaster.read()! };
    l1!.child.kill('SIGKILL');
    await l1!.exited;
    // The worker notices its launcher is gone (the IPC channel closes) and ends; PostgreSQL and Temporal cannot, and stay.
    expect(await waitFor(() => !isAlive(worker), SAFETY_NET_MS)).toBe(true);
    expect(commandLineOf(leftovers.temporal)).toMatch(/start-dev/);
    expect(commandLineOf(leftovers.postgres)).toMatch(/postgres/);
    expect(existsSync(files.launcher.path)).toBe(true);

    const l2 = launch(dataDir, ports);
    launched.push(l2);
    const out = await l2.waitForOutput(/Flightdeck is running/);
    expect(out).toMatch(new RegExp(`stopping the Temporal dev server \\(pid ${leftovers.temporal}\\) left running`));
    expect(out).toMatch(new RegExp(`stopping the PostgreSQL \\(pid ${leftovers.postgres}\\) left running`));
    expect(commandLineOf(leftovers.temporal)).toBeUndefined();
    expect(commandLineOf(leftovers.postgres)).toBeUndefined();
    const api = await signedIn(`http://127.0.0.1:${ports.api}`);
    expect((await api.get(`/api/runs/${runId}`)).body.status).toBe('completed');
  });

  it('refuses to start beside a running launcher on the same data directory, naming it', async () => {
    const l = launch(dataDir, { api: await freePort(), pg: await freePort(), temporal: await freePort() });
    launched.push(l);
    expect(await l.exited).toBe(1);
    expect(l.output()).toMatch(new RegExp(`Another Flightdeck launcher \\(pid ${launched[1]!.child.pid}\\) is running`));
    expect(l.output()).toMatch(/What to do:/);
  });

  it('Ctrl-C stops API, worker, Temporal and PostgreSQL in that order and leaves nothing behind', async () => {
    const l2 = launched[1]!;
    const pids = { worker: files.worker.read()!, temporal: files.temporal.read()!, postgres: files.postmaster.read()! };
    const mark = l2.output().length;
    l2.child.kill('SIGINT');
    expect(await l2.exited).toBe(0);
    const out = l2.output().slice(mark);
    const order = ['API stopped', 'worker stopped', 'Temporal dev server stopped', 'PostgreSQL stopped'].map((m) => out.indexOf(m));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    for (const pid of Object.values(pids)) expect(commandLineOf(pid)).toBeUndefined();
    for (const f of [files.launcher, files.worker, files.temporal, files.postmaster]) expect(existsSync(f.path)).toBe(false);
  });

  it('a stale postmaster.pid naming another live process is cleared, and a taken port is reported with what to do', async () => {
    // A pid file whose pid now belongs to some other program (here: this test process), as after a reboot.
    writeFileSync(files.postmaster.path, `${process.pid}\n${join(dataDir, 'pg')}\n`);
    const blocker = await occupy(ports.api);
    try {
      const l = launch(dataDir, ports);
      launched.push(l);
      expect(await l.exited).toBe(1);
      const out = l.output();
      expect(out).toContain(`Port ${ports.api} on 127.0.0.1 is already in use (while starting the api)`);
      expect(out).toMatch(/What to do: stop the program that holds it .* or choose another port with PORT=/s);
      expect(out).not.toMatch(/^start-up failed$/m);
      // PostgreSQL did start over the stale file, and was stopped again on the way out.
      expect(out).toContain('PostgreSQL stopped');
      expect(existsSync(files.postmaster.path)).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it("a taken PostgreSQL port is reported with PostgreSQL's own reason", async () => {
    const blocker = await occupy(ports.pg);
    try {
      const l = launch(dataDir, ports);
      launched.push(l);
      expect(await l.exited).toBe(1);
      const out = l.output();
      expect(out).toMatch(/PostgreSQL exited while starting/);
      expect(out).toMatch(/could not bind|Address already in use|could not create any TCP\/IP sockets/i);
      expect(out).toMatch(/What to do:/);
    } finally {
      blocker.close();
    }
  });
});
