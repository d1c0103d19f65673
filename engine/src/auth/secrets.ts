import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** bcrypt (pure JS, no native build). Cost 11: about a tenth of a second here, slow enough for offline guessing. */
// Read at each call, so tests can lower it after this module has loaded.
const cost = () => Number(process.env.FLIGHTDECK_BCRYPT_COST ?? 11);

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, cost());
}

export function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  // Compare against a dummy when the user has no password, so timing does not tell which e-mails exist.
  return bcrypt.compare(password, hash ?? '$2b$11$invalidinvalidinvalidinuJ0fXh3vQh7cW5l5y0Tq9wQm7e0n5xa');
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
