import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PidFile, stopPid } from './processes.ts';
import { postmasterPidFile } from './embedded-postgres.ts';
import { StartFailure } from './start-failure.ts';

/** The pid files a launcher keeps in its data directory. */
export function launcherPidFiles(dataDir: string) {
  return {
    launcher: new PidFile(join(dataDir, 'launcher.pid')),
    temporal: new PidFile(join(dataDir, 'temporal.pid')),
    worker: new PidFile(join(dataDir, 'worker.pid')),
    postmaster: postmasterPidFile(dataDir),
  };
}

/** The worker's command line names its data directory, so a leftover is told apart from another launcher's worker. */
export const workerDataDirArg = (dataDir: string) => `--flightdeck-data-dir=${dataDir}`;

/*
 * What counts as ours: the right program *and* this data directory on its command line. A pid file may name
 * any process (garbage, a pid reused after a reboot, another checkout's dev server on a shared machine);
 * none of those is ever stopped.
 */
function matchers(dataDir: string) {
  const has = (cmd: string, part: string) => ` ${cmd} `.includes(` ${part} `);
  return {
    launcher: (cmd: string) => /launcher[\\/]main\.ts/.test(cmd),
    temporal: (cmd: string) => /\bstart-dev\b/.test(cmd) && has(cmd, join(dataDir, 'temporal.db')),
    worker: (cmd: string) => /worker[\\/]main\.ts/.test(cmd) && has(cmd, workerDataDirArg(dataDir)),
    postgres: (cmd: string) => /(^|[\\/])postgres(\s|$)/.test(cmd) && has(cmd, join(dataDir, 'pg')),
  };
}

/**
 * A launcher killed without a chance to clean up (kill -9, a native abort, a power cut) leaves its
 * PostgreSQL, its Temporal dev server and perhaps its worker running, holding the ports and the data. Before
 * starting, stop whatever the pid files name that is still ours, and drop pid files that name nothing
 * (or another program that reused the pid, which PostgreSQL would take for a running server). A launcher
 * that is still alive on the same data directory is not a leftover: refuse to start beside it.
 */
export async function clearLeftovers(dataDir: string, log: (line: string) => void): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const files = launcherPidFiles(dataDir);
  const is = matchers(dataDir);
  const other = files.launcher.running(is.launcher);
  if (other !== undefined && other !== process.pid) {
    throw new StartFailure(
      `Another Flightdeck launcher (pid ${other}) is running on the data directory ${dataDir}.`,
      `Stop it first (Ctrl-C in its terminal, or kill ${other}), or give this one another directory with FLIGHTDECK_DATA_DIR.`,
    );
  }
  const leftovers: [string, PidFile, (cmd: string) => boolean, NodeJS.Signals][] = [
    ['worker', files.worker, is.worker, 'SIGTERM'],
    ['Temporal dev server', files.temporal, is.temporal, 'SIGTERM'],
    // SIGINT is PostgreSQL's fast shutdown: it checkpoints, so the next start needs no recovery.
    ['PostgreSQL', files.postmaster, is.postgres, 'SIGINT'],
  ];
  for (const [name, file, matches, signal] of leftovers) {
    const pid = file.running(matches);
    if (pid !== undefined) {
      log(`stopping the ${name} (pid ${pid}) left running by a launcher that did not stop cleanly`);
      await stopPid(pid, signal, 30_000);
    }
    // PostgreSQL removes its own file when it stops; a file that names no running server is stale.
    if (file.running(matches) === undefined) file.remove();
  }
  files.launcher.write(process.pid);
}
