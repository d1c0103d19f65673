/**
 * References to other nodes inside a node's config: CEL and Liquid both reach a node's result as `nodes.<id>.output…`
 * (or `nodes["<id>"]`). When a paste renames a node whose id was taken, every such reference in the pasted configs is
 * renamed with it, in one pass over each string so that a chain of renames (a → b, b → c) never applies twice.
 * A plain-text mention in a message body is renamed too: it names the same node to whoever reads it.
 */

// Not after a letter, digit, `_`, `$` or `.`: `input.nodes.x` is a field of the input, not a node.
const REF = /(?<![A-Za-z0-9_$.])nodes(?:(\s*\.\s*)([A-Za-z_][A-Za-z0-9_]*)|(\s*\[\s*)(["'])([A-Za-z_][A-Za-z0-9_]*)\4)/g;

/** Past this depth a config value is copied as it is: a pasted fragment is bounded in size, not in nesting. */
export const REF_DEPTH = 64;

/** The node ids a text refers to, in order of appearance. */
export function nodeRefsIn(text: string): string[] {
  return Array.from(text.matchAll(REF), (m) => (m[2] ?? m[5])!);
}

export function renameRefsInText(text: string, rename: ReadonlyMap<string, string>): string {
  if (!rename.size || !text.includes('nodes')) return text;
  return text.replace(REF, (whole, dot: string | undefined, id: string | undefined, bracket: string, quote: string, quoted: string) => {
    if (id !== undefined) {
      const to = rename.get(id);
      return to === undefined ? whole : `nodes${dot}${to}`;
    }
    const to = rename.get(quoted);
    return to === undefined ? whole : `nodes${bracket}${quote}${to}${quote}`;
  });
}

/** A copy of `value` with every string's node references renamed; object keys are left alone. */
export function renameRefs<T>(value: T, rename: ReadonlyMap<string, string>, depth = 0): T {
  if (typeof value === 'string') return renameRefsInText(value, rename) as T;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= REF_DEPTH) return structuredClone(value);
  if (Array.isArray(value)) return value.map((v: unknown) => renameRefs(v, rename, depth + 1)) as T;
  // fromEntries defines own properties: a hostile "__proto__" key stays a key and never becomes the prototype.
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renameRefs(v, rename, depth + 1)])) as T;
}

/** Every node id any string in `value` refers to (bounded like renameRefs). */
export function refsInValue(value: unknown, depth = 0, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(...nodeRefsIn(value));
  else if (value !== null && typeof value === 'object' && depth < REF_DEPTH)
    for (const v of Object.values(value)) refsInValue(v, depth + 1, out);
  return out;
}
