/**
 * Every kind of channel connection, defined once: what it is called, what it keeps secret and
 * which plain settings it takes (with the format each value must have), its documented rate
 * limit, and whether channel.send nodes post to it. The activities (adapters), the connections
 * service (secret schemas), the database enum and the editor (forms, pickers) all read this list.
 *
 * Browser-safe on purpose (zod only, no Node APIs): the editor imports it as
 * `@flightdeck/activities/catalogue`. The adapters that send live in `./index.ts`.
 */
import { z } from 'zod';

/** How a field's value is checked. Secrets are sealed on the server and never returned. */
export type FieldFormat = 'url' | 'text' | 'smtpUrl' | 'templateId' | 'paramName' | 'region';

export interface ChannelField {
  name: string;
  required: boolean;
  format: FieldFormat;
  /** Shown as a placeholder, to say what the value looks like. */
  example?: string;
  /** The only values it may take (a choice in the form). */
  options?: readonly string[];
}

/** One way of sending a kind (an SMS provider): its own secrets and settings. */
export interface ChannelVariant {
  label: string;
  secrets: readonly ChannelField[];
  settings: readonly ChannelField[];
}

/**
 * A kind sent through one of several providers, picked by a setting. A connection without the
 * setting uses the default, so connections saved before the choice existed keep working.
 */
export interface ChannelVariants {
  setting: string;
  default: string;
  options: { readonly [name: string]: ChannelVariant };
}

export interface ChannelKindDefinition {
  label: string;
  icon: string;
  /** channel.send nodes post to it; e-mail goes through its own node. */
  message: boolean;
  /** The provider's documented limit, in messages per minute per connection, where documented. */
  ratePerMinute?: number;
  /** With variants: the default variant's fields (each variant has its own; see `fieldsOf`). */
  secrets: readonly ChannelField[];
  settings: readonly ChannelField[];
  variants?: ChannelVariants;
}

/** The one list of kinds. Add a kind here and the compiler asks for it everywhere else. */
export const CHANNEL_KINDS = ['wecom', 'feishu', 'dingtalk', 'slack', 'sms', 'webhook', 'email'] as const;
export type ConnectionKind = (typeof CHANNEL_KINDS)[number];

/** Sending rules every connection may have: a quiet window (in the campaign's time zone) and a rate below the provider's. */
const RULES: readonly ChannelField[] = [
  { name: 'quietHours', required: false, format: 'text', example: '22:00-08:00' },
  { name: 'rateLimit', required: false, format: 'text', example: '20/1m' },
];

// Documented limits (sources in each adapter): WeCom 20/min per robot, Feishu 100/min (5/s), DingTalk 20/min, Slack about 1/s.
export const WECOM_RATE_PER_MINUTE = 20;
export const FEISHU_RATE_PER_MINUTE = 100;
export const DINGTALK_RATE_PER_MINUTE = 20;
export const SLACK_RATE_PER_MINUTE = 60;

/** The SMS providers (adapters in ./sms*.ts). `baseUrl` is for gateways and local receivers; the outbound guard checks it. */
export const SMS_PROVIDER_IDS = ['twilio', 'aliyun', 'tencent'] as const;
export type SmsProviderId = (typeof SMS_PROVIDER_IDS)[number];
const PROVIDER: ChannelField = { name: 'provider', required: false, format: 'text', example: 'twilio', options: SMS_PROVIDER_IDS };

const TWILIO_SMS: ChannelVariant = {
  label: 'Twilio',
  secrets: [
    { name: 'accountSid', required: true, format: 'text', example: 'AC…' },
    { name: 'authToken', required: true, format: 'text' },
    { name: 'baseUrl', required: false, format: 'url', example: 'https://api.twilio.com' },
  ],
  settings: [PROVIDER, { name: 'from', required: true, format: 'text', example: '+15005550006' }, ...RULES],
};

/** Aliyun dysmsapi SendSms: the message goes out as one parameter of an approved template. */
const ALIYUN_SMS: ChannelVariant = {
  label: 'Aliyun SMS (阿里云短信)',
  secrets: [
    { name: 'accessKeyId', required: true, format: 'text', example: 'LTAI…' },
    { name: 'accessKeySecret', required: true, format: 'text' },
    { name: 'baseUrl', required: false, format: 'url', example: 'https://dysmsapi.aliyuncs.com' },
  ],
  settings: [
    PROVIDER,
    { name: 'signName', required: true, format: 'text', example: '阿里云短信测试' },
    { name: 'templateCode', required: true, format: 'templateId', example: 'SMS_154950909' },
    { name: 'templateParam', required: false, format: 'paramName', example: 'content' },
    ...RULES,
  ],
};

/** Tencent Cloud SMS SendSms (API 3.0): the message is the template's one parameter. */
const TENCENT_SMS: ChannelVariant = {
  label: 'Tencent Cloud SMS (腾讯云短信)',
  secrets: [
    { name: 'secretId', required: true, format: 'text', example: 'AKID…' },
    { name: 'secretKey', required: true, format: 'text' },
    { name: 'baseUrl', required: false, format: 'url', example: 'https://sms.tencentcloudapi.com' },
  ],
  settings: [
    PROVIDER,
    { name: 'smsSdkAppId', required: true, format: 'templateId', example: '1400006666' },
    { name: 'signName', required: true, format: 'text', example: '腾讯云' },
    { name: 'templateId', required: true, format: 'templateId', example: '1110' },
    { name: 'region', required: false, format: 'region', example: 'ap-guangzhou' },
    ...RULES,
  ],
};

export const CHANNEL_CATALOGUE: { readonly [K in ConnectionKind]: ChannelKindDefinition } = {
  wecom: {
    label: 'WeCom group robot (企业微信群机器人)',
    icon: '💬',
    message: true,
    ratePerMinute: WECOM_RATE_PER_MINUTE,
    secrets: [{ name: 'url', required: true, format: 'url', example: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…' }],
    settings: RULES,
  },
  feishu: {
    label: 'Feishu / Lark custom bot (飞书自定义机器人)',
    icon: '🪶',
    message: true,
    ratePerMinute: FEISHU_RATE_PER_MINUTE,
    secrets: [
      { name: 'url', required: true, format: 'url', example: 'https://open.feishu.cn/open-apis/bot/v2/hook/…' },
      { name: 'secret', required: false, format: 'text' },
    ],
    settings: RULES,
  },
  dingtalk: {
    label: 'DingTalk custom robot (钉钉自定义机器人)',
    icon: '🔔',
    message: true,
    ratePerMinute: DINGTALK_RATE_PER_MINUTE,
    secrets: [
      { name: 'url', required: true, format: 'url', example: 'https://oapi.dingtalk.com/robot/send?access_token=…' },
      { name: 'secret', required: false, format: 'text', example: 'SEC…' },
    ],
    settings: RULES,
  },
  slack: {
    label: 'Slack incoming webhook',
    icon: '#',
    message: true,
    ratePerMinute: SLACK_RATE_PER_MINUTE,
    secrets: [{ name: 'url', required: true, format: 'url', example: 'https://hooks.slack.com/services/…' }],
    settings: RULES,
  },
  sms: {
    label: 'SMS',
    icon: '📱',
    message: true,
    secrets: TWILIO_SMS.secrets,
    settings: TWILIO_SMS.settings,
    variants: { setting: 'provider', default: 'twilio', options: { twilio: TWILIO_SMS, aliyun: ALIYUN_SMS, tencent: TENCENT_SMS } },
  },
  webhook: {
    label: 'Webhook (Standard Webhooks)',
    icon: '🔗',
    message: true,
    secrets: [
      { name: 'url', required: true, format: 'url', example: 'https://example.com/hooks/flightdeck' },
      { name: 'secret', required: true, format: 'text', example: 'whsec_…' },
    ],
    settings: RULES,
  },
  email: {
    label: 'E-mail (SMTP)',
    icon: '✉',
    message: false,
    secrets: [{ name: 'smtpUrl', required: true, format: 'smtpUrl', example: 'smtps://user:pass@smtp.example.com:465' }],
    settings: RULES,
  },
};

/** Kinds a channel.send node can post to, in catalogue order. */
export function messageKinds<K extends string>(catalogue: { readonly [P in K]: ChannelKindDefinition }, kinds: readonly K[]): K[] {
  return kinds.filter((k) => catalogue[k].message);
}

export const MESSAGE_KINDS = messageKinds(CHANNEL_CATALOGUE, CHANNEL_KINDS) as Exclude<ConnectionKind, 'email'>[];

const FORMATS: Record<FieldFormat, z.ZodType<string>> = {
  url: z.url({ protocol: /^https?$/, message: 'Must be an http(s) URL' }).max(2000),
  // Refused when blank, kept as typed otherwise: a signature name of spaces would be signed and then rejected by the provider.
  text: z
    .string()
    .min(1)
    .max(500)
    .refine((s) => s.trim().length > 0, 'Must not be blank'),
  smtpUrl: z
    .string()
    .regex(/^smtps?:\/\//, 'Must be an smtp:// or smtps:// URL')
    .max(2000),
  // Provider identifiers travel inside signed requests: plain ASCII, so nothing needs escaping twice.
  templateId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Letters, digits, "_" and "-" only, at most 64'),
  paramName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, 'A template variable name: a letter, then letters, digits or "_", at most 32'),
  region: z.string().regex(/^[a-z]{2}-[a-z]+(-[0-9])?$/, 'A region such as ap-guangzhou'),
};

function fieldSchema(f: ChannelField): z.ZodType {
  const format = f.options ? z.enum(f.options as [string, ...string[]]) : FORMATS[f.format];
  return f.required ? format : format.optional();
}

/** The schema of a kind's secrets: exactly its fields (unknown ones refused), each in its format. */
export function secretSchema(definition: Pick<ChannelKindDefinition, 'secrets'>): z.ZodObject {
  return z.strictObject(Object.fromEntries(definition.secrets.map((f) => [f.name, fieldSchema(f)])));
}

/**
 * The schema of a kind's settings: its fields in their formats. Other keys pass (the sending rules
 * also read `timezone` and `ratePerMinute`, which the forms do not ask for).
 */
export function settingsSchema(definition: Pick<ChannelKindDefinition, 'settings'>): z.ZodObject {
  return z.looseObject(Object.fromEntries(definition.settings.map((f) => [f.name, fieldSchema(f)])));
}

/**
 * The fields a connection of this kind has with these settings: its variant's (the one the
 * variant setting names, or the default), or the kind's own. Undefined for an unknown variant.
 */
export function fieldsOf(
  definition: ChannelKindDefinition,
  settings: Record<string, unknown>,
): Pick<ChannelKindDefinition, 'secrets' | 'settings'> | undefined {
  const v = definition.variants;
  if (!v) return definition;
  const chosen = settings[v.setting] === undefined ? v.default : settings[v.setting];
  return typeof chosen === 'string' && Object.hasOwn(v.options, chosen) ? v.options[chosen] : undefined;
}

/** Each kind's secret schema, derived from a catalogue (the real one, or a test's). */
export function secretSchemas<K extends string>(catalogue: { readonly [P in K]: ChannelKindDefinition }): Record<K, z.ZodObject> {
  const entries = Object.entries<ChannelKindDefinition>(catalogue).map(([k, d]) => [k, secretSchema(d)]);
  return Object.fromEntries(entries) as Record<K, z.ZodObject>;
}
