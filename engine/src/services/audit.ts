import type { Database } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';
import type { Actor } from '../auth/access.ts';

type Executor = Pick<Database, 'insert'>;

export interface AuditEntry {
  action: string;
  entityType: 'flow' | 'version' | 'run' | 'campaign' | 'approval' | 'grant' | 'user' | 'department' | 'token' | 'session' | 'connection';
  entityId: string;
  departmentId?: string | null;
  before?: unknown;
  after?: unknown;
}

/** Who did what, when, and the before and after. Written in the same transaction as the change where there is one. */
export async function audit(db: Executor, actor: Actor | null, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    actorId: actor && actor.via !== 'system' ? actor.id : null,
    actor: actor ? `${actor.name} <${actor.email}>${actor.via === 'token' ? ' (API token)' : actor.via === 'email-link' ? ' (e-mail link)' : ''}` : 'system',
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    departmentId: entry.departmentId ?? null,
    before: (entry.before ?? null) as object | null,
    after: (entry.after ?? null) as object | null,
  });
}
