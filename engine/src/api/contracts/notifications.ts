import { z } from 'zod';
import { timestamp } from './common.ts';

export const notificationListQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) });
export const markReadBody = z.union([z.strictObject({ ids: z.array(z.uuid()).min(1).max(100) }), z.strictObject({ all: z.literal(true) })]);

/** One notification under the bell. */
export const notificationSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    body: z.string(),
    link: z.string().nullable().meta({ description: 'An app path such as /runs/<id>' }),
    runId: z.string().nullable().meta({ description: 'The workflow id of the run that sent it' }),
    createdAt: timestamp,
    readAt: timestamp.nullable(),
  })
  .meta({ id: 'Notification' });

export const notificationListSchema = z.object({ items: z.array(notificationSchema), unread: z.number().int() });
export const unreadSchema = z.object({ unread: z.number().int() });
