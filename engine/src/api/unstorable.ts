import type { FieldError } from './problem.ts';

/**
 * PostgreSQL cannot store NUL in text or jsonb, nor a UTF-16 surrogate without its pair (jsonb
 * refuses the escape; text would silently turn it into U+FFFD). Such strings are refused at the
 * edge, anywhere in the request, keys included, rather than stored changed or failing deep inside.
 */
// eslint-disable-next-line no-control-regex -- the NUL character is one of the things this looks for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const MAX_REPORTED = 20;

export function hasUnstorableText(s: string): boolean {
  return UNSTORABLE.test(s);
}

function describe(s: string): string {
  return s.includes('\u0000')
    ? 'Contains a NUL character (\\u0000), which cannot be stored'
    : 'Contains a lone UTF-16 surrogate, which is not valid Unicode text';
}

/** Every string (value or key) under `value` that cannot be stored, with its dotted path under `prefix`. */
export function findUnstorableStrings(value: unknown, prefix: string[] = []): FieldError[] {
  const found: FieldError[] = [];
  const stack: { v: unknown; path: string[] }[] = [{ v: value, path: prefix }];
  while (stack.length && found.length < MAX_REPORTED) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (hasUnstorableText(v)) found.push({ path: path.join('.'), message: describe(v), code: 'unstorable_text' });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ v: item, path: [...path, String(i)] }));
    } else if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
      for (const [k, item] of Object.entries(v)) {
        const message = `The key ${describe(k).toLowerCase()}`;
        if (hasUnstorableText(k)) found.push({ path: [...path, k].join('.'), message, code: 'unstorable_text' });
        stack.push({ v: item, path: [...path, k] });
      }
    }
  }
  return found;
}
