import { createHash, createHmac } from 'node:crypto';
import { ChannelError, type HttpRequestSpec, type TencentSmsConnection } from './types.ts';
import { describeBody, httpRetryable, requireUrl, retryAfterMs } from './http.ts';
import { answerObject, checkSms, smsConfigError, type SmsMessage, type SmsProvider } from './sms-common.ts';

/**
 * Tencent Cloud SMS `SendSms` (API 3.0, version 2021-01-11), signed with TC3-HMAC-SHA256.
 * Docs: https://cloud.tencent.com/document/api/382/55981 (SendSms)
 *       https://cloud.tencent.com/document/api/382/52072 (signature v3)
 *       https://cloud.tencent.com/document/product/382/59177 (error codes)
 * - CanonicalRequest = `POST\n/\n\n` + `content-type:…\nhost:…\n` + `\ncontent-type;host\n` + hex(SHA256(body)).
 * - StringToSign = `TC3-HMAC-SHA256\n{timestamp}\n{UTC date}/sms/tc3_request\n` + hex(SHA256(CanonicalRequest)).
 * - Key = HMAC chain from "TC3" + SecretKey over the date, the service and "tc3_request"; the
 *   signature is hex(HMAC-SHA256(key, StringToSign)).
 * - Answers are HTTP 200 with `{Response: {…}}`: `Response.Error {Code, Message}` when the call
 *   failed, else `SendStatusSet[]`, one per number, whose `Code` is "Ok" when sent.
 */
const TENCENT_DEFAULT_BASE = 'https://sms.tencentcloudapi.com';
const TENCENT_SERVICE = 'sms';
const TENCENT_VERSION = '2021-01-11';
const TENCENT_DEFAULT_REGION = 'ap-guangzhou';
const CONTENT_TYPE = 'application/json; charset=utf-8';
const TENCENT_RETRYABLE = [
  /^InternalError/,
  /^RequestLimitExceeded/,
  /^LimitExceeded\.PhoneNumberThirtySecondLimit$/,
  /^ResourceUnavailable/,
];

export interface Tc3Input {
  secretKey: string;
  host: string;
  service: string;
  /** Seconds since the epoch, as sent in X-TC-Timestamp. */
  timestamp: number;
  payload: string;
  contentType?: string;
}

const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: string | Buffer, msg: string) => createHmac('sha256', key).update(msg, 'utf8').digest();

/** The date in the credential scope: the timestamp's UTC day (not the local one). */
export function tc3Date(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

export function tc3CanonicalRequest(input: Tc3Input): string {
  const headers = `content-type:${input.contentType ?? CONTENT_TYPE}\nhost:${input.host}\n`;
  return ['POST', '/', '', headers, 'content-type;host', sha256Hex(input.payload)].join('\n');
}

export function tc3StringToSign(input: Tc3Input): string {
  const scope = `${tc3Date(input.timestamp)}/${input.service}/tc3_request`;
  return ['TC3-HMAC-SHA256', String(input.timestamp), scope, sha256Hex(tc3CanonicalRequest(input))].join('\n');
}

export function tc3Signature(input: Tc3Input): string {
  const secretDate = hmac(`TC3${input.secretKey}`, tc3Date(input.timestamp));
  const secretService = hmac(secretDate, input.service);
  const secretSigning = hmac(secretService, 'tc3_request');
  return createHmac('sha256', secretSigning).update(tc3StringToSign(input), 'utf8').digest('hex');
}

export function tc3Authorization(secretId: string, input: Tc3Input): string {
  const scope = `${tc3Date(input.timestamp)}/${input.service}/tc3_request`;
  return `TC3-HMAC-SHA256 Credential=${secretId}/${scope}, SignedHeaders=content-type;host, Signature=${tc3Signature(input)}`;
}

export function buildTencentRequest(
  connection: TencentSmsConnection,
  sms: SmsMessage,
  now: number,
  idempotencyKey: string,
): HttpRequestSpec {
  if (!connection.secretId || !connection.secretKey) throw smsConfigError('the Tencent Cloud connection needs a SecretId and a SecretKey');
  if (!connection.smsSdkAppId || !connection.signName || !connection.templateId)
    throw smsConfigError('the Tencent Cloud connection needs an SmsSdkAppId, a sign name and a template id');
  checkSms(sms);
  const url = requireUrl('sms', `${(connection.baseUrl ?? TENCENT_DEFAULT_BASE).replace(/\/+$/, '')}/`, 'Tencent Cloud base URL');
  const payload = JSON.stringify({
    PhoneNumberSet: [sms.to],
    SmsSdkAppId: connection.smsSdkAppId,
    SignName: connection.signName,
    TemplateId: connection.templateId,
    TemplateParamSet: [sms.body],
    // Echoed back in the answer and receipts: a gateway or a test receiver can recognise a repeat.
    SessionContext: idempotencyKey,
  });
  const timestamp = Math.floor(now / 1000);
  const input: Tc3Input = { secretKey: connection.secretKey, host: url.host, service: TENCENT_SERVICE, timestamp, payload };
  return {
    url: url.toString(),
    method: 'POST',
    headers: {
      authorization: tc3Authorization(connection.secretId, input),
      'content-type': CONTENT_TYPE,
      host: url.host,
      'x-tc-action': 'SendSms',
      'x-tc-timestamp': String(timestamp),
      'x-tc-version': TENCENT_VERSION,
      'x-tc-region': connection.region ?? TENCENT_DEFAULT_REGION,
    },
    body: payload,
  };
}

function tencentError(status: number, code: string | undefined, message: string, body: unknown, retryAfter?: number): ChannelError {
  return new ChannelError({
    channel: 'sms',
    retryable: httpRetryable(status) || (code !== undefined && TENCENT_RETRYABLE.some((r) => r.test(code))),
    status,
    providerCode: code,
    providerMessage: message,
    retryAfterMs: retryAfter,
    body,
  });
}

export const tencentProvider: SmsProvider<TencentSmsConnection> = {
  id: 'tencent',
  label: 'Tencent Cloud SMS',
  docs: ['https://cloud.tencent.com/document/api/382/55981', 'https://cloud.tencent.com/document/api/382/52072'],
  buildRequest: buildTencentRequest,
  interpret(ans, now) {
    const response = answerObject(answerObject(ans.body).Response);
    const error = answerObject(response.Error);
    const retryAfter = retryAfterMs(ans.headers, now);
    if (typeof error.Code === 'string') {
      throw tencentError(ans.status, error.Code, typeof error.Message === 'string' ? error.Message : error.Code, ans.body, retryAfter);
    }
    const status = Array.isArray(response.SendStatusSet) ? answerObject(response.SendStatusSet[0]) : {};
    if (ans.status >= 200 && ans.status < 300 && status.Code === 'Ok') {
      return { status: ans.status, ...(typeof status.SerialNo === 'string' ? { providerMessageId: status.SerialNo } : {}), body: ans.body };
    }
    const code = typeof status.Code === 'string' ? status.Code : undefined;
    const message = typeof status.Message === 'string' ? status.Message : `unexpected answer: ${describeBody(ans.body)}`;
    throw tencentError(ans.status, code, message, ans.body, retryAfter);
  },
};
