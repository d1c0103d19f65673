import { z } from 'zod';
import { instantSchema, roleSchema, type Locale } from '@flightdeck/workflows';
import { timestamp, type Assert, type SameShape } from './common.ts';
import { schemaMessage } from '@flightdeck/workflows';

/**
 * What an API token may do, on top of its owner's roles. A session (the editor) is not limited by
 * scopes; a token is, and some routes (minting and listing tokens) take no token at all.
 */
export const TOKEN_SCOPES = ['read', 'write', 'ingest'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
export const DEFAULT_TOKEN_SCOPES: readonly TokenScope[] = ['read', 'write'];
export const DEFAULT_TOKEN_DAYS = 90;
export const MAX_TOKEN_DAYS = 365;

const localeSchema = z.enum(['en', 'zh-CN']);
type _EveryLocale = Assert<SameShape<z.output<typeof localeSchema>, Locale>>;

export const loginBody = z.strictObject({
  email: z.email({ message: schemaMessage('not_email') }).max(200),
  password: z.string().min(1).max(200),
});
export const userBody = z.strictObject({
  email: z.email({ message: schemaMessage('not_email') }).max(200),
  name: z.string().trim().min(1).max(200),
  password: z
    .string()
    .min(10, schemaMessage('password_short', { min: 10 }))
    .max(200),
  departmentId: z.uuid().nullable().optional(),
  locale: localeSchema.optional(),
  phone: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, schemaMessage('phone_e164'))
    .optional(),
});
export const grantBody = z.strictObject({
  role: roleSchema(),
  departmentId: z.uuid().nullable().default(null).meta({ description: 'null: in every department' }),
  expiresAt: instantSchema().nullable().optional().meta({ description: 'A temporary grant ends here' }),
});
export const preferencesBody = z.strictObject({ locale: localeSchema });
export const tokenBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z
    .array(z.enum(TOKEN_SCOPES))
    .min(1)
    .max(TOKEN_SCOPES.length)
    .refine((a) => new Set(a).size === a.length, schemaMessage('scope_once'))
    .optional()
    .meta({ description: `What the token may do on top of your roles; default ${DEFAULT_TOKEN_SCOPES.join(', ')}` }),
  expiresAt: instantSchema()
    .optional()
    .meta({ description: `Default ${DEFAULT_TOKEN_DAYS} days from now, at most ${MAX_TOKEN_DAYS}` }),
});
export const tokenListQuery = z.strictObject({ userId: z.uuid().optional() });
export const departmentBody = z.strictObject({ name: z.string().trim().min(1).max(100), headUserId: z.uuid().nullable().optional() });
export const auditQuery = z.strictObject({
  entityType: z.string().max(32).optional(),
  entityId: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const userSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    locale: localeSchema,
    phone: z.string().nullable().meta({ description: 'Masked (+861****0000): listings never show the whole number' }),
    departmentId: z.uuid().nullable(),
    active: z.boolean(),
    grants: z.array(
      z.object({
        role: roleSchema(),
        departmentId: z.uuid().nullable().meta({ description: 'null: in every department' }),
        expiresAt: timestamp.nullable(),
      }),
    ),
  })
  .meta({ id: 'User' });

/** Who is signed in, and the CSRF token state-changing calls carry (null when the caller is an API token). */
export const sessionSchema = z.object({ user: userSchema, csrfToken: z.string().nullable() }).meta({ id: 'Session' });

export const grantSchema = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  role: roleSchema(),
  departmentId: z.uuid().nullable(),
  expiresAt: timestamp.nullable(),
});

export const departmentSchema = z.object({ id: z.uuid(), name: z.string(), headUserId: z.uuid().nullable() }).meta({ id: 'Department' });

/** A token as its owner (or an administrator) sees it: never the secret. */
export const apiTokenSchema = z
  .object({
    id: z.uuid(),
    userId: z.uuid(),
    name: z.string(),
    scopes: z.array(z.enum(TOKEN_SCOPES)),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    expiresAt: timestamp.nullable(),
  })
  .meta({ id: 'ApiToken' });

export const createdTokenSchema = apiTokenSchema.extend({ token: z.string().meta({ description: 'The secret, shown this once' }) });

export const auditEntrySchema = z
  .object({
    id: z.number().int(),
    at: timestamp,
    actorId: z.uuid().nullable(),
    actor: z.string(),
    action: z.string(),
    entityType: z.string(),
    entityId: z.string(),
    departmentId: z.uuid().nullable(),
    before: z.json(),
    after: z.json(),
    seq: z.number().int(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry' });
