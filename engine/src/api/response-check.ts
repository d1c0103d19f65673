import type { z } from 'zod';
import { joinPath } from './problem.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * How a body a route sent differs from the schema it declares: zod's complaints, fields the schema
 * does not know (zod would drop them, so a client's types would not show them) and fields the
 * schema fills with a default (the types promise them, the server does not send them). Empty: it fits.
 */
export function responseDrift(schema: z.ZodType, body: unknown): string[] {
  // What the client receives: dates as strings, undefined fields gone.
  const sent: unknown = body === undefined ? undefined : JSON.parse(JSON.stringify(body));
  const parsed = schema.safeParse(sent);
  if (!parsed.success) return parsed.error.issues.map((i) => `${joinPath(i.path) || '(body)'}: ${i.message}`);
  return differences(sent, parsed.data, []);
}

function differences(sent: unknown, parsed: unknown, path: PropertyKey[]): string[] {
  if (Array.isArray(sent) && Array.isArray(parsed)) return sent.flatMap((v, i) => differences(v, parsed[i], [...path, i]));
  if (!isObject(sent) || !isObject(parsed)) return [];
  const unknown = Object.keys(sent)
    .filter((k) => !(k in parsed))
    .map((k) => `${joinPath([...path, k])}: sent, but not in the schema`);
  const filled = Object.keys(parsed)
    .filter((k) => !(k in sent) && parsed[k] !== undefined)
    .map((k) => `${joinPath([...path, k])}: not sent, but the schema fills it in`);
  const nested = Object.keys(sent)
    .filter((k) => k in parsed)
    .flatMap((k) => differences(sent[k], parsed[k], [...path, k]));
  return [...unknown, ...filled, ...nested];
}
