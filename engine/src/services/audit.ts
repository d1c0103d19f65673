import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';
import type { Actor } from '../auth/access.ts';

/** What an entry names of whoever acted: a decision kept for a later send stores only this of its author. */
export type AuditActor = Pick<Actor, 'id' | 'name' | 'email' | 'via'>;

type Executor = Pick<Database, 'insert'>;

export interface AuditEntry {
  action: string;
  entityType:
    | 'flow'
    | 'version'
    | 'run'
    | 'campaign'
    | 'approval'
    | 'grant'
    | 'user'
    | 'department'
    | 'token'
    | 'session'
    | 'connection'
    | 'alert'
    | 'silence'
    | 'lesson'
    | 'task'
    | 'delivery';
  entityId: string;
  departmentId?: string | null;
  before?: unknown;
  after?: unknown;
}

/**
 * Who did what, when, and the before and after. Written in the same transaction as the change where there is one.
 * The database chains each entry to the one before (seq, prev_hash, hash: see drizzle/0008_audit_hash_chain.sql):
 * its trigger locks the chain head until this transaction ends, so concurrent writers queue and never fork it.
 * Call it last in a transaction: the chain-head lock is then the last lock taken, so it can join no deadlock.
 */
export async function audit(db: Executor, actor: AuditActor | null, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values(auditValues(actor, entry));
}

/**
 * The same entry as the last part of a statement that also makes the change: `insert into audit_log ... select ...
 * from <source>`, written once per row `source` yields (one round trip instead of two, and one transaction).
 */
export function auditFrom(source: SQL, actor: AuditActor | null, entry: AuditEntry): SQL {
  const v = auditValues(actor, entry);
  // As drizzle's jsonb columns do: JSON text, so an array or a string stays JSON and does not become a PostgreSQL literal.
  const json = (x: unknown) => (x === null ? null : JSON.stringify(x));
  return sql`insert into ${auditLog} (actor_id, actor, action, entity_type, entity_id, department_id, before, after)
    select ${v.actorId}::uuid, ${v.actor}, ${v.action}, ${v.entityType}, ${v.entityId}, ${v.departmentId}::uuid,
           ${json(v.before)}::jsonb, ${json(v.after)}::jsonb
      from ${source}`;
}

function auditValues(actor: AuditActor | null, entry: AuditEntry) {
  return {
    actorId: actor && actor.via !== 'system' && actor.via !== 'chat-link' ? actor.id : null,
    actor: !actor
      ? 'system'
      : actor.via === 'chat-link'
        ? `chat room ${actor.name} (chat link)`
        : `${actor.name} <${actor.email}>${actor.via === 'token' ? ' (API token)' : actor.via === 'email-link' ? ' (e-mail link)' : ''}`,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    departmentId: entry.departmentId ?? null,
    before: (entry.before ?? null) as object | null,
    after: (entry.after ?? null) as object | null,
  };
}

/** The chain's first prev_hash. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

export interface AuditBreak {
  seq: number;
  id: number;
  at: string;
  action: string;
  entity: string;
  reason: string;
}

export type AuditVerdict = { ok: true; entries: number; headHash: string } | { ok: false; entries: number; broken: AuditBreak };

interface ChainRow {
  seq: string;
  id: string;
  at: Date;
  action: string;
  entity_type: string;
  entity_id: string;
  prev_hash: string;
  hash: string;
  canonical: string;
}

/**
 * Walks the audit chain in seq order and recomputes every hash: sha256(canonical serialization || prev_hash),
 * the serialization being the database's audit_canonical() over the row as it is now. An edited entry fails
 * its own hash; a removed or reordered one breaks the next link; a removed tail disagrees with the chain head.
 * Batches of `batch` rows keep memory flat on a long log.
 */
export async function verifyAuditChain(pool: Pick<Pool, 'query'>, batch = 1000): Promise<AuditVerdict> {
  let prev = AUDIT_GENESIS_HASH;
  let expectedSeq = 1;
  let entries = 0;
  for (;;) {
    const { rows } = await pool.query<ChainRow>(
      `SELECT a.seq, a.id, a.at, a.action, a.entity_type, a.entity_id, a.prev_hash, a.hash, audit_canonical(a) AS canonical
         FROM audit_log a WHERE a.seq >= $1 ORDER BY a.seq LIMIT $2`,
      [expectedSeq, batch],
    );
    for (const r of rows) {
      const broken = (reason: string): AuditVerdict => ({
        ok: false,
        entries,
        broken: {
          seq: Number(r.seq),
          id: Number(r.id),
          at: r.at.toISOString(),
          action: r.action,
          entity: `${r.entity_type} ${r.entity_id}`,
          reason,
        },
      });
      if (Number(r.seq) !== expectedSeq) return broken(`entry ${expectedSeq} is missing (next is ${r.seq})`);
      if (r.prev_hash !== prev)
        return broken('its previous-entry hash does not match the entry before it (an entry was removed, reordered or rewritten)');
      const hash = createHash('sha256')
        .update(r.canonical + r.prev_hash, 'utf8')
        .digest('hex');
      if (hash !== r.hash) return broken('its content does not match its hash (the entry was edited)');
      prev = r.hash;
      expectedSeq += 1;
      entries += 1;
    }
    if (rows.length < batch) break;
  }
  const head = await pool.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_chain_head WHERE id = 1');
  const h = head.rows[0];
  if (!h)
    return {
      ok: false,
      entries,
      broken: { seq: expectedSeq, id: 0, at: '', action: '', entity: '', reason: 'the chain head row is missing' },
    };
  if (Number(h.seq) !== entries || h.hash !== prev) {
    return {
      ok: false,
      entries,
      broken: {
        seq: Number(h.seq),
        id: 0,
        at: '',
        action: '',
        entity: '',
        reason:
          `the chain head says ${h.seq} entries ending in ${h.hash.slice(0, 12)}…, ` +
          `the log has ${entries} (entries at the end were removed)`,
      },
    };
  }
  return { ok: true, entries, headHash: prev };
}
