import { checkExpression, evaluateExpression } from './expressions.ts';
import type { JsonValue } from './json.ts';

/**
 * Templated values: any string may hold `{{ cel }}` placeholders. A string that is exactly
 * one placeholder keeps the expression's type (so `"{{ input.count }}"` stays a number);
 * otherwise results are interpolated as text.
 */
const PLACEHOLDER = /\{\{([\s\S]*?)\}\}/g;
const WHOLE = /^\{\{([\s\S]*?)\}\}$/;

const UNCLOSED = 'A "{{" placeholder is not closed with "}}"';

export interface TemplateExpression {
  path: (string | number)[];
  source: string;
  /** Set when the text has a "{{" that is never closed: there is no expression to check, only this error. */
  error?: string;
}

export function templateExpressions(value: unknown, path: (string | number)[] = []): TemplateExpression[] {
  if (typeof value === 'string') {
    const found: TemplateExpression[] = [...value.matchAll(PLACEHOLDER)].map((m) => ({ path, source: (m[1] ?? '').trim() }));
    const rest = value.replace(PLACEHOLDER, '');
    const open = rest.indexOf('{{');
    if (open >= 0) found.push({ path, source: rest.slice(open, open + 60), error: UNCLOSED });
    return found;
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => templateExpressions(v, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => templateExpressions(v, [...path, k]));
  }
  return [];
}

export function checkTemplate(value: unknown): { path: (string | number)[]; error: string }[] {
  return templateExpressions(value)
    .map((t) => ({ path: t.path, check: t.error ? { ok: false, error: t.error } : checkExpression(t.source) }))
    .filter((r) => !r.check.ok)
    .map((r) => ({ path: r.path, error: r.check.error ?? 'invalid expression' }));
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function renderTemplate(value: JsonValue, scope: Record<string, unknown>): JsonValue {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole && !(whole[1] ?? '').includes('}}')) return evaluateExpression((whole[1] ?? '').trim(), scope) as JsonValue;
    return value.replace(PLACEHOLDER, (_, src: string) => asText(evaluateExpression(src.trim(), scope)));
  }
  if (Array.isArray(value)) return value.map((v) => renderTemplate(v, scope));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderTemplate(v, scope);
    return out;
  }
  return value;
}

export function renderText(value: string, scope: Record<string, unknown>): string {
  return asText(renderTemplate(value, scope));
}
