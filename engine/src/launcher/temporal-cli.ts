import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { arch, homedir, platform } from 'node:os';
import { delimiter, join } from 'node:path';
import { Connection } from '@temporalio/client';

/** Where `.ci/run` and the launcher build the CLI when no `temporal` is on PATH; outside the repo so builds are reused. */
export const TEMPORAL_CLI_CACHE = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'flightdeck', 'bin');
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/** Temporal's CDN, the same one the SDK's own "cached-download" uses; a mirror can stand in for it. */
export const TEMPORAL_DOWNLOAD_BASE = process.env.FLIGHTDECK_TEMPORAL_DOWNLOAD_URL || 'https://temporal.download/cli/archive';

export const HOW_TO_GET_TEMPORAL = `No Temporal CLI was found, and none could be built or downloaded.
Get one in any of these ways, then run the command again:
  1. Install it: https://docs.temporal.io/cli#install (brew install temporal, or the release archive), so that \`temporal\` is on PATH.
  2. Build it with Go 1.22+:  GOBIN=${TEMPORAL_CLI_CACHE} go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}
  3. Point to a binary you have:  TEMPORAL_CLI_PATH=/path/to/temporal npm start
  4. Or use a Temporal server you already run:  TEMPORAL_ADDRESS=host:7233 npm start`;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** TEMPORAL_CLI_PATH, then PATH, then the cache. */
export function findTemporalCli(): string | undefined {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) return isExecutable(explicit) ? explicit : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, 'temporal'))) return join(dir, 'temporal');
  }
  const cached = join(TEMPORAL_CLI_CACHE, 'temporal');
  return isExecutable(cached) ? cached : undefined;
}

/** The CDN's names for this machine, or undefined where it ships no tar.gz (Windows ships a zip). */
function cdnPlatform(): { platform: string; arch: string } | undefined {
  const os = platform() === 'linux' ? 'linux' : platform() === 'darwin' ? 'darwin' : undefined;
  const cpu = arch() === 'x64' ? 'amd64' : arch() === 'arm64' ? 'arm64' : undefined;
  return os && cpu ? { platform: os, arch: cpu } : undefined;
}

/**
 * Downloads the release archive from Temporal's CDN into the cache. The friendly default on a
 * machine with internet: seconds, where a Go build takes minutes. Any failure (offline, a proxy,
 * a broken archive) returns undefined with the reason logged, so the caller can try Go next.
 */
export async function downloadTemporalCli(
  log: (line: string) => void,
  opts: { cacheDir?: string; baseUrl?: string; timeoutMs?: number } = {},
): Promise<string | undefined> {
  const target = cdnPlatform();
  if (!target) return undefined;
  const cacheDir = opts.cacheDir ?? TEMPORAL_CLI_CACHE;
  const url = `${opts.baseUrl ?? TEMPORAL_DOWNLOAD_BASE}/${TEMPORAL_CLI_VERSION}?platform=${target.platform}&arch=${target.arch}`;
  log(`Downloading the Temporal CLI ${TEMPORAL_CLI_VERSION} from ${url} into ${cacheDir} (first start only)…`);
  mkdirSync(cacheDir, { recursive: true });
  // Unpacked next to the cache and renamed in, so an interrupted download never leaves a half binary that looks usable.
  const work = mkdtempSync(join(cacheDir, '.download-'));
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 120_000), redirect: 'follow' });
    if (!res.ok) throw new Error(`the server answered ${res.status} ${res.statusText}`);
    const archive = join(work, 'temporal.tar.gz');
    writeFileSync(archive, Buffer.from(await res.arrayBuffer()));
    const untar = spawnSync('tar', ['-xzf', archive, '-C', work], { encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`the archive did not unpack: ${(untar.stderr || untar.error?.message || '').trim()}`);
    const unpacked = join(work, 'temporal');
    if (!existsSync(unpacked)) throw new Error('the archive holds no `temporal` binary');
    chmodSync(unpacked, 0o755);
    const binary = join(cacheDir, 'temporal');
    renameSync(unpacked, binary);
    return binary;
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const detail = e.cause?.code ?? e.cause?.message;
    const reason = e.name === 'TimeoutError' ? 'it timed out' : detail ? `${e.message}: ${detail}` : e.message;
    log(`Could not download the Temporal CLI (${reason}).`);
    return undefined;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Builds the CLI from the Go module proxy when Go is present. Takes minutes the first time. */
export function buildTemporalCli(log: (line: string) => void): string | undefined {
  if (spawnSync('go', ['version']).status !== 0) return undefined;
  mkdirSync(TEMPORAL_CLI_CACHE, { recursive: true });
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${TEMPORAL_CLI_CACHE} (first start only; takes a few minutes)…`);
  const res = spawnSync('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
    env: { ...process.env, GOBIN: TEMPORAL_CLI_CACHE },
    stdio: 'inherit',
  });
  const built = join(TEMPORAL_CLI_CACHE, 'temporal');
  return res.status === 0 && existsSync(built) ? built : undefined;
}

export interface RunningTemporal {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * How the product runs the dev server (docker-compose's Temporal gets the same values). Measured by
 * `npm run bench` (engine/bench/webhook-flow.ts prints the dev server's CPU per run):
 * - eager activity dispatch: an activity scheduled by a workflow task goes back to the worker in the
 *   task's own response when the worker has a free slot, instead of a trip through matching;
 * - eager workflow start: a run the API starts through its own worker's connection (server/local-worker.ts)
 *   gets its first workflow task in the start's answer, again without matching (on by default in the
 *   server; set so that it stays on);
 * - one task-queue partition: with a handful of pollers, four partitions (the default) mostly
 *   make polls miss and tasks wait for the forwarder;
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, string | number | boolean>> = {
  'system.enableActivityEagerExecution': true,
  'system.enableEagerWorkflowStart': true,
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
};

/**
 * The database file in write-ahead-log mode with `synchronous=normal`: a commit no longer waits for
 * two fsyncs. A crash of the server process keeps every committed transaction; an OS crash or a
 * power cut may lose the last few (SQLite's documented WAL+NORMAL trade), which the production
 * stack (docker-compose, PostgreSQL behind Temporal) does not share.
 */
export const DEV_SERVER_SQLITE_PRAGMAS: readonly string[] = ['journal_mode=wal', 'synchronous=normal'];

/** Starts `temporal server start-dev` and waits until its frontend answers. */
export async function startTemporalDevServer(opts: {
  binary: string;
  port: number;
  uiPort?: number;
  dbFile?: string;
  /** More dynamic config on top of DEV_SERVER_DYNAMIC_CONFIG (tests lower history limits this way). */
  dynamicConfig?: Record<string, string | number | boolean>;
  log?: (line: string) => void;
}): Promise<RunningTemporal> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--log-level', 'error', '--namespace', 'default'];
  if (opts.dbFile) args.push('--db-filename', opts.dbFile, ...DEV_SERVER_SQLITE_PRAGMAS.flatMap((p) => ['--sqlite-pragma', p]));
  for (const [key, value] of Object.entries({ ...DEV_SERVER_DYNAMIC_CONFIG, ...opts.dynamicConfig })) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  // Its own process group, so Ctrl-C in a terminal reaches the launcher first and the launcher stops it in order.
  const child = spawn(opts.binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const log = opts.log ?? (() => {});
  const recent: string[] = [];
  const remember = (d: Buffer) => {
    log(String(d).trim());
    recent.push(
      ...String(d)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    );
    recent.splice(0, Math.max(0, recent.length - 8));
  };
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);
  let exited: number | null | undefined;
  // Detached, it would outlive us: whatever ends this process (Ctrl-C handled by another library's
  // exit hook, a crash, process.exit) takes the dev server with it.
  const stopWithUs = () => {
    if (exited === undefined) child.kill('SIGTERM');
  };
  process.on('exit', stopWithUs);
  child.on('exit', (code) => {
    exited = code;
    process.off('exit', stopWithUs);
  });
  const address = `127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== undefined) {
      throw new Error(
        `The Temporal dev server exited at start (code ${exited}). ` +
          `Is port ${opts.port} (or its UI or metrics port) taken? Its last words:\n    ${recent.join('\n    ')}`,
      );
    }
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      await conn.workflowService.getSystemInfo({});
      await conn.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`The Temporal dev server did not answer on ${address} within 60 s: ${(err as Error).message}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (exited !== undefined) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return { address, uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined, process: child, stop };
}
