import { ChannelError, type DeliveryResult, type HttpRequestSpec, type SmsConnection } from './types.ts';

/**
 * SMS behind one interface. A provider turns one SMS to one recipient into one HTTP request and
 * interprets the answer. Twilio sends free text; Aliyun and Tencent Cloud send an approved
 * template under an approved signature (签名), with the message text as its parameter.
 */
export interface SmsMessage {
  /** One recipient, E.164 (`+8613800000000`). */
  to: string;
  /** The message text: the body (Twilio) or the template's parameter (Aliyun, Tencent). */
  body: string;
}

export interface SmsProvider<C extends SmsConnection = SmsConnection> {
  readonly id: C['provider'];
  readonly label: string;
  /** Documented sending limit in messages per minute, where the provider documents one. */
  readonly ratePerMinute?: number;
  readonly docs: string[];
  /** Pure: the request that sends `sms` at `now`. */
  buildRequest(connection: C, sms: SmsMessage, now: number, idempotencyKey: string): HttpRequestSpec;
  /** Maps the provider's answer to a delivery, or throws a `ChannelError`. */
  interpret(answer: { status: number; headers: Headers; body: unknown }, now: number): DeliveryResult;
}

export const E164 = /^\+[1-9][0-9]{6,14}$/;

/** A connection that cannot send (a missing credential or setting): not worth retrying. */
export function smsConfigError(message: string): ChannelError {
  return new ChannelError({ channel: 'sms', retryable: false, providerCode: 'config', providerMessage: message });
}

/** The recipient and text every provider needs; refused before anything is signed. */
export function checkSms(sms: SmsMessage): void {
  if (!E164.test(sms.to)) {
    throw new ChannelError({
      channel: 'sms',
      retryable: false,
      providerCode: 'invalid_to',
      providerMessage: `"${sms.to}" is not an E.164 phone number`,
    });
  }
  if (!sms.body.trim())
    throw new ChannelError({ channel: 'sms', retryable: false, providerCode: 'empty', providerMessage: 'the SMS body is empty' });
}

/** The answer's JSON object, or an empty one (an HTML error page, a clipped body). */
export function answerObject(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}
