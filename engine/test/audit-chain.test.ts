import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import fc from 'fast-check';
import { freshDatabase } from './support/stack.ts';
import { openDatabase, migrateDatabase, type DatabaseHandle } from '../src/db/client.ts';
import { audit, verifyAuditChain, AUDIT_GENESIS_HASH } from '../src/services/audit.ts';

const ENGINE = fileURLToPath(new URL('..', import.meta.url));
const system = null;

/** jsonb cannot hold U+0000; everything else a JSON value can be goes into before/after. */
const noNul = (v: unknown): boolean => !JSON.stringify(v).includes('\\u0000');
const entryArb = fc.record({
  action: fc.string({ minLength: 1, maxLength: 30 }).filter(noNul),
  entityId: fc.string({ minLength: 1, maxLength: 40 }).filter(noNul),
  before: fc.jsonValue({ maxDepth: 3 }).filter(noNul),
  after: fc.jsonValue({ maxDepth: 3 }).filter(noNul),
});

async function chainDb(label: string): Promise<DatabaseHandle> {
  const handle = openDatabase(await freshDatabase(label), 12);
  await migrateDatabase(handle);
  return handle;
}

/** Rewrites history the way only a superuser can: with every trigger (append-only included) off for the session. */
async function asSuperuser(handle: DatabaseHandle, statement: string, params: unknown[] = []): Promise<void> {
  const client = await handle.pool.connect();
  try {
    await client.query('SET session_replication_role = replica');
    await client.query(statement, params);
  } finally {
    await client.query('RESET session_replication_role');
    client.release();
  }
}

function runVerifyCommand(databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'audit:verify'],
      { cwd: ENGINE, env: { ...process.env, DATABASE_URL: databaseUrl } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('tamper-evident audit log', () => {
  let handle: DatabaseHandle;
  let url: string;

  beforeAll(async () => {
    url = await freshDatabase('audit_chain');
    handle = openDatabase(url, 12);
    await migrateDatabase(handle);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('chains every entry, even from concurrent transactions, and the chain verifies', async () => {
    // Thirty writers at once, each in its own transaction that holds the entry a moment before committing.
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        handle.db.transaction(async (tx) => {
          await audit(tx, system, { action: 'test.concurrent', entityType: 'flow', entityId: `f-${i}`, after: { i } });
          await tx.execute('SELECT 1');
        }),
      ),
    );
    const { rows } = await handle.pool.query<{ seq: string; prev_hash: string; hash: string }>(
      'SELECT seq, prev_hash, hash FROM audit_log ORDER BY seq',
    );
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(rows[0]!.prev_hash).toBe(AUDIT_GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
    expect(new Set(rows.map((r) => r.hash)).size).toBe(30);
    expect(await verifyAuditChain(handle.pool)).toEqual({ ok: true, entries: 30, headHash: rows[29]!.hash });
    const cli = await runVerifyCommand(url);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('audit chain intact: 30 entries');
  });

  it('a writer cannot forge the chain columns: the trigger sets them', async () => {
    const { rows } = await handle.pool.query<{ seq: string; hash: string }>(
      `INSERT INTO audit_log (actor, action, entity_type, entity_id, seq, prev_hash, hash) ` +
        `VALUES ('x', 'forge', 'flow', 'f', 999, 'a', 'b') RETURNING seq, hash`,
    );
    expect(Number(rows[0]!.seq)).toBe(31);
    expect(rows[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await verifyAuditChain(handle.pool)).ok).toBe(true);
    // And the append-only trigger still refuses an ordinary rewrite.
    await expect(handle.pool.query(`UPDATE audit_log SET action = 'nothing happened' WHERE seq = 3`)).rejects.toThrow(/append-only/);
  });

  it('finds an entry a superuser edited past the append-only trigger, and the command prints it', async () => {
    await asSuperuser(handle, `UPDATE audit_log SET after = '{"i": 999}' WHERE seq = 7`);
    const verdict = await verifyAuditChain(handle.pool, 4);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.entries).toBe(6);
    expect(verdict.broken).toMatchObject({ seq: 7, action: 'test.concurrent', reason: expect.stringMatching(/edited/) });
    const cli = await runVerifyCommand(url);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/first broken entry: seq 7, id \d+/);
    expect(cli.stderr).toMatch(/edited/);
  });

  it('finds a removed entry and a removed tail', async () => {
    const db = await chainDb('audit_removed');
    try {
      for (let i = 0; i < 5; i++) await audit(db.db, system, { action: `a${i}`, entityType: 'run', entityId: `r${i}` });
      await asSuperuser(db, 'DELETE FROM audit_log WHERE seq = 5');
      const tail = await verifyAuditChain(db.pool);
      expect(tail).toMatchObject({ ok: false, entries: 4, broken: { reason: expect.stringMatching(/removed/) } });
      await asSuperuser(db, 'DELETE FROM audit_log WHERE seq = 2');
      expect(await verifyAuditChain(db.pool)).toMatchObject({
        ok: false,
        entries: 1,
        broken: { seq: 3, reason: expect.stringMatching(/missing/) },
      });
    } finally {
      await db.close();
    }
  });

  it('property: any generated entries verify, and changing any one field of any one entry is found at that entry', async () => {
    const db = await chainDb('audit_property');
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(entryArb, { minLength: 1, maxLength: 6 }),
          fc.nat(),
          fc.constantFrom('action', 'entity_id', 'before', 'after', 'actor', 'at'),
          async (entries, pick, column) => {
            await asSuperuser(db, 'TRUNCATE audit_log');
            await asSuperuser(db, `UPDATE audit_chain_head SET seq = 0, hash = $1`, [AUDIT_GENESIS_HASH]);
            for (const e of entries) await audit(db.db, system, { ...e, entityType: 'campaign' });
            expect(await verifyAuditChain(db.pool)).toMatchObject({ ok: true, entries: entries.length });
            const seq = (pick % entries.length) + 1;
            const change: Record<string, string> = {
              action: `action = action || '!'`,
              entity_id: `entity_id = entity_id || '!'`,
              before: `before = jsonb_build_array(before)`,
              after: `after = jsonb_build_object('x', after)`,
              actor: `actor = 'someone else'`,
              at: `at = at + interval '1 microsecond'`,
            };
            await asSuperuser(db, `UPDATE audit_log SET ${change[column]} WHERE seq = $1`, [seq]);
            expect(await verifyAuditChain(db.pool)).toMatchObject({ ok: false, broken: { seq } });
          },
        ),
        { numRuns: 15 },
      );
    } finally {
      await db.close();
    }
  });

  it('the migration chains entries written before it', async () => {
    // Migrate a database to just before 0008, write history, then apply 0008.
    const dir = mkdtempSync(join(tmpdir(), 'fd-migrations-'));
    const legacy = openDatabase(await freshDatabase('audit_legacy'), 2);
    try {
      cpSync(join(ENGINE, 'drizzle'), dir, { recursive: true });
      const journalPath = join(dir, 'meta', '_journal.json');
      const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
      const upTo = journal.entries.findIndex((e) => e.tag === '0008_audit_hash_chain');
      expect(upTo).toBeGreaterThan(0);
      writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo) }));
      await migrate(legacy.db, { migrationsFolder: dir });
      for (let i = 0; i < 4; i++) {
        await legacy.pool.query(
          `INSERT INTO audit_log (actor, action, entity_type, entity_id, after) VALUES ('system', $1, 'flow', $2, $3)`,
          [`old.${i}`, `f${i}`, JSON.stringify({ n: i, s: 'é☃' })],
        );
      }
      await migrateDatabase(legacy);
      const { rows } = await legacy.pool.query<{ seq: string; action: string }>('SELECT seq, action FROM audit_log ORDER BY id');
      expect(rows.map((r) => [Number(r.seq), r.action])).toEqual([
        [1, 'old.0'],
        [2, 'old.1'],
        [3, 'old.2'],
        [4, 'old.3'],
      ]);
      await audit(legacy.db, system, { action: 'new', entityType: 'flow', entityId: 'f9' });
      expect(await verifyAuditChain(legacy.pool)).toMatchObject({ ok: true, entries: 5 });
    } finally {
      await legacy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
