import { checkExpression, evaluateExpression } from './expressions.ts';
import type { JsonValue } from './json.ts';

/**
 * Templated values: any string may hold `{{ cel }}` placeholders. A string that is exactly
 * one placeholder keeps the expression's type (so `"{{ input.count }}"` stays a number);
 * otherwise results are interpolated as text.
 */
const PLACEHOLDER = /\{\{([\s\S]*?)\}\}/g;
const WHOLE = /^\{\{([\s\S]*?)\}\}$/;

export interface TemplateExpression {
  path: (string | number)[];
  source: string;
}

export function templateExpressions(value: unknown, path: (string | number)[] = []): TemplateExpression[] {
  if (typeof value === 'string') {
    return [...value.matchAll(PLACEHOLDER)].map((m) => ({ path, source: (m[1] ?? '').trim() }));
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => templateExpressions(v, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => templateExpressions(v, [...path, k]));
  }
  return [];
}

export function checkTemplate(value: unknown): { path: (string | number)[]; error: string }[] {
  const unclosed = findUnclosed(value);
  const errors = templateExpressions(value)
    .map((t) => ({ path: t.path, check: checkExpression(t.source) }))
    .filter((r) => !r.check.ok)
    .map((r) => ({ path: r.path, error: r.check.error ?? 'invalid expression' }));
  return [...unclosed, ...errors];
}

function findUnclosed(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; error: string }[] {
  if (typeof value === 'string') {
    const stripped = value.replace(PLACEHOLDER, '');
    return stripped.includes('{{') ? [{ path, error: 'A "{{" placeholder is not closed with "}}"' }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => findUnclosed(v, [...path, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => findUnclosed(v, [...path, k]));
  return [];
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
