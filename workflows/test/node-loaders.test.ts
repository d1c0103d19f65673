import { describe, expect, it } from 'vitest';
import { NODE_TYPES } from '../src/nodes/index.ts';
import { LOADABLE_NODE_TYPES, loadNodeTypes } from '../src/nodes/load.ts';

describe('the node types a workflow run loads on demand', () => {
  it('are exactly the catalogue, each loader giving the definition of its own type', async () => {
    expect([...LOADABLE_NODE_TYPES].sort()).toEqual(NODE_TYPES.map((d) => d.type).sort());
    const lookup = await loadNodeTypes(LOADABLE_NODE_TYPES);
    for (const def of NODE_TYPES) expect(lookup(def.type)).toBe(def);
  });

  it('loads only what is asked for, and leaves unknown and inherited names out', async () => {
    const lookup = await loadNodeTypes(['control.end', 'no.such', '__proto__', 'constructor', 'toString']);
    expect(lookup('control.end')?.type).toBe('control.end');
    for (const name of ['no.such', '__proto__', 'constructor', 'toString', 'control.delay']) expect(lookup(name)).toBeUndefined();
  });
});
