import { createHash, createHmac } from 'node:crypto';
import { ChannelError, type AliyunSmsConnection, type HttpRequestSpec } from './types.ts';
import { describeBody, httpRetryable, requireUrl, retryAfterMs } from './http.ts';
import { answerObject, checkSms, smsConfigError, type SmsMessage, type SmsProvider } from './sms-common.ts';

/**
 * Aliyun SMS (dysmsapi) `SendSms`, RPC style, signature version 1.0.
 * Docs: https://help.aliyun.com/zh/sms/developer-reference/api-dysmsapi-2017-05-25-sendsms
 *       https://help.aliyun.com/zh/sdk/product-overview/rpc-mechanism (signature: canonicalized query, HMAC-SHA1)
 *       https://help.aliyun.com/zh/sms/developer-reference/api-error-codes
 * - Every parameter, common ones included, is percent-encoded (UTF-8; unreserved A–Z a–z 0–9 - _ . ~
 *   stay, space is %20, `*` is %2A), sorted by name and joined `k=v&…`. StringToSign is
 *   `METHOD&%2F&` + the encoded joined string; Signature = Base64(HMAC-SHA1(secret + "&", it)).
 * - The answer is JSON `{Code, Message, BizId, RequestId}`: `Code: "OK"` sent; any other code is an
 *   error, usually with HTTP 200 (business errors) or 4xx (signature, credentials).
 * - Flow control (isv.BUSINESS_LIMIT_CONTROL), throttling and system errors are worth retrying.
 */
const ALIYUN_DEFAULT_BASE = 'https://dysmsapi.aliyuncs.com';
const ALIYUN_RETRYABLE_CODES = new Set([
  'isv.BUSINESS_LIMIT_CONTROL',
  'isp.SYSTEM_ERROR',
  'Throttling',
  'Throttling.User',
  'ServiceUnavailable',
]);
const ALIYUN_RETRYABLE_PREFIXES = ['InternalError', 'Throttling'];

/** RFC 3986 percent-encoding as Aliyun's POP signature defines it. */
export function aliyunPercentEncode(value: string): string {
  // encodeURIComponent leaves ! ' ( ) * alone; the spec reserves them too.
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The canonicalized query: every parameter encoded, sorted by encoded name, joined with `&`. */
export function aliyunCanonicalQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .map((k) => [aliyunPercentEncode(k), aliyunPercentEncode(params[k]!)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

export function aliyunStringToSign(method: 'GET' | 'POST', params: Record<string, string>): string {
  return `${method}&${aliyunPercentEncode('/')}&${aliyunPercentEncode(aliyunCanonicalQuery(params))}`;
}

/** Signature version 1.0: Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign)). */
export function aliyunSignature(method: 'GET' | 'POST', params: Record<string, string>, accessKeySecret: string): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(aliyunStringToSign(method, params), 'utf8').digest('base64');
}

/** ISO 8601 in UTC to the second, as the common parameter `Timestamp` wants it. */
function aliyunTimestamp(now: number): string {
  return new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function buildAliyunRequest(connection: AliyunSmsConnection, sms: SmsMessage, now: number, idempotencyKey: string): HttpRequestSpec {
  if (!connection.accessKeyId || !connection.accessKeySecret)
    throw smsConfigError('the Aliyun connection needs an AccessKey ID and its secret');
  if (!connection.signName || !connection.templateCode) throw smsConfigError('the Aliyun connection needs a sign name and a template code');
  checkSms(sms);
  const url = requireUrl('sms', `${(connection.baseUrl ?? ALIYUN_DEFAULT_BASE).replace(/\/+$/, '')}/`, 'Aliyun base URL');
  const params: Record<string, string> = {
    AccessKeyId: connection.accessKeyId,
    Action: 'SendSms',
    Format: 'JSON',
    // Aliyun takes the country code and number without the plus (86138…, 852…).
    PhoneNumbers: sms.to.slice(1),
    RegionId: 'cn-hangzhou',
    SignName: connection.signName,
    SignatureMethod: 'HMAC-SHA1',
    // Unique per request (Aliyun refuses a nonce seen within 15 minutes), and reproducible from the inputs.
    SignatureNonce: createHash('sha256').update(`${idempotencyKey}@${now}`).digest('hex').slice(0, 32),
    SignatureVersion: '1.0',
    TemplateCode: connection.templateCode,
    TemplateParam: JSON.stringify({ [connection.templateParam ?? 'content']: sms.body }),
    Timestamp: aliyunTimestamp(now),
    Version: '2017-05-25',
    // Echoed in delivery receipts; lets a gateway or a test receiver recognise a repeat.
    OutId: idempotencyKey,
  };
  const signature = aliyunSignature('POST', params, connection.accessKeySecret);
  return {
    url: url.toString(),
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: `${aliyunCanonicalQuery(params)}&Signature=${aliyunPercentEncode(signature)}`,
  };
}

export const aliyunProvider: SmsProvider<AliyunSmsConnection> = {
  id: 'aliyun',
  label: 'Aliyun SMS',
  docs: [
    'https://help.aliyun.com/zh/sms/developer-reference/api-dysmsapi-2017-05-25-sendsms',
    'https://help.aliyun.com/zh/sdk/product-overview/rpc-mechanism',
  ],
  buildRequest: buildAliyunRequest,
  interpret(ans, now) {
    const b = answerObject(ans.body);
    const code = typeof b.Code === 'string' ? b.Code : undefined;
    if (ans.status >= 200 && ans.status < 300 && code === 'OK') {
      return { status: ans.status, ...(typeof b.BizId === 'string' ? { providerMessageId: b.BizId } : {}), body: ans.body };
    }
    const retryableCode =
      code !== undefined && (ALIYUN_RETRYABLE_CODES.has(code) || ALIYUN_RETRYABLE_PREFIXES.some((p) => code.startsWith(p)));
    throw new ChannelError({
      channel: 'sms',
      retryable: httpRetryable(ans.status) || retryableCode,
      status: ans.status,
      providerCode: code,
      providerMessage: typeof b.Message === 'string' ? b.Message : `unexpected answer: ${describeBody(ans.body)}`,
      retryAfterMs: retryAfterMs(ans.headers, now),
      body: ans.body,
    });
  },
};
