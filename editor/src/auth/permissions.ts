import { ROLE_PERMISSIONS, type Permission } from '@flightdeck/workflows';
import type { User } from '../api/types.ts';

/** Only to leave out buttons that would certainly be refused; the server decides every request. */
function liveGrants(user: User, now = Date.now()) {
  return user.grants.filter((g) => !g.expiresAt || new Date(g.expiresAt).getTime() > now);
}

/**
 * May the user do this in that department (undefined: in some department)? Without a user
 * (offline, or an older server) the answer is yes, and the server has the last word.
 */
export function mayDo(user: User | null | undefined, permission: Permission, departmentId?: string | null): boolean {
  if (!user) return true;
  return liveGrants(user).some(
    (g) =>
      (ROLE_PERMISSIONS[g.role] ?? []).includes(permission) &&
      (departmentId === undefined || g.departmentId === null || g.departmentId === departmentId),
  );
}

/** A global administrator (leaves out admin-only buttons; the server decides). */
export function isAdmin(user: User | null | undefined): boolean {
  return !!user && liveGrants(user).some((g) => g.role === 'admin' && g.departmentId === null);
}
