import { nodeTypes } from '../catalogue.ts';
import { nodeIconShapes, type IconShapes } from './nodeIcons.ts';

/**
 * A canvas node's type as CSS: one rule per type that sets its colour and its icon (the type's lucide shapes as a mask),
 * so a node carries a class instead of an inline style and an SVG. An inline custom property gave each of a large flow's
 * nodes a style of its own to compute, and the SVG was five elements and some twenty attributes to create and lay out,
 * 500 times over. The palette and the inspector show few icons and keep the React component.
 */
export function typeClass(type: string): string {
  return `fd-type--${KNOWN.has(type) ? slug(type) : 'unknown'}`;
}

const UNKNOWN_COLOR = '#64748b';
const slug = (type: string) => type.replace(/[^a-z0-9]/gi, '-');
const KNOWN = new Set<string>();

const escapeAttribute = (v: string | number) => String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The SVG lucide-react would draw (its default attributes), black on transparent: only the mask's alpha counts. */
export function glyphSvg(shapes: IconShapes): string {
  const children = shapes
    .map(([tag, attrs]) => {
      const own = Object.entries(attrs).filter(([k]) => k !== 'key');
      return `<${tag} ${own.map(([k, v]) => `${k}="${escapeAttribute(v)}"`).join(' ')}/>`;
    })
    .join('');
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24" fill="none" stroke="#000" ' +
    `stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${children}</svg>`
  );
}

/** The rules, one per type: its colour from the catalogue, its icon from nodeIcons.ts. */
export function typeStyles(): string {
  const colors = new Map(nodeTypes().map((d) => [d.type, d.editor.color]));
  return nodeIconShapes()
    .map(({ type, shapes }) => {
      if (type) KNOWN.add(type);
      // A colour is the catalogue's own constant; keep anything else out of the stylesheet.
      const color = (type && colors.get(type)) || UNKNOWN_COLOR;
      const safeColor = /^#[0-9a-f]{3,8}$/i.test(color) ? color : UNKNOWN_COLOR;
      const url = `url("data:image/svg+xml,${encodeURIComponent(glyphSvg(shapes))}")`;
      return `.fd-type--${type ? slug(type) : 'unknown'}{--node-color:${safeColor};--fd-glyph:${url}}`;
    })
    .join('\n');
}

const rules = typeStyles();
if (typeof document !== 'undefined' && 'adoptedStyleSheets' in document) {
  // Through the CSSOM: the editor's CSP allows no inline <style>, and a constructed sheet is not one.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(rules);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}
