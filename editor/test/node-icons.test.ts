import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nodeTypes } from '../src/catalogue.ts';
import { NODE_ICONS, UNKNOWN_NODE_ICON, nodeIcon, nodeIconShapes } from '../src/flow/nodeIcons.ts';
import { glyphSvg, typeClass, typeStyles } from '../src/flow/canvasGlyphs.ts';

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

describe('the canvas type styles', () => {
  const types = nodeTypes().map((d) => d.type);
  const rules = typeStyles();

  it('give every catalogue type a rule with its colour and its icon, and unknown types one of their own', () => {
    for (const d of nodeTypes()) {
      const cls = typeClass(d.type);
      const rule = rules.split('\n').find((r) => r.startsWith(`.${cls}{`));
      expect(rule, d.type).toBeDefined();
      expect(rule).toContain(`--node-color:${d.editor.color}`);
      expect(rule).toMatch(/--fd-glyph:url\("data:image\/svg\+xml,[^"]+"\)/);
    }
    expect(new Set(types.map(typeClass)).size).toBe(types.length);
    expect(rules).toContain('.fd-type--unknown{');
  });

  it('draw each icon as the lucide shapes it names, and no markup from elsewhere', () => {
    for (const { shapes } of nodeIconShapes()) {
      const svg = glyphSvg(shapes);
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.match(/<(\w+) /g)!.length).toBe(shapes.length + 1);
      expect(svg).not.toContain('key=');
    }
  });

  it('class anything the catalogue does not know as unknown, so no type name reaches a selector', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }).filter((t) => !types.includes(t)),
        (t) => typeClass(t) === 'fd-type--unknown',
      ),
    );
  });
});
