import type { Role } from '@flightdeck/workflows';
import type { User } from '../api/types.ts';

/**
 * What each role may do, as the server's role matrix says (engine/src/auth/access.ts). Used only
 * to leave out buttons that would certainly be refused; the server decides every request.
 */
type Permission = 'campaigns:write' | 'runs:start' | 'flows:write';
const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: ['campaigns:write', 'runs:start', 'flows:write'],
  department_admin: ['campaigns:write', 'runs:start', 'flows:write'],
  designer: ['campaigns:write', 'runs:start', 'flows:write'],
  approver: [],
  analyst: [],
  viewer: [],
};

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
    (g) => (ROLE_PERMISSIONS[g.role] ?? []).includes(permission) && (departmentId === undefined || g.departmentId === null || g.departmentId === departmentId),
  );
}
