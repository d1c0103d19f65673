import { Environment } from '@marcbachmann/cel-js';

/**
 * CEL is the one expression language of a flow: conditions, templated fields and, later,
 * monitor rules. It is side-effect free and deterministic, so it runs inside the Temporal
 * workflow sandbox and in the browser alike.
 */
const env = new Environment({
  unlistedVariablesAreDyn: true,
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
  limits: { maxAstNodes: 2000, maxDepth: 64, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 16 },
});

export const MAX_EXPRESSION_LENGTH = 4000;

export interface ExpressionCheck {
  ok: boolean;
  error?: string;
}

type Compiled = ReturnType<typeof env.parse>;
const cache = new Map<string, Compiled>();

function compile(source: string): Compiled {
  let compiled = cache.get(source);
  if (!compiled) {
    compiled = env.parse(source);
    if (cache.size > 500) cache.clear();
    cache.set(source, compiled);
  }
  return compiled;
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]?.trim() || 'invalid expression';
}

/** Parses and type-checks; unknown functions and syntax errors are reported here, before a run. */
export function checkExpression(source: string): ExpressionCheck {
  if (source.length > MAX_EXPRESSION_LENGTH) return { ok: false, error: `Longer than ${MAX_EXPRESSION_LENGTH} characters` };
  if (!source.trim()) return { ok: false, error: 'Expression is empty' };
  try {
    const compiled = compile(source);
    const checked = compiled.check() as { valid: boolean; error?: { message?: string } };
    if (!checked.valid) return { ok: false, error: firstLine(checked.error?.message ?? 'type check failed') };
    return { ok: true };
  } catch (err) {
    return { ok: false, error: firstLine(err) };
  }
}

export class ExpressionError extends Error {
  constructor(
    readonly expression: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

/** JSON integers become CEL ints (so `input.count + 1` works); everything else passes through. */
function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toCel(v);
    return out;
  }
  return value;
}

/** CEL results back into JSON: ints to numbers, maps to plain objects. */
export function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), fromCel(v)]));
  if (value instanceof Uint8Array) return Array.from(value);
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromCel(v);
    return out;
  }
  return value;
}

export function evaluateExpression(source: string, scope: Record<string, unknown>): unknown {
  try {
    return fromCel(compile(source)(toCel(scope) as Record<string, unknown>));
  } catch (err) {
    throw new ExpressionError(source, `Expression "${source}" failed: ${firstLine(err)}`);
  }
}
