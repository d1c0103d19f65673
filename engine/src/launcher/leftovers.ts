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

const isLauncher = (cmd: string) => /launcher[\\/]main\.ts/.test(cmd);
const isTemporal = (cmd: string) => /\bserver\b.*\bstart-dev\b/.test(cmd);
const isWorker = (cmd: string) => /worker[\\/]main\.ts/.test(cmd);
const isPostgres = (cmd: string) => /(^|[\\/])postgres(\s|$)/.test(cmd) || /^postgres:/.test(cmd);

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
  const other = files.launcher.running(isLauncher);
  if (other !== undefined && other !== process.pid) {
    throw new StartFailure(
      `Another Flightdeck launcher (pid ${other}) is running on the data directory ${dataDir}.`,
      `Stop it first (Ctrl-C in its terminal, or kill ${other}), or give this one another directory with FLIGHTDECK_DATA_DIR.`,
    );
  }
  const leftovers: [string, PidFile, (cmd: string) => boolean, NodeJS.Signals][] = [
    ['worker', files.worker, isWorker, 'SIGTERM'],
    ['Temporal dev server', files.temporal, isTemporal, 'SIGTERM'],
    // SIGINT is PostgreSQL's fast shutdown: it checkpoints, so the next start needs no recovery.
    ['PostgreSQL', files.postmaster, isPostgres, 'SIGINT'],
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
