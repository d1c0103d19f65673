/**
 * Just enough JSON Schema (as zod's toJSONSchema emits it) to build forms. Anything the form
 * cannot express as a simple control falls back to a JSON text area, so new node types with
 * richer configs are still editable the day they land in the catalogue.
 */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  widget?: string;
  /** For widget "connection": the connection kinds the field accepts (default: the message channels). */
  connectionKinds?: string[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  title?: string;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  additionalProperties?: boolean | JsonSchema;
}

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'object' | 'json' | 'const' | 'array' | 'union';

/** The kinds an array's items may have for the list editor; anything else is edited as JSON. */
const LIST_ITEM_KINDS: readonly FieldKind[] = ['string', 'number', 'integer', 'enum', 'boolean', 'object', 'union'];

export interface Discriminated {
  /** The property whose constant tells the variants apart ("kind"). */
  key: string;
  variants: { value: string; schema: JsonSchema }[];
}

/**
 * A union every variant of which is an object with one common property set to a different
 * constant: zod's discriminatedUnion as JSON Schema. Anything looser is not recognised.
 */
export function discriminatorOf(schema: JsonSchema, root: JsonSchema): Discriminated | undefined {
  const raw = schema.oneOf ?? schema.anyOf;
  if (!raw || raw.length < 2) return undefined;
  const variants = raw.map((v) => resolve(v, root));
  if (!variants.every((v) => v.properties && primaryType(v) === 'object')) return undefined;
  const first = variants[0]!;
  for (const key of Object.keys(first.properties!)) {
    const values = variants.map((v) => {
      const p = v.properties?.[key];
      const c = p ? resolve(p, root) : undefined;
      return typeof c?.const === 'string'
        ? c.const
        : Array.isArray(c?.enum) && c.enum.length === 1 && typeof c.enum[0] === 'string'
          ? c.enum[0]
          : undefined;
    });
    if (values.every((x): x is string => x !== undefined) && new Set(values).size === values.length) {
      return { key, variants: variants.map((schema, i) => ({ value: values[i]!, schema })) };
    }
  }
  return undefined;
}

/** A first value for a new list item or a newly chosen union variant, before the user types anything. */
export function emptyValue(schema: JsonSchema, root: JsonSchema): unknown {
  const s = resolve(schema, root);
  if (s.default !== undefined) return structuredClone(s.default);
  const kind = fieldKind(s, root);
  switch (kind) {
    case 'union': {
      const d = discriminatorOf(s, root)!;
      const v = d.variants[0]!;
      return applyDefaults(v.schema, { [d.key]: v.value }, root);
    }
    case 'object':
      return applyDefaults(s, {}, root) ?? {};
    case 'enum':
      return s.enum?.[0];
    case 'const':
      return s.const;
    case 'boolean':
      return false;
    case 'number':
    case 'integer':
      return s.minimum ?? 0;
    case 'array':
      return [];
    case 'string':
      return '';
    default:
      return null;
  }
}

/** Inlines a local $ref, keeping the referring schema's own keywords (default, widget) on top. */
export function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  let current = schema;
  for (let depth = 0; current.$ref && depth < 16; depth++) {
    const m = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(current.$ref);
    const target = m
      ? (root.$defs ?? (root as { definitions?: Record<string, JsonSchema> }).definitions)?.[decodeURIComponent(m[1]!)]
      : undefined;
    const { $ref: _ref, ...own } = current;
    current = target ? { ...target, ...own } : own;
  }
  return nonNullVariant(current);
}

/** `X | null` and `X | undefined` unions show as X; the validator still has the last word. */
function nonNullVariant(schema: JsonSchema): JsonSchema {
  const variants = schema.anyOf ?? schema.oneOf;
  if (!variants) return schema;
  const rest = variants.filter((v) => v.type !== 'null');
  if (rest.length === 1 && variants.length === 2) {
    const { anyOf: _a, oneOf: _o, ...own } = schema;
    return { ...rest[0], ...own };
  }
  return schema;
}

function primaryType(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null');
  return schema.type;
}

/** How a schema is edited. `root` resolves $refs inside unions and array items; without it they fall back to JSON. */
export function fieldKind(schema: JsonSchema, root?: JsonSchema): FieldKind {
  if (schema.widget === 'json' || schema.widget === 'json-template') return 'json';
  if (schema.const !== undefined) return 'const';
  if (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === 'string' || typeof v === 'number')) return 'enum';
  if (schema.anyOf || schema.oneOf) return root && discriminatorOf(schema, root) ? 'union' : 'json';
  switch (primaryType(schema)) {
    case 'string':
      return 'string';
    case 'integer':
      return 'integer';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'object':
      return schema.properties && Object.keys(schema.properties).length ? 'object' : 'json';
    case 'array': {
      if (!root || !schema.items || Array.isArray(schema.items)) return 'json';
      return LIST_ITEM_KINDS.includes(fieldKind(resolve(schema.items, root), root)) ? 'array' : 'json';
    }
    default:
      return 'json';
  }
}

/** Fills schema defaults into a value, leaving everything the user wrote alone. */
export function applyDefaults(schema: JsonSchema, value: unknown, root: JsonSchema): unknown {
  const s = resolve(schema, root);
  let v = value === undefined && s.default !== undefined ? structuredClone(s.default) : value;
  if (fieldKind(s) === 'object' && s.properties) {
    if (v === undefined) {
      // Only build an absent object when it is required; optional groups stay absent.
      return undefined;
    }
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      for (const [key, child] of Object.entries(s.properties)) {
        const filled = applyDefaults(child, out[key], root);
        if (filled !== undefined) out[key] = filled;
      }
      v = out;
    }
  }
  return v;
}

export function isRequired(parent: JsonSchema, key: string): boolean {
  return parent.required?.includes(key) ?? false;
}

/** Turns a camelCase key into words, for fields the catalogue gives no label. */
export function humanize(key: string): string {
  const words = key
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
