import type { ConnectionKind } from '../api/types.ts';

export interface KindField {
  name: string;
  required: boolean;
  /** Shown as a placeholder, to say what the value looks like. */
  example?: string;
}

/** What each kind of connection needs: secrets (sealed on the server) and plain settings. */
export const KIND_FIELDS: Record<ConnectionKind, { icon: string; secrets: KindField[]; settings: KindField[] }> = {
  wecom: { icon: '💬', secrets: [{ name: 'url', required: true, example: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…' }], settings: [] },
  feishu: {
    icon: '🪶',
    secrets: [
      { name: 'url', required: true, example: 'https://open.feishu.cn/open-apis/bot/v2/hook/…' },
      { name: 'secret', required: false },
    ],
    settings: [],
  },
  dingtalk: {
    icon: '🔔',
    secrets: [
      { name: 'url', required: true, example: 'https://oapi.dingtalk.com/robot/send?access_token=…' },
      { name: 'secret', required: false, example: 'SEC…' },
    ],
    settings: [],
  },
  slack: { icon: '#', secrets: [{ name: 'url', required: true, example: 'https://hooks.slack.com/services/…' }], settings: [] },
  sms: {
    icon: '📱',
    secrets: [
      { name: 'accountSid', required: true, example: 'AC…' },
      { name: 'authToken', required: true },
      { name: 'baseUrl', required: false, example: 'https://api.twilio.com' },
    ],
    settings: [{ name: 'from', required: true, example: '+15005550006' }],
  },
  webhook: {
    icon: '🔗',
    secrets: [
      { name: 'url', required: true, example: 'https://example.com/hooks/flightdeck' },
      { name: 'secret', required: true, example: 'whsec_…' },
    ],
    settings: [],
  },
  email: { icon: '✉', secrets: [{ name: 'smtpUrl', required: true, example: 'smtps://user:pass@smtp.example.com:465' }], settings: [] },
};

/** Kinds a channel.send node can post to; e-mail goes through its own node. */
export const MESSAGE_KINDS: readonly ConnectionKind[] = ['wecom', 'feishu', 'dingtalk', 'slack', 'sms', 'webhook'];
