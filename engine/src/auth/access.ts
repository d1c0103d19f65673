import { ROLE_PERMISSIONS, type Permission, type Role } from '@flightdeck/workflows';
import type { TokenScope } from './scopes.ts';

/**
 * Least privilege: the role → permission table lives in workflows/src/people.ts, shared with the
 * editor. The role-matrix test keeps its own copy of the expected answers, so a change there that
 * widens access fails a test.
 */
export { PERMISSIONS, ROLE_PERMISSIONS, type Permission } from '@flightdeck/workflows';

export interface Grant {
  role: Role;
  /** null: everywhere. */
  departmentId: string | null;
  expiresAt: Date | null;
}

export interface Actor {
  id: string;
  email: string;
  name: string;
  departmentId: string | null;
  locale: 'en' | 'zh-CN';
  grants: Grant[];
  /** chat-link: a robot message's one-click link; the actor is the chat room (anyone in it may have clicked), not a person. */
  via: 'session' | 'token' | 'email-link' | 'chat-link' | 'system';
  /** Set when the caller sent an API token: which one, and what it may do. */
  token?: { id: string; scopes: TokenScope[] };
}

function live(grants: Grant[], now: Date): Grant[] {
  return grants.filter((g) => !g.expiresAt || g.expiresAt > now);
}

/** May the actor do this in this department? `null` department: a resource that belongs to no department (global). */
export function can(actor: Actor, permission: Permission, departmentId: string | null, now = new Date()): boolean {
  return live(actor.grants, now).some((g) => {
    if (!ROLE_PERMISSIONS[g.role].includes(permission)) return false;
    // A global grant reaches everything; a department grant reaches its department only.
    return g.departmentId === null || g.departmentId === departmentId;
  });
}

/** Departments where the actor holds the permission; 'all' for a global grant. For filtering lists. */
export function scopeOf(actor: Actor, permission: Permission, now = new Date()): 'all' | string[] {
  const grants = live(actor.grants, now).filter((g) => ROLE_PERMISSIONS[g.role].includes(permission));
  if (grants.some((g) => g.departmentId === null)) return 'all';
  return [...new Set(grants.map((g) => g.departmentId!))];
}

export function isAdmin(actor: Actor, now = new Date()): boolean {
  return live(actor.grants, now).some((g) => g.role === 'admin' && g.departmentId === null);
}

/**
 * Whether the actor may know that things in this department exist: any live grant that reaches it.
 * Outside that, a resource answers 404 as if it did not exist. Things in no department are global
 * and visible to everyone signed in.
 */
export function seesDepartment(actor: Actor, departmentId: string | null, now = new Date()): boolean {
  return departmentId === null || live(actor.grants, now).some((g) => g.departmentId === null || g.departmentId === departmentId);
}
