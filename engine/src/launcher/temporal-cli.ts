import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Connection } from '@temporalio/client';

/** Where `.ci/run` and the launcher build the CLI when no `temporal` is on PATH; outside the repo so builds are reused. */
export const TEMPORAL_CLI_CACHE = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'flightdeck', 'bin');
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

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

/** Starts `temporal server start-dev` and waits until its frontend answers. */
export async function startTemporalDevServer(opts: {
  binary: string;
  port: number;
  uiPort?: number;
  dbFile?: string;
  log?: (line: string) => void;
}): Promise<RunningTemporal> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--log-level', 'error', '--namespace', 'default'];
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  // Its own process group, so Ctrl-C in a terminal reaches the launcher first and the launcher stops it in order.
  const child = spawn(opts.binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const log = opts.log ?? (() => {});
  child.stdout?.on('data', (d) => log(String(d).trim()));
  child.stderr?.on('data', (d) => log(String(d).trim()));
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
    if (exited !== undefined) throw new Error(`The Temporal dev server exited at start (code ${exited}). Is port ${opts.port} taken?`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      await conn.workflowService.getSystemInfo({});
      await conn.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`The Temporal dev server did not answer on ${address} within 60 s: ${(err as Error).message}`);
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
