import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nodeTypes } from '../src/catalogue.ts';
import { NODE_ICONS, UNKNOWN_NODE_ICON, nodeIcon } from '../src/flow/nodeIcons.ts';

describe('node icons', () => {
  const types = nodeTypes().map((d) => d.type);

  it('gives every catalogue node type an icon of its own', () => {
    const missing = types.filter((t) => !Object.hasOwn(NODE_ICONS, t));
    expect(missing).toEqual([]);
    for (const t of types) expect(nodeIcon(t)).not.toBe(UNKNOWN_NODE_ICON);
  });

  it('names no node type the catalogue lacks, so a renamed type cannot keep a stale entry', () => {
    expect(Object.keys(NODE_ICONS).filter((t) => !types.includes(t))).toEqual([]);
  });

  it('tells types apart where the palette shows them side by side: no two types share an icon', () => {
    const icons = types.map((t) => nodeIcon(t));
    expect(new Set(icons).size).toBe(icons.length);
  });

  it('draws the unknown-type icon for anything else, prototype keys included', () => {
    for (const t of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '', 'trigger.manual ']) {
      expect(nodeIcon(t)).toBe(UNKNOWN_NODE_ICON);
    }
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }).filter((t) => !types.includes(t)),
        (t) => nodeIcon(t) === UNKNOWN_NODE_ICON,
      ),
    );
  });
});
