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
export type FieldFormat = 'url' | 'text' | 'smtpUrl';

export interface ChannelField {
  name: string;
  required: boolean;
  format: FieldFormat;
  /** Shown as a placeholder, to say what the value looks like. */
  example?: string;
}

export interface ChannelKindDefinition {
  label: string;
  icon: string;
  /** channel.send nodes post to it; e-mail goes through its own node. */
  message: boolean;
  /** The provider's documented limit, in messages per minute per connection, where documented. */
  ratePerMinute?: number;
  secrets: readonly ChannelField[];
  settings: readonly ChannelField[];
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
    secrets: [
      { name: 'accountSid', required: true, format: 'text', example: 'AC…' },
      { name: 'authToken', required: true, format: 'text' },
      { name: 'baseUrl', required: false, format: 'url', example: 'https://api.twilio.com' },
    ],
    settings: [{ name: 'from', required: true, format: 'text', example: '+15005550006' }, ...RULES],
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
  text: z.string().min(1).max(500),
  smtpUrl: z
    .string()
    .regex(/^smtps?:\/\//, 'Must be an smtp:// or smtps:// URL')
    .max(2000),
};

/** The schema of a kind's secrets: exactly its fields (unknown ones refused), each in its format. */
export function secretSchema(definition: ChannelKindDefinition): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const f of definition.secrets) shape[f.name] = f.required ? FORMATS[f.format] : FORMATS[f.format].optional();
  return z.strictObject(shape);
}

/** Each kind's secret schema, derived from a catalogue (the real one, or a test's). */
export function secretSchemas<K extends string>(catalogue: { readonly [P in K]: ChannelKindDefinition }): Record<K, z.ZodObject> {
  const entries = Object.entries<ChannelKindDefinition>(catalogue).map(([k, d]) => [k, secretSchema(d)]);
  return Object.fromEntries(entries) as Record<K, z.ZodObject>;
}
