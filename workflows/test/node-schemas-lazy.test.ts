import { describe, expect, it, vi } from 'vitest';

// Counts what the node types' modules ask of zod, so loading them for a run can be held to asking nothing: a frozen
// version's run never reads a config schema, and the worker evaluates these modules afresh for every run.
const zodReads = vi.hoisted(() => ({ names: [] as string[] }));
vi.mock('zod', async (importOriginal) => {
  const real = await importOriginal<typeof import('zod')>();
  const z = new Proxy(real.z, {
    get(target, property, receiver) {
      zodReads.names.push(String(property));
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  return { ...real, z };
});

describe("a node type's config schema", () => {
  it('is not built when a run loads the type, only when the validator or the editor first reads it', async () => {
    const { LOADABLE_NODE_TYPES, loadNodeTypes } = await import('../src/nodes/load.ts');
    const lookup = await loadNodeTypes(LOADABLE_NODE_TYPES);
    expect(zodReads.names).toEqual([]);

    for (const type of LOADABLE_NODE_TYPES) {
      const def = lookup(type)!;
      expect(def.configSchema.safeParse(def.editor.defaultConfig).success, type).toBe(true);
      // Built once and kept: the validator and the catalogue see the same schema.
      expect(def.configSchema, type).toBe(def.configSchema);
    }
    expect(zodReads.names.length).toBeGreaterThan(0);
  });
});
