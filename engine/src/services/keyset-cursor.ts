const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A list page's keyset cursor (a time and an id, newest first): opaque to clients, stable while rows are added. The
 * runs and alerts lists share it; each says which time strings it writes, so a forged one is not taken.
 */
export function encodeKeyset(time: string, id: string): string {
  return Buffer.from(JSON.stringify([time, id])).toString('base64url');
}

/** The cursor back, or null when it is not one of ours: two strings, a time `isTime` accepts and a UUID. */
export function decodeKeyset(cursor: string, isTime: (s: string) => boolean): { time: string; id: string } | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') return null;
    const [time, id] = v as [string, string];
    return isTime(time) && UUID_RE.test(id) ? { time, id } : null;
  } catch {
    return null;
  }
}
