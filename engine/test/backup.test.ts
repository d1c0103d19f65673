import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient, freshDatabase, startStack, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { startServer, type RunningServer } from '../src/server/start-server.ts';
import { createLogger } from '../src/logger.ts';
import { verifyAuditChain } from '../src/services/audit.ts';
import { inject } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function npmRun(script: string, file: string, databaseUrl: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', script, '--', file],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
      },
    );
  });
}

async function counts(pool: RunningServer['db']['pool']): Promise<Record<string, number>> {
  const tables = await pool.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
  const out: Record<string, number> = {};
  for (const { tablename } of tables.rows)
    out[tablename] = Number((await pool.query(`SELECT count(*) AS n FROM "${tablename}"`)).rows[0].n);
  return out;
}

describe('backup and restore of the application database', () => {
  let stack: TestStack;
  let restored: RunningServer | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'fd-backup-'));
  const file = join(dir, 'flightdeck.backup.gz');

  beforeAll(async () => {
    stack = await startStack('backup');
  });
  afterAll(async () => {
    await restored?.close();
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs up, restores into a fresh database, and the app started on it sees the same data', async () => {
    const designer = await stack.user('Backup Designer', [{ role: 'designer', department: 'Marketing' }], { department: 'Marketing' });
    const { flowId } = await designer.api.publishFlow(
      'Kept in the backup ☃',
      flow([node('start', 'trigger.manual'), node('done', 'control.end')], [edge('start', 'next', 'done')]),
    );
    const runId = await designer.api.startRun(flowId, { note: 'before the backup' });
    expect((await designer.api.waitForRun(runId)).status).toBe('completed');
    // A lesson: its search vector is a generated column, which the restore computes again rather than copies.
    const lesson = await designer.api.post('/api/lessons', { fact: '达人预算超支', cause: 'c', insight: 'i', action: 'a' });
    expect(lesson.status, JSON.stringify(lesson.body)).toBe(201);
    const sourceUrl = stack.server.db.pool.options.connectionString!;

    const backup = await npmRun('db:backup', file, sourceUrl);
    expect(backup.code, backup.out).toBe(0);
    expect(backup.out).toMatch(/backed up \d+ rows from \d+ tables/);
    // Sessions, token hashes and sealed secrets are in it: only the owner may read it.
    expect(statSync(file).mode & 0o077).toBe(0);

    const targetUrl = await freshDatabase('restored');
    const restore = await npmRun('db:restore', file, targetUrl);
    expect(restore.code, restore.out).toBe(0);

    restored = await startServer({
      databaseUrl: targetUrl,
      temporalAddress: inject('temporalAddress'),
      namespace: 'default',
      taskQueue: stack.taskQueue,
      host: '127.0.0.1',
      port: 0,
      log: createLogger('silent'),
      syncIntervalMs: 0,
      secret: stack.secret,
      encryptionKey: stack.encryptionKey,
    });
    expect(await counts(restored.db.pool)).toEqual(await counts(stack.server.db.pool));
    // The same API token signs in on the restored copy and sees the flow, its version and the run.
    const again = new ApiClient(restored.url, designer.api.token);
    const f = await again.get(`/api/flows/${flowId}`);
    expect(f.status).toBe(200);
    expect(f.body.name).toBe('Kept in the backup ☃');
    expect((await again.get(`/api/flows/${flowId}/versions`)).body.items).toHaveLength(1);
    expect((await again.get(`/api/runs/${runId}`)).body.status).toBe('completed');
    expect((await again.get(`/api/lessons?q=${encodeURIComponent('达人')}`)).body.items.map((l: { id: string }) => l.id)).toEqual([
      lesson.body.id,
    ]);
    // The audit log comes back as it was, its hash chain intact, and new entries extend it.
    expect(await verifyAuditChain(restored.db.pool)).toMatchObject({ ok: true });
    expect((await again.post('/api/flows', { name: 'After the restore', graph: flow([node('start', 'trigger.manual')], []) })).status).toBe(
      201,
    );
    const chain = await verifyAuditChain(restored.db.pool);
    expect(chain.ok).toBe(true);
    // New ids continue after the restored ones (sequences restored).
    const ids = await restored.db.pool.query<{ max: string; n: string }>('SELECT max(id) AS max, count(*) AS n FROM audit_log');
    expect(Number(ids.rows[0]!.max)).toBeGreaterThanOrEqual(Number(ids.rows[0]!.n));
  });

  it('refuses to restore over a database that has data', async () => {
    const res = await npmRun('db:restore', file, stack.server.db.pool.options.connectionString!);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/restore refused: .*already has data/);
  });
});
