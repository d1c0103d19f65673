import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's command line, to tell our own leftovers from an unrelated process that reused the pid. */
export function commandLineOf(pid: number): string | undefined {
  if (!isAlive(pid)) return undefined;
  try {
    if (existsSync(`/proc/${pid}/cmdline`)) {
      const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      // A zombie has an empty command line: it is gone for our purposes.
      return raw ? raw.split('\0').join(' ').trim() : undefined;
    }
    return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Resolves once `condition` holds, checking every `everyMs`; false if `deadlineMs` passes first (a hang guard, not a timing). */
export async function waitFor(condition: () => boolean, deadlineMs: number, everyMs = 100): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return true;
}

/** Asks a process to stop with `signal`, and kills it if it is still there after `graceMs`. */
export async function stopPid(pid: number, signal: NodeJS.Signals, graceMs = 15_000): Promise<void> {
  const gone = () => commandLineOf(pid) === undefined;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  if (await waitFor(gone, graceMs)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  await waitFor(gone, 10_000);
}

/** A pid file under the data directory: what a launcher that crashed left running. */
export class PidFile {
  constructor(readonly path: string) {}

  read(): number | undefined {
    try {
      const pid = Number(readFileSync(this.path, 'utf8').trim().split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  write(pid: number): void {
    writeFileSync(this.path, `${pid}\n`);
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }

  /** The recorded pid if that process is still running and its command line matches. */
  running(matches: (commandLine: string) => boolean): number | undefined {
    const pid = this.read();
    if (pid === undefined) return undefined;
    const cmd = commandLineOf(pid);
    return cmd !== undefined && matches(cmd) ? pid : undefined;
  }
}
