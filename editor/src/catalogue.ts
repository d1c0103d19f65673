import {
  describeNodeTypes,
  getNodeType,
  handlesReadConfig,
  type Locale,
  type NodeText,
  type NodeTypeDescription,
} from '@flightdeck/workflows';
import { applyDefaults, type JsonSchema } from './editor/schema.ts';

/**
 * The node catalogue as the editor sees it. Imported rather than fetched so the palette and
 * forms work offline and always match the validator bundled with them; nothing in the editor
 * names a node type except through this module.
 */
const DESCRIPTIONS: readonly NodeTypeDescription[] = describeNodeTypes();
const BY_TYPE = new Map(DESCRIPTIONS.map((d) => [d.type, d]));

export function nodeTypes(): readonly NodeTypeDescription[] {
  return DESCRIPTIONS;
}

export function nodeType(type: string): NodeTypeDescription | undefined {
  return BY_TYPE.get(type);
}

/** Families in first-appearance order, so the catalogue decides the palette order. */
export function families(): string[] {
  return [...new Set(DESCRIPTIONS.map((d) => d.family))];
}

export function nodeText(type: string, locale: Locale): NodeText | undefined {
  const d = BY_TYPE.get(type);
  return d ? (d.text[locale] ?? d.text.en) : undefined;
}

export function nodeTitle(type: string, locale: Locale): string {
  return nodeText(type, locale)?.title ?? type;
}

export function handleLabel(type: string, handle: string, locale: Locale): string {
  // Handles named by the user (a split's branches) are shown as written; a translation could only clash with them.
  if (BY_TYPE.get(type)?.editor.dynamicHandles) return handle;
  return nodeText(type, locale)?.handles?.[handle] ?? BY_TYPE.get(type)?.text.en.handles?.[handle] ?? handle;
}

/**
 * Output handles for a node's current config: some types (switch cases, monitor rules) derive
 * them from the config. A config that does not parse yet keeps the catalogue's default handles.
 * Remembered per config object (an edit makes a new one, nothing mutates one), so every node on the canvas and
 * every edge that leaves it share one parse, and a node keeps the same array from render to render.
 */
export function handlesFor(type: string, config: Record<string, unknown>): readonly string[] {
  const known = HANDLES.get(config);
  if (known?.type === type) return known.handles;
  const handles = computeHandles(type, config);
  HANDLES.set(config, { type, handles });
  return handles;
}

const HANDLES = new WeakMap<object, { type: string; handles: readonly string[] }>();

function computeHandles(type: string, config: Record<string, unknown>): readonly string[] {
  const def = getNodeType(type);
  if (def && !handlesReadConfig(def)) return BY_TYPE.get(type)?.handles ?? [];
  if (def) {
    const parsed = def.configSchema.safeParse(config);
    if (parsed.success) {
      try {
        return def.handles(parsed.data);
      } catch {
        // A handles() that throws on an odd config must not take the canvas down.
      }
    }
  }
  return BY_TYPE.get(type)?.handles ?? [];
}

/** A fresh config for a new node: the type's editor defaults, completed with the schema's defaults. */
export function initialConfig(type: string): Record<string, unknown> {
  const d = BY_TYPE.get(type);
  if (!d) return {};
  const base = structuredClone((d.editor.defaultConfig ?? {}) as Record<string, unknown>);
  const schema = d.configSchema as JsonSchema;
  const filled = applyDefaults(schema, base, schema);
  return filled && typeof filled === 'object' && !Array.isArray(filled) ? (filled as Record<string, unknown>) : base;
}

export function isTriggerType(type: string): boolean {
  return BY_TYPE.get(type)?.family === 'trigger';
}

export function hasInput(type: string): boolean {
  return BY_TYPE.get(type)?.hasInput ?? true;
}
