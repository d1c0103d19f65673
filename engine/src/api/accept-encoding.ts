/** The encodings we precompress at build time, best first. */
export const PRECOMPRESSED = ['br', 'gzip'] as const;
export type Precompressed = (typeof PRECOMPRESSED)[number];

/** Longer headers are not from a browser; reading only this much keeps the cost bounded whatever is sent. */
const MAX_HEADER = 1024;

/**
 * The encoding to send from those available, per RFC 9110 §12.5.3: the highest q wins, `*` stands for any
 * encoding not named, q=0 refuses. On a tie brotli wins (it is smaller), whatever order the client listed them
 * in: Chromium sends "gzip, deflate, br, zstd". `undefined` means identity.
 */
export function chooseEncoding(header: string | undefined, available: readonly Precompressed[]): Precompressed | undefined {
  if (!header || available.length === 0) return undefined;
  const q = new Map<string, number>();
  for (const part of header.slice(0, MAX_HEADER).split(',')) {
    const [rawName = '', ...params] = part.split(';');
    const name = rawName.trim().toLowerCase();
    if (!name) continue;
    const qParam = params.map((p) => p.trim()).find((p) => /^q=/i.test(p));
    const value = qParam === undefined ? 1 : Number(qParam.slice(2));
    q.set(name, Number.isFinite(value) && value >= 0 && value <= 1 ? value : 0);
  }
  let best: Precompressed | undefined;
  let bestQ = 0;
  for (const encoding of PRECOMPRESSED) {
    if (!available.includes(encoding)) continue;
    const weight = q.get(encoding) ?? q.get('*') ?? 0;
    if (weight > bestQ) [best, bestQ] = [encoding, weight];
  }
  return best;
}
