import {
  ChannelError,
  type ChannelMessage,
  type DeliveryResult,
  type HttpRequestSpec,
  type SendOptions,
  type SmsConnection,
  type TwilioSmsConnection,
} from './types.ts';
import { describeBody, httpRetryable, perform, requireUrl, retryAfterMs } from './http.ts';
import { checkSms, smsConfigError, type SmsMessage, type SmsProvider } from './sms-common.ts';
import { aliyunProvider } from './sms-aliyun.ts';
import { tencentProvider } from './sms-tencent.ts';

export { E164, type SmsMessage, type SmsProvider } from './sms-common.ts';

// --- Twilio -------------------------------------------------------------------------------

/**
 * Twilio Programmable Messaging, "Create a Message resource".
 * Docs: https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
 *       https://www.twilio.com/docs/usage/requests-to-twilio (HTTP Basic auth, AccountSid:AuthToken)
 *       https://www.twilio.com/docs/usage/twilios-response (error body `{code, message, more_info, status}`)
 * - `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded `To`, `From` (or
 *   `MessagingServiceSid`), `Body` (at most 1,600 characters).
 * - Success: 201 with the Message resource as JSON; its `sid` (`SM…`) is the provider id.
 * - Errors: 400 e.g. 21211 invalid To, 21608 unverified number (trial), 21610 unsubscribed;
 *   401 20003 authentication; 429 20429 too many requests (Retry-After); 5xx.
 * - Twilio queues messages and paces them per sender (throughput depends on the number type),
 *   so there is no single per-account figure to enforce here.
 * - Twilio has no idempotency key on this endpoint; the `Idempotency-Key` header is sent so
 *   compatible gateways and test receivers can de-duplicate.
 */
export const TWILIO_BODY_MAX_CHARS = 1600;
const TWILIO_DEFAULT_BASE = 'https://api.twilio.com';
const TWILIO_RETRYABLE_CODES = new Set([20429, 20500, 20503]);

export function buildTwilioRequest(
  connection: TwilioSmsConnection,
  sms: SmsMessage,
  _now: number,
  idempotencyKey: string,
): HttpRequestSpec {
  if (!connection.accountSid || !connection.authToken) throw smsConfigError('the Twilio connection needs an Account SID and an Auth Token');
  if (!connection.from && !connection.messagingServiceSid)
    throw smsConfigError('the Twilio connection needs a From number or a Messaging Service SID');
  checkSms(sms);
  if (sms.body.length > TWILIO_BODY_MAX_CHARS) {
    throw new ChannelError({
      channel: 'sms',
      retryable: false,
      providerCode: 'too_long',
      providerMessage: `the SMS body is ${sms.body.length} characters; Twilio allows ${TWILIO_BODY_MAX_CHARS}`,
    });
  }
  const base = (connection.baseUrl ?? TWILIO_DEFAULT_BASE).replace(/\/+$/, '');
  const url = requireUrl(
    'sms',
    `${base}/2010-04-01/Accounts/${encodeURIComponent(connection.accountSid)}/Messages.json`,
    'Twilio base URL',
  );
  const form = new URLSearchParams();
  form.set('To', sms.to);
  if (connection.messagingServiceSid) form.set('MessagingServiceSid', connection.messagingServiceSid);
  if (connection.from) form.set('From', connection.from);
  form.set('Body', sms.body);
  return {
    url: url.toString(),
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      authorization: `Basic ${Buffer.from(`${connection.accountSid}:${connection.authToken}`, 'utf8').toString('base64')}`,
      'idempotency-key': idempotencyKey,
    },
    body: form.toString(),
  };
}

export const twilioProvider: SmsProvider<TwilioSmsConnection> = {
  id: 'twilio',
  label: 'Twilio',
  docs: [
    'https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource',
    'https://www.twilio.com/docs/usage/twilios-response',
  ],
  buildRequest: buildTwilioRequest,
  interpret(ans, now) {
    const b = (ans.body && typeof ans.body === 'object' ? ans.body : {}) as {
      sid?: unknown;
      code?: unknown;
      message?: unknown;
      status?: unknown;
    };
    if (ans.status >= 200 && ans.status < 300) {
      if (typeof b.sid !== 'string') {
        throw new ChannelError({
          channel: 'sms',
          retryable: false,
          status: ans.status,
          providerMessage: `unexpected answer: ${describeBody(ans.body)}`,
          body: ans.body,
        });
      }
      return { status: ans.status, providerMessageId: b.sid, body: ans.body };
    }
    const code = typeof b.code === 'number' ? b.code : undefined;
    throw new ChannelError({
      channel: 'sms',
      retryable: httpRetryable(ans.status) || (code !== undefined && TWILIO_RETRYABLE_CODES.has(code)),
      status: ans.status,
      providerCode: code,
      providerMessage: typeof b.message === 'string' ? b.message : describeBody(ans.body),
      retryAfterMs: retryAfterMs(ans.headers, now),
      body: ans.body,
    });
  },
};

// --- Dispatch -----------------------------------------------------------------------------

export const SMS_PROVIDERS: { [P in SmsConnection['provider']]: SmsProvider<Extract<SmsConnection, { provider: P }>> } = {
  twilio: twilioProvider,
  aliyun: aliyunProvider,
  tencent: tencentProvider,
};

/** The SMS a channel message becomes: exactly one recipient per call. */
export function smsFromMessage(message: ChannelMessage): SmsMessage {
  const to = (message.to ?? []).map((t) => t.trim()).filter(Boolean);
  if (to.length !== 1) {
    throw new ChannelError({
      channel: 'sms',
      retryable: false,
      providerCode: 'recipients',
      providerMessage:
        `an SMS send takes exactly one recipient (got ${to.length}); ` + `send once per recipient so each has its own idempotency key`,
    });
  }
  const body = message.title ? `${message.title}\n${message.text}` : message.text;
  return { to: to[0]!.replace(/[ ()-]/g, ''), body };
}

export function buildSmsRequest(connection: SmsConnection, message: ChannelMessage, now: number, idempotencyKey: string): HttpRequestSpec {
  return providerOf(connection).buildRequest(connection, smsFromMessage(message), now, idempotencyKey);
}

export async function sendSms(connection: SmsConnection, message: ChannelMessage, opts: SendOptions): Promise<DeliveryResult> {
  const provider = providerOf(connection);
  const now = opts.now?.() ?? Date.now();
  const req = provider.buildRequest(connection, smsFromMessage(message), now, opts.idempotencyKey);
  const ans = await perform('sms', req, opts);
  return provider.interpret(ans, now);
}

function providerOf(connection: SmsConnection): SmsProvider {
  const p = (SMS_PROVIDERS as Record<string, SmsProvider | undefined>)[connection.provider];
  if (!p) throw smsConfigError(`unknown SMS provider "${connection.provider}"`);
  return p;
}
