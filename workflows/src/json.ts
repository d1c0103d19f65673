import { z } from 'zod';
import { lazily } from './lazy.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Keys that would reach Object.prototype through a naive merge or path write. */
export const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export const MAX_JSON_DEPTH = 32;

export interface JsonProblem {
  path: (string | number)[];
  message: string;
}

/** Finds hostile or absurd shapes in untrusted JSON before anything else touches it. */
export function findJsonProblems(value: unknown, path: (string | number)[] = [], depth = 0): JsonProblem[] {
  if (depth > MAX_JSON_DEPTH) return [{ path, message: `Nested deeper than ${MAX_JSON_DEPTH} levels` }];
  if (Array.isArray(value)) return value.flatMap((v, i) => findJsonProblems(v, [...path, i], depth + 1));
  if (value !== null && typeof value === 'object') {
    const problems: JsonProblem[] = [];
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) problems.push({ path: [...path, key], message: `The key "${key}" is not allowed` });
      else problems.push(...findJsonProblems((value as Record<string, unknown>)[key], [...path, key], depth + 1));
    }
    return problems;
  }
  return [];
}

/** Any JSON value, refusing prototype keys and excessive nesting. */
export const safeJsonSchema = lazily(
  (): z.ZodType<JsonValue> =>
    z.json().superRefine((value, ctx) => {
      for (const p of findJsonProblems(value)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
    }) as z.ZodType<JsonValue>,
);
