import type { Role } from '@flightdeck/workflows';

/**
 * Least privilege, written down once. The role-matrix test keeps its own copy of the expected
 * answers, so a change here that widens access fails a test.
 */
export const PERMISSIONS = [
  'flows:read',
  'flows:write',
  'flows:publish',
  'runs:read',
  'runs:start',
  'runs:cancel',
  'campaigns:read',
  'campaigns:write',
  'approvals:read',
  'audit:read',
  'people:read',
  'people:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ: Permission[] = ['flows:read', 'runs:read', 'campaigns:read'];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: PERMISSIONS,
  department_admin: PERMISSIONS,
  designer: [...READ, 'flows:write', 'flows:publish', 'runs:start', 'runs:cancel', 'campaigns:write'],
  approver: [...READ, 'approvals:read'],
  analyst: [...READ, 'approvals:read', 'audit:read'],
  viewer: READ,
};

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
  via: 'session' | 'token' | 'email-link' | 'system';
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
