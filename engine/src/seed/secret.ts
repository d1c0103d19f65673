import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomToken } from '../auth/secrets.ts';

/** FLIGHTDECK_SECRET, or one kept in the data directory so links survive a restart of the embedded stack. */
export function loadOrCreateSecret(dataDir: string, fromEnv: string | undefined, name = 'secret', create = () => randomToken(32)): string {
  if (fromEnv) return fromEnv;
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = create();
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
