import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { PidFile } from './processes.ts';

export interface SupervisorOptions {
  name: string;
  /** The module to run with Node (tsx loaded), as a child with an IPC channel. */
  module: string;
  args?: string[];
  env: NodeJS.ProcessEnv;
  pidFile?: PidFile;
  log: { info(msg: string): void; warn(msg: string): void };
  /** Restart delay after the n-th failure in a row (n from 1): 0.5 s doubling, at most 30 s. */
  backoffMs?: (failures: number) => number;
  /** A child that ran this long before dying starts the backoff over. */
  stableMs?: number;
  /** How long a stop waits for the child to drain before it is killed. */
  stopGraceMs?: number;
}

const defaultBackoff = (n: number) => Math.min(30_000, 500 * 2 ** (n - 1));

/**
 * Runs a Node module as a child process and starts it again, with backoff, whenever it dies, so a crash
 * there (a native abort, an out-of-memory kill) never takes the launcher or the API with it.
 * Events: 'ready' (pid) when the child says so over IPC, 'exit' ({ pid, code, signal }) when one ends.
 */
export class Supervisor extends EventEmitter {
  private child: ChildProcess | undefined;
  private stopping = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly stopWithUs = () => this.child?.kill('SIGKILL');

  constructor(private readonly opts: SupervisorOptions) {
    super();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.stopping) return;
    const startedAt = Date.now();
    const child = fork(this.opts.module, this.opts.args ?? [], {
      env: this.opts.env,
      // tsx by absolute URL, so the child starts from any working directory.
      execArgv: ['--import', import.meta.resolve('tsx')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // Its own process group: Ctrl-C in the terminal reaches the launcher, which stops the child in order.
      detached: true,
    });
    this.child = child;
    process.on('exit', this.stopWithUs);
    if (child.pid) this.opts.pidFile?.write(child.pid);
    child.on('message', (m: { type?: string }) => {
      if (m?.type === 'ready') {
        this.opts.log.info(`${this.opts.name} ready (pid ${child.pid})`);
        this.emit('ready', child.pid);
      }
    });
    child.once('exit', (code, signal) => {
      process.off('exit', this.stopWithUs);
      if (this.child === child) this.child = undefined;
      this.emit('exit', { pid: child.pid, code, signal });
      if (this.stopping) return;
      this.failures = Date.now() - startedAt > (this.opts.stableMs ?? 60_000) ? 1 : this.failures + 1;
      const delay = (this.opts.backoffMs ?? defaultBackoff)(this.failures);
      this.opts.log.warn(
        `${this.opts.name} (pid ${child.pid}) ended (${signal ?? `code ${code}`}); ` +
          `starting it again in ${delay} ms (failure ${this.failures} in a row)`,
      );
      this.restartTimer = setTimeout(() => this.start(), delay);
    });
  }

  /** Asks the child to drain (SIGTERM) and waits; kills it if it does not end in time. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.opts.pidFile?.remove();
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), this.opts.stopGraceMs ?? 20_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
    this.opts.pidFile?.remove();
  }
}
