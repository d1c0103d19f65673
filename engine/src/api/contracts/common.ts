import { z } from 'zod';
import { schemaMessage } from '@flightdeck/workflows';

/** Pieces every area's contract uses: path ids, times, problems and lists. */
export const uuidParam = z.strictObject({ id: z.uuid({ message: schemaMessage('must_be_uuid') }) });

/** A time the server wrote (ISO 8601; the server's own are UTC, a person's keep their offset). */
export const timestamp = z.iso.datetime({ offset: true });

/** One problem with a field; `path` is dotted ("graph.nodes.2.config.url") so a client can point at the field. */
export const fieldErrorSchema = z.object({
  path: z.string(),
  message: z.string(),
  zh: z.string().optional().meta({ description: 'The same problem in Chinese, where its words are known' }),
  params: z
    .record(z.string(), z.union([z.string(), z.number()]))
    .optional()
    .meta({ description: "What the message is made of: the problem's key and its values" }),
  code: z.string().optional(),
  nodeId: z.string().optional(),
  edgeId: z.string().optional(),
});

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional().meta({ description: "In the caller's language: the account's, else Accept-Language's, else English" }),
    code: z.string().optional().meta({ description: "The problem's stable key (its words' entry), the same in every language" }),
    params: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .optional()
      .meta({ description: 'The values its detail is made of' }),
    errors: z.array(fieldErrorSchema).optional(),
  })
  .meta({ id: 'Problem' });

/** A list page's `cursor` query parameter: the previous page's nextCursor, base64url, bounded. */
export const cursorParam = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, schemaMessage('not_a_cursor'))
  .optional()
  .meta({ description: "The previous page's nextCursor" });

export const list = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

/** Compile-time only: a schema's output and a type defined elsewhere (the flow language's) are the same shape. */
export type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type Assert<T extends true> = T;
