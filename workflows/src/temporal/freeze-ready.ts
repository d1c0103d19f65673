/**
 * The SDK deep-freezes what shared (preloaded) modules export, reading every own property on the way, getters
 * included. A zod schema does not survive that: zod binds its methods and wraps its parse on first use, storing them
 * on the schema ("Cannot define property safeParse, object is not extensible"), so the first run to parse with it
 * would fail its workflow task, and retry it for ever. Our modules therefore export schemas only behind functions
 * (`lazily`, or a getter on a prototype, as `defineNode` does), which the freeze does not enter; a schema built in a
 * run is kept in the function's closure, unfrozen.
 *
 * A regular expression does not either: matching with one writes its `lastIndex` (zod's `.regex()` checks reset it
 * before every test), which a frozen one refuses.
 *
 * This walks what the freeze will walk (own properties of objects, not of functions, stopping at frozen objects) and
 * names every zod schema and regular expression it can reach. The preload throws if there is one, so a worker with such a module fails when
 * it starts, not in a run; a unit test runs the same walk over every module.
 */
export function unfreezableExports(roots: Readonly<Record<string, unknown>>, limit = 20): string[] {
  const found: string[] = [];
  const seen = new WeakSet<object>();
  const stack: [unknown, string][] = Object.entries(roots).map(([name, value]) => [value, name]);
  while (stack.length > 0 && found.length < limit) {
    const [value, path] = stack.pop()!;
    if (value === null || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    if (Object.isFrozen(value)) continue;
    if (isZodSchema(value) || value instanceof RegExp) {
      found.push(path);
      continue;
    }
    for (const key of Reflect.ownKeys(value)) {
      try {
        stack.push([(value as Record<string | symbol, unknown>)[key], `${path}.${String(key)}`]);
      } catch {
        // The freeze skips what it cannot read too.
      }
    }
  }
  return found;
}

function isZodSchema(value: object): boolean {
  const internals = (value as { _zod?: unknown })._zod;
  return internals !== null && typeof internals === 'object' && 'def' in internals;
}
