import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** bcrypt (pure JS, no native build). Cost 11: about a tenth of a second here, slow enough for offline guessing. */
// Read at each call, so tests can lower it after this module has loaded.
const cost = () => Number(process.env.FLIGHTDECK_BCRYPT_COST ?? 11);

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, cost());
}

/** One dummy hash per cost, made on first use: an unknown user costs the same bcrypt work as a known one. */
const dummies = new Map<number, Promise<string>>();
function dummyHash(): Promise<string> {
  const c = cost();
  if (!dummies.has(c)) dummies.set(c, bcrypt.hash(randomBytes(16).toString('base64url'), c));
  return dummies.get(c)!;
}

export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  // No user (or no password): compare against the dummy anyway, so timing does not tell which e-mails exist.
  if (hash === null) {
    await bcrypt.compare(password, await dummyHash());
    return false;
  }
  return bcrypt.compare(password, hash);
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
