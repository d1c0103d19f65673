import type { ConnectionKind } from '../api/types.ts';

export interface KindField {
  name: string;
  required: boolean;
  /** Shown as a placeholder, to say what the value looks like. */
  example?: string;
}

/** Sending rules every connection may have: a quiet window (in the campaign's time zone) and a rate below the provider's. */
const RULES: KindField[] = [
  { name: 'quietHours', required: false, example: '22:00-08:00' },
  { name: 'rateLimit', required: false, example: '20/1m' },
];

/** What each kind of connection needs: secrets (sealed on the server) and plain settings. */
export const KIND_FIELDS: Record<ConnectionKind, { icon: string; secrets: KindField[]; settings: KindField[] }> = {
  wecom: { icon: '💬', secrets: [{ name: 'url', required: true, example: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…' }], settings: RULES },
  feishu: {
    icon: '🪶',
    secrets: [
      { name: 'url', required: true, example: 'https://open.feishu.cn/open-apis/bot/v2/hook/…' },
      { name: 'secret', required: false },
    ],
    settings: RULES,
  },
  dingtalk: {
    icon: '🔔',
    secrets: [
      { name: 'url', required: true, example: 'https://oapi.dingtalk.com/robot/send?access_token=…' },
      { name: 'secret', required: false, example: 'SEC…' },
    ],
    settings: RULES,
  },
  slack: { icon: '#', secrets: [{ name: 'url', required: true, example: 'https://hooks.slack.com/services/…' }], settings: RULES },
  sms: {
    icon: '📱',
    secrets: [
      { name: 'accountSid', required: true, example: 'AC…' },
      { name: 'authToken', required: true },
      { name: 'baseUrl', required: false, example: 'https://api.twilio.com' },
    ],
    settings: [{ name: 'from', required: true, example: '+15005550006' }, ...RULES],
  },
  webhook: {
    icon: '🔗',
    secrets: [
      { name: 'url', required: true, example: 'https://example.com/hooks/flightdeck' },
      { name: 'secret', required: true, example: 'whsec_…' },
    ],
    settings: RULES,
  },
  email: { icon: '✉', secrets: [{ name: 'smtpUrl', required: true, example: 'smtps://user:pass@smtp.example.com:465' }], settings: RULES },
};

/** Kinds a channel.send node can post to; e-mail goes through its own node. */
export const MESSAGE_KINDS: readonly ConnectionKind[] = ['wecom', 'feishu', 'dingtalk', 'slack', 'sms', 'webhook'];
