import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import { scrubDatabaseError } from './services/db-errors.ts';

export type { Logger };

/**
 * Logs never hold secrets. Three layers, because a secret can arrive as a field, inside an error
 * or in free text: named fields are redacted, database errors lose their SQL parameters (drizzle
 * puts them into the message) and every string is scrubbed of things that look like secrets.
 */
export const REDACTED = '[redacted]';

const SECRET_KEYS = [
  'password',
  'passwordHash',
  'password_hash',
  'token',
  'tokenHash',
  'sessionToken',
  'csrfToken',
  'secret',
  'secrets',
  'secretSealed',
  'secret_sealed',
  'authToken',
  'accountSid',
  'smtpUrl',
  'authorization',
  'cookie',
  'params',
  'phone',
];

/** pino paths: the keys at the top and up to three levels down, and request headers wherever they are. */
export const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]),
  'req.headers["set-cookie"]',
  'res.headers["set-cookie"]',
  '*.headers["x-csrf-token"]',
  '*.headers["webhook-signature"]',
];

const PATTERNS: [RegExp, string | ((m: string) => string)][] = [
  // bcrypt hashes
  [/\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}/g, REDACTED],
  // sealed secrets (auth/encryption.ts): v1:<iv>:<tag>:<ciphertext>
  [/v1:[A-Za-z0-9+/=]{8,}:[A-Za-z0-9+/=]{8,}:[A-Za-z0-9+/=]*/g, REDACTED],
  // API tokens, webhook signing secrets, bearer credentials
  [/fdk_[A-Za-z0-9_-]{8,}/g, 'fdk_' + REDACTED],
  [/whsec_[A-Za-z0-9+/=]{8,}/g, 'whsec_' + REDACTED],
  [/(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  // credentials in URLs (smtp://user:pass@host, https://user:pass@host)
  [/([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, `$1${REDACTED}@`],
  // Phone numbers keep only their first and last two digits: E.164 (+ and 7 to 15 digits, spaces or
  // dashes allowed) and bare Chinese mobile numbers. Times, counts and ports are not phone-shaped.
  [/\+\d[\d -]{5,18}\d/g, (m) => maskPhone(m)],
  [/(?<!\d)1[3-9]\d{9}(?!\d)/g, (m) => maskPhone(m)],
];

function maskPhone(m: string): string {
  const digits = m.replace(/\D/g, '');
  if (digits.length < 7) return m;
  return `${m.startsWith('+') ? '+' : ''}${digits.slice(0, 2)}****${digits.slice(-2)}`;
}

export function scrubText(s: string): string {
  let out = s;
  for (const [re, to] of PATTERNS) out = out.replace(re, to as string);
  return out;
}

const MAX_DEPTH = 8;

/** A copy of `value` with every string scrubbed and every secret-named key redacted. */
export function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '[deep]';
  if (value instanceof Error) return scrubValue(serializeError(value), depth + 1);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.includes(k) ? REDACTED : scrubValue(v, depth + 1);
  return out;
}

/** pino's err serializer, minus what a database error carries: SQL parameters, row values in `detail`. */
export function serializeError(err: unknown): Record<string, unknown> {
  const db = scrubDatabaseError(err);
  if (db) return { type: 'DatabaseError', message: db.message, code: (db as { code?: string }).code };
  if (!(err instanceof Error)) {
    return err && typeof err === 'object' ? (scrubValue(err) as Record<string, unknown>) : { message: scrubText(String(err)) };
  }
  const { params: _p, query: _q, detail: _d, ...rest } = stdSerializers.err(err) as unknown as Record<string, unknown>;
  if (err.cause !== undefined) rest.cause = serializeError(err.cause);
  return rest;
}

export function createLogger(level = process.env.LOG_LEVEL || 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { err: (e: unknown) => scrubValue(serializeError(e)) as Record<string, unknown> },
      formatters: { log: (obj) => scrubValue(obj) as Record<string, unknown> },
      hooks: {
        // The message text too: "failed for +8613800000000" must not print the number.
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
