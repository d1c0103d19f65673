import { randomToken } from '../auth/secrets.ts';
import type { PeopleService } from '../services/people.ts';

export const FIRST_ADMIN_EMAIL = 'admin@flightdeck.local';

/** On an empty database, creates the first administrator and says how to sign in; the password is shown once. */
export async function ensureFirstAdmin(
  people: PeopleService,
  password = process.env.FLIGHTDECK_ADMIN_PASSWORD,
): Promise<{ email: string; password?: string } | undefined> {
  if ((await people.userCount()) > 0) return undefined;
  const chosen = password || randomToken(12);
  const user = await people.createUser(null, { email: FIRST_ADMIN_EMAIL, name: 'Administrator', password: chosen });
  await people.grant(null, { userId: user.id, role: 'admin', departmentId: null });
  return { email: FIRST_ADMIN_EMAIL, password: chosen };
}
