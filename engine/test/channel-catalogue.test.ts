// Each channel kind is defined once, in the catalogue (activities/src/channels/catalogue.ts); the
// adapters, the database enum, the connections service's schemas and the editor's forms all
// come from it. This test says so for the real list, and that a kind added to a catalogue
// shows up in every derivation.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CHANNEL_CATALOGUE,
  CHANNEL_KINDS,
  CHANNELS,
  fieldsOf,
  messageKinds,
  secretSchema,
  secretSchemas,
  settingsSchema,
  type ChannelKindDefinition,
  type ConnectionKind,
} from '@flightdeck/activities';
import { channelConnections } from '../src/db/schema.ts';
import { SECRET_SCHEMAS } from '../src/services/connections.ts';
import { connectionBody } from '../src/api/contracts/connections.ts';
import { KIND_FIELDS, MESSAGE_KINDS, kindForms } from '../../editor/src/connections/kinds.ts';
import { CONNECTION_KINDS } from '../../editor/src/api/types.ts';

const sorted = (xs: readonly string[]) => [...xs].sort();
const message = CHANNEL_KINDS.filter((k) => CHANNEL_CATALOGUE[k].message);

describe('the channel catalogue is the one list of kinds', () => {
  it('the database enum, the API body, the secret schemas, the editor and the adapters list exactly its kinds', () => {
    expect(Object.keys(CHANNEL_CATALOGUE)).toEqual([...CHANNEL_KINDS]);
    expect(channelConnections.kind.enumValues).toEqual([...CHANNEL_KINDS]);
    expect(connectionBody.shape.kind.options).toEqual([...CHANNEL_KINDS]);
    expect(Object.keys(SECRET_SCHEMAS)).toEqual([...CHANNEL_KINDS]);
    expect(CONNECTION_KINDS).toEqual([...CHANNEL_KINDS]);
    expect(Object.keys(KIND_FIELDS)).toEqual([...CHANNEL_KINDS]);
    expect([...MESSAGE_KINDS]).toEqual(message);
    expect(sorted(Object.keys(CHANNELS))).toEqual(sorted(message));
  });

  it.each(CHANNEL_KINDS)('%s: the editor asks for the secrets the server checks, and the adapter carries its label and limit', (kind) => {
    const def = CHANNEL_CATALOGUE[kind];
    const schema = SECRET_SCHEMAS[kind];
    expect(sorted(Object.keys(schema.shape))).toEqual(sorted(def.secrets.map((f) => f.name)));
    expect(KIND_FIELDS[kind].secrets.map((f) => [f.name, f.required])).toEqual(def.secrets.map((f) => [f.name, f.required]));
    expect(KIND_FIELDS[kind].settings.map((f) => f.name)).toEqual(def.settings.map((f) => f.name));
    expect(KIND_FIELDS[kind].icon).toBe(def.icon);
    for (const f of def.secrets) expect(schema.shape[f.name]!.safeParse(undefined).success).toBe(!f.required);
    const adapter = (CHANNELS as Partial<Record<ConnectionKind, (typeof CHANNELS)[keyof typeof CHANNELS]>>)[kind];
    if (def.message) {
      expect(adapter).toMatchObject({ kind, label: def.label });
      expect(adapter!.ratePerMinute).toBe(def.ratePerMinute);
    } else {
      expect(adapter).toBeUndefined();
    }
  });

  it('a kind added to a catalogue shows up in the secret schemas, the editor forms and the message kinds', () => {
    const pigeon: ChannelKindDefinition = {
      label: 'Carrier pigeon',
      icon: '🕊',
      message: true,
      ratePerMinute: 1,
      secrets: [{ name: 'loft', required: true, format: 'url', example: 'https://loft.example' }],
      settings: [{ name: 'ring', required: false, format: 'text' }],
    };
    const extended = { ...CHANNEL_CATALOGUE, pigeon };
    const kinds = [...CHANNEL_KINDS, 'pigeon' as const];
    const schemas = secretSchemas(extended);
    expect(Object.keys(schemas)).toEqual(kinds);
    expect(schemas.pigeon.safeParse({ loft: 'https://loft.example/7' }).success).toBe(true);
    expect(schemas.pigeon.safeParse({ loft: 'ftp://loft.example' }).success).toBe(false);
    expect(schemas.pigeon.safeParse({}).success).toBe(false);
    expect(kindForms(extended).pigeon).toEqual({
      icon: '🕊',
      secrets: [{ name: 'loft', required: true, example: 'https://loft.example' }],
      settings: [{ name: 'ring', required: false }],
    });
    expect(messageKinds(extended, kinds)).toEqual([...message, 'pigeon']);
    expect(messageKinds({ ...extended, pigeon: { ...pigeon, message: false } }, kinds)).toEqual(message);
  });
});

describe('secret schemas derived from the catalogue refuse what the catalogue does not allow', () => {
  const kindArb = fc.constantFrom(...CHANNEL_KINDS);
  const VALID: Record<string, string> = {
    url: 'https://hooks.example.test/x',
    smtpUrl: 'smtps://u:p@smtp.example.test:465',
    text: 'sekrit',
  };
  const validValue = (format: string) => VALID[format]!;

  it('accepts exactly the required fields with valid values, and refuses any unknown field', () => {
    fc.assert(
      fc.property(kindArb, fc.string({ minLength: 1, maxLength: 20 }), fc.jsonValue(), (kind, extra, value) => {
        const def = CHANNEL_CATALOGUE[kind];
        const required = Object.fromEntries(def.secrets.filter((f) => f.required).map((f) => [f.name, validValue(f.format)]));
        expect(SECRET_SCHEMAS[kind].safeParse(required).success).toBe(true);
        if (def.secrets.some((f) => f.name === extra)) return;
        expect(SECRET_SCHEMAS[kind].safeParse({ ...required, [extra]: value }).success).toBe(false);
      }),
    );
  });

  it('refuses a secret that is missing, empty, not a string or (for URLs) not http(s)', () => {
    const notString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string()));
    const bad = fc.oneof(
      fc.constant(''),
      notString,
      fc.string().map((s) => `javascript:${s}`),
    );
    fc.assert(
      fc.property(kindArb, fc.nat(), bad, fc.boolean(), (kind, pick, value, omit) => {
        const def = CHANNEL_CATALOGUE[kind];
        const required = def.secrets.filter((f) => f.required);
        const target = required[pick % required.length]!;
        const secrets: Record<string, unknown> = Object.fromEntries(required.map((f) => [f.name, validValue(f.format)]));
        if (omit) delete secrets[target.name];
        else secrets[target.name] = value;
        // A javascript: string is a fine plain-text secret; it is bad only where a URL is expected.
        if (!omit && typeof value === 'string' && value.startsWith('javascript:') && target.format === 'text') return;
        expect(SECRET_SCHEMAS[kind].safeParse(secrets).success).toBe(false);
      }),
    );
  });
});

describe('SMS providers: one kind, each provider with its own secrets and settings', () => {
  const sms = CHANNEL_CATALOGUE.sms;
  const providers = Object.keys(sms.variants!.options);
  const VALID: Record<string, string> = {
    text: 'x',
    url: 'https://gw.example.test',
    templateId: 'SMS_1',
    paramName: 'content',
    region: 'ap-guangzhou',
  };
  const required = (fields: readonly { name: string; required: boolean; format: string }[]) =>
    Object.fromEntries(fields.filter((f) => f.required).map((f) => [f.name, VALID[f.format]!]));

  it('the provider setting picks the fields; no setting is Twilio, as connections saved before the choice were', () => {
    expect(providers).toEqual(['twilio', 'aliyun', 'tencent']);
    expect(fieldsOf(sms, {})).toBe(sms.variants!.options.twilio);
    expect(fieldsOf(sms, { provider: 'nope' })).toBeUndefined();
    expect(fieldsOf(sms, { provider: 'constructor' })).toBeUndefined();
    for (const p of providers) {
      const fields = fieldsOf(sms, { provider: p })!;
      expect(settingsSchema(fields).safeParse({ ...required(fields.settings), provider: p }).success).toBe(true);
      expect(secretSchema(fields).safeParse(required(fields.secrets)).success).toBe(true);
      // Another provider's credentials are not this one's.
      for (const other of providers.filter((o) => o !== p)) {
        expect(secretSchema(fields).safeParse(required(sms.variants!.options[other]!.secrets)).success).toBe(false);
      }
    }
  });

  it('refuses a generated bad value in any provider setting, naming that field', () => {
    const bad = fc.oneof(
      fc.constant(''),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string()),
      fc.string({ maxLength: 30 }).map((s) => `${s} \n${s}`),
      fc.string({ minLength: 65, maxLength: 80 }).map((s) => s.replace(/[^A-Za-z]/g, 'x')),
      fc.constantFrom('../x', 'http://127.0.0.1/', '模板', 'SMS_1;drop'),
    );
    const checked = providers.flatMap((p) =>
      fieldsOf(sms, { provider: p })!
        .settings.filter((f) => f.format !== 'text' || f.required || f.options)
        .map((f) => ({ p, f })),
    );
    fc.assert(
      fc.property(fc.constantFrom(...checked), bad, ({ p, f }, value) => {
        const fields = fieldsOf(sms, { provider: p })!;
        // Plain text settings take any short non-empty text; only their type and emptiness are wrong here.
        if (f.format === 'text' && !f.options && typeof value === 'string' && value.trim() && value.length <= 500) return;
        const parsed = settingsSchema(fields).safeParse({ ...required(fields.settings), provider: p, [f.name]: value });
        if (f.name === 'provider') expect(fieldsOf(sms, { provider: value })).toBeUndefined();
        else {
          expect(parsed.success).toBe(false);
          expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain(f.name);
        }
      }),
    );
  });
});
