/**
 * A value built on first use and kept. Zod schemas are built this way where a workflow run may load their module:
 * the worker evaluates those modules afresh for every run, and a frozen version's run never parses a config, so a
 * schema built at module load was pure cost (0.7 ms for `channel.webhook` alone). The validator, the editor and the
 * API build each once, when they first read it.
 */
export function lazily<T>(build: () => T): () => T {
  let built = false;
  let value: T;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value;
  };
}
