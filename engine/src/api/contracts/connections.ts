import { z } from 'zod';
import { CHANNEL_KINDS } from '@flightdeck/activities/catalogue';
import { timestamp } from './common.ts';

/** A setting is plain text, a number or a switch; secrets are separate and never come back. */
const settingsSchema = z.record(z.string(), z.union([z.string().max(500), z.number(), z.boolean()]));

export const connectionBody = z.strictObject({
  kind: z.enum(CHANNEL_KINDS),
  name: z.string().trim().min(1).max(200),
  departmentId: z.uuid().nullable().optional(),
  settings: settingsSchema.default({}),
  secrets: z.record(z.string(), z.string().max(2000)),
});

/** A change: a new name, the settings as a whole, and secrets to replace (fields left out keep their value). */
export const connectionPatch = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  settings: settingsSchema.optional(),
  secrets: z.record(z.string(), z.string().min(1).max(2000)).optional(),
});

export const connectionTestBody = z.strictObject({
  text: z.string().trim().min(1).max(500).default('Test message from Flightdeck 测试消息'),
});
export const connectionPauseBody = z.strictObject({ reason: z.string().trim().max(500).optional() });

/** A channel connection; the API says which secrets are set, never what they are. */
export const connectionSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(CHANNEL_KINDS),
    name: z.string(),
    departmentId: z.uuid().nullable(),
    settings: settingsSchema,
    secretFields: z.array(z.string()).meta({ description: 'Which secrets are set' }),
    paused: z.boolean().meta({ description: 'Every run holds its messages for this connection until it is resumed' }),
    pausedAt: timestamp.nullable(),
    pausedReason: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Connection' });

export const connectionResumedSchema = connectionSchema.extend({
  resumedRuns: z.number().int().meta({ description: 'Runs holding messages for it that were told' }),
});

/** What the provider said to a test message. */
export const connectionTestResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), status: z.number().int(), providerMessageId: z.string().optional() }),
  z.object({ ok: z.literal(false), status: z.number().int().optional(), error: z.string(), retryable: z.boolean().optional() }),
]);
