import type { Pool, PoolClient } from 'pg';
import { createGzip, createGunzip } from 'node:zlib';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';

/*
 * A logical backup of the application database that needs no pg_dump: the embedded PostgreSQL (18) ships
 * no client tools, and a distribution's pg_dump is usually older than the server, which pg_dump refuses.
 * The schema is the migrations' (replayed on restore); the backup holds every public table's rows as JSON
 * lines, read in one repeatable-read snapshot, plus the sequences. gzip, one file.
 */
export const BACKUP_FORMAT = 'flightdeck-backup/1';
const BATCH = 1000;

interface Header {
  format: string;
  createdAt: string;
  migrations: number;
  tables: string[];
  sequences: { name: string; value: string; called: boolean }[];
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function migrationsApplied(client: PoolClient | Pool): Promise<number> {
  const r = await client
    .query<{ n: string }>(`SELECT count(*) AS n FROM drizzle.__drizzle_migrations`)
    .catch(() => ({ rows: [{ n: '0' }] }));
  return Number(r.rows[0]!.n);
}

async function publicTables(client: PoolClient): Promise<string[]> {
  const r = await client.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
  return r.rows.map((t) => t.tablename);
}

/** A table's columns that take values on insert: all but the generated ones. */
async function storedColumns(client: PoolClient, table: string): Promise<string[]> {
  const r = await client.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
     ORDER BY attnum`,
    [`public.${ident(table)}`],
  );
  return r.rows.map((c) => c.name);
}

export async function backupDatabase(pool: Pool, file: string): Promise<{ tables: number; rows: number }> {
  const client = await pool.connect();
  const gzip = createGzip();
  const done = pipeline(gzip, createWriteStream(file, { mode: 0o600 }));
  const write = async (line: unknown) => {
    if (!gzip.write(`${JSON.stringify(line)}\n`)) await once(gzip, 'drain');
  };
  let rows = 0;
  let tables: string[];
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    tables = await publicTables(client);
    const seqs = await client.query<{ name: string }>(`SELECT sequencename AS name FROM pg_sequences WHERE schemaname = 'public'`);
    const sequences: Header['sequences'] = [];
    for (const { name } of seqs.rows) {
      const s = await client.query<{ last_value: string; is_called: boolean }>(`SELECT last_value, is_called FROM ${ident(name)}`);
      sequences.push({ name, value: s.rows[0]!.last_value, called: s.rows[0]!.is_called });
    }
    const header: Header = {
      format: BACKUP_FORMAT,
      createdAt: new Date().toISOString(),
      migrations: await migrationsApplied(client),
      tables,
      sequences,
    };
    await write(header);
    for (const table of tables) {
      await write({ table });
      for (let offset = 0; ; offset += BATCH) {
        const r = await client.query<{ j: unknown }>(
          `SELECT row_to_json(t) AS j FROM ${ident(table)} t ORDER BY ctid LIMIT ${BATCH} OFFSET ${offset}`,
        );
        for (const row of r.rows) await write(row.j);
        rows += r.rows.length;
        if (r.rows.length < BATCH) break;
      }
    }
    await client.query('COMMIT');
  } finally {
    client.release();
    gzip.end();
    await done;
  }
  return { tables: tables.length, rows };
}

export class RestoreRefused extends Error {}

/**
 * Restores into a database that has the same migrations applied and no data of its own (`migrate` first).
 * Runs in one transaction with triggers off (session_replication_role = replica, so superuser only), so the
 * append-only audit log and its hash chain come back exactly as they were, and foreign keys in any order.
 */
export async function restoreDatabase(pool: Pool, file: string): Promise<{ rows: number }> {
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  const client = await pool.connect();
  let rows = 0;
  try {
    let header: Header | undefined;
    let table: string | undefined;
    let batch: unknown[] = [];
    const flush = async () => {
      if (!table || !batch.length) return;
      // A generated column (lessons.search) takes no value: PostgreSQL computes it again from the rest.
      const columns = (await storedColumns(client, table)).map(ident).join(', ');
      await client.query(
        `INSERT INTO ${ident(table)} (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::${ident(table)}, $1::json)`,
        [JSON.stringify(batch)],
      );
      rows += batch.length;
      batch = [];
    };
    for await (const line of lines) {
      if (!line) continue;
      const value = JSON.parse(line) as Record<string, unknown>;
      if (!header) {
        header = value as unknown as Header;
        if (header.format !== BACKUP_FORMAT) throw new RestoreRefused(`${file} is not a Flightdeck backup (${BACKUP_FORMAT})`);
        const here = await migrationsApplied(pool);
        if (here !== header.migrations) {
          throw new RestoreRefused(
            `The backup was made at migration ${header.migrations}, this database is at ${here}: ` +
              `restore with the Flightdeck version that made it (its start migrates), then upgrade`,
          );
        }
        const existing = await publicTables(client);
        const missing = header.tables.filter((t) => !existing.includes(t));
        if (missing.length) throw new RestoreRefused(`The database lacks the tables ${missing.join(', ')}`);
        const users = await client.query<{ n: string }>('SELECT count(*) AS n FROM users').catch(() => ({ rows: [{ n: '0' }] }));
        if (Number(users.rows[0]!.n) > 0)
          throw new RestoreRefused('The target database already has data (users): restore only into a new, empty database');
        await client.query('BEGIN');
        await client.query('SET LOCAL session_replication_role = replica');
        // What the migrations seeded (the audit chain head) comes from the backup instead.
        await client.query(`TRUNCATE ${header.tables.map(ident).join(', ')}`);
        continue;
      }
      if (typeof value.table === 'string' && Object.keys(value).length === 1) {
        await flush();
        table = value.table;
        continue;
      }
      batch.push(value);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    if (!header) throw new RestoreRefused(`${file} is empty`);
    for (const s of header.sequences) await client.query('SELECT setval($1, $2, $3)', [ident(s.name), s.value, s.called]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
  return { rows };
}
