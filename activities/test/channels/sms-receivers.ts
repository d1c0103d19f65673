/**
 * Local stand-ins for Aliyun SMS (dysmsapi SendSms) and Tencent Cloud SMS (SendSms, API 3.0). Each
 * verifies the signature from the received bytes with its own clock, written from the providers'
 * documents with node:crypto only (nothing from the adapters), and answers as the provider does.
 */
import { createHash, createHmac } from 'node:crypto';
import { header, json, safeEqual, start, type Received, type Receiver } from './receivers.ts';

/** Byte by byte, as Aliyun's POP document specifies: unreserved bytes stay, every other byte is %XX. */
function popEncode(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The form body decoded by hand: `+` is not a space in Aliyun's encoding, and a key may appear once. */
function decodeForm(body: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  for (const part of body.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const [k, v] = [decodeURIComponent(part.slice(0, eq)), decodeURIComponent(part.slice(eq + 1))];
    if (out.has(k)) return undefined;
    out.set(k, v);
  }
  return out;
}

export interface SmsReceiver extends Receiver {
  /** The decoded parameters (Aliyun) or JSON payload (Tencent) of each accepted send. */
  sent: Record<string, unknown>[];
}

export async function startAliyunSms(accessKeyId: string, accessKeySecret: string): Promise<SmsReceiver> {
  const sent: Record<string, unknown>[] = [];
  const nonces = new Set<string>();
  const fail = (status: number, Code: string, Message: string) => ({ status, body: { RequestId: 'local-0', Code, Message } });
  const rx = await start((req: Received, rx) => {
    const params = decodeForm(req.body);
    if (req.method !== 'POST' || !params) return fail(400, 'MissingParameter', 'The request body is not a form');
    if (params.get('AccessKeyId') !== accessKeyId) return fail(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    if (params.get('SignatureMethod') !== 'HMAC-SHA1' || params.get('SignatureVersion') !== '1.0')
      return fail(400, 'InvalidParameter', 'SignatureMethod or SignatureVersion');
    const ts = Date.parse(params.get('Timestamp') ?? '');
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(params.get('Timestamp') ?? '') || Math.abs(Date.now() - ts) > 15 * 60_000)
      return fail(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
    const given = params.get('Signature') ?? '';
    params.delete('Signature');
    const canonical = [...params.keys()]
      .sort()
      .map((k) => `${popEncode(k)}=${popEncode(params.get(k)!)}`)
      .join('&');
    const expected = createHmac('sha1', `${accessKeySecret}&`)
      .update(`POST&${popEncode('/')}&${popEncode(canonical)}`)
      .digest('base64');
    if (!safeEqual(given, expected)) return fail(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');
    const nonce = params.get('SignatureNonce') ?? '';
    if (nonces.has(nonce)) return fail(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    nonces.add(nonce);
    if (params.get('Action') !== 'SendSms' || params.get('Version') !== '2017-05-25') return fail(400, 'InvalidAction', 'Unknown action');
    if (!/^[1-9][0-9]{6,14}$/.test(params.get('PhoneNumbers') ?? '')) return fail(200, 'isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
    const templateParam = json(params.get('TemplateParam') ?? '');
    if (!templateParam || !params.get('SignName') || !params.get('TemplateCode')) return fail(200, 'isv.INVALID_PARAMETERS', '参数异常');
    const fields = Object.fromEntries(params);
    if (!rx.accept(req, params.get('OutId'))) return fail(200, 'isv.BUSINESS_LIMIT_CONTROL', '触发分钟级流控Permits:1');
    sent.push({ ...fields, TemplateParam: templateParam });
    return { status: 200, body: { RequestId: 'local-1', Code: 'OK', Message: 'OK', BizId: `${900000 + sent.length}^0` } };
  });
  return Object.assign(rx, { sent });
}

const TC3_AUTHORIZATION = new RegExp(
  '^TC3-HMAC-SHA256 Credential=([^/]+)/(\\d{4}-\\d\\d-\\d\\d)/([a-z]+)/tc3_request, ' +
    'SignedHeaders=([a-z;-]+), Signature=([0-9a-f]{64})$',
);

export async function startTencentSms(secretId: string, secretKey: string, smsSdkAppId: string): Promise<SmsReceiver> {
  const sent: Record<string, unknown>[] = [];
  const error = (Code: string, Message: string) => ({
    status: 200,
    body: { Response: { Error: { Code, Message }, RequestId: 'local-0' } },
  });
  const hex = (s: string) => createHash('sha256').update(s).digest('hex');
  const rx = await start((req: Received, rx) => {
    const auth = TC3_AUTHORIZATION.exec(header(req, 'authorization') ?? '');
    if (!auth) return error('AuthFailure.InvalidAuthorization', 'Authorization header is not TC3-HMAC-SHA256');
    const [, id, date, service, signedHeaders, signature] = auth as unknown as [string, string, string, string, string, string];
    if (id !== secretId) return error('AuthFailure.SecretIdNotFound', 'The SecretId is not found');
    const timestamp = Number(header(req, 'x-tc-timestamp'));
    if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300)
      return error('AuthFailure.SignatureExpire', 'Signature expired');
    if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== date || service !== 'sms')
      return error('AuthFailure.SignatureFailure', 'The credential scope does not match');
    const names = signedHeaders.split(';');
    const canonicalHeaders = names.map((n) => `${n}:${(header(req, n) ?? '').trim().toLowerCase()}\n`).join('');
    const canonicalRequest = `${req.method}\n/\n\n${canonicalHeaders}\n${signedHeaders}\n${hex(req.body)}`;
    const stringToSign = `TC3-HMAC-SHA256\n${timestamp}\n${date}/${service}/tc3_request\n${hex(canonicalRequest)}`;
    let key: Buffer = createHmac('sha256', `TC3${secretKey}`).update(date).digest();
    for (const part of [service, 'tc3_request']) key = createHmac('sha256', key).update(part).digest();
    const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
    if (!names.includes('host') || !names.includes('content-type') || !safeEqual(signature, expected))
      return error('AuthFailure.SignatureFailure', 'The provided credentials could not be validated.');
    if (header(req, 'x-tc-action') !== 'SendSms' || header(req, 'x-tc-version') !== '2021-01-11')
      return error('InvalidAction', 'The action does not exist');
    const b = json(req.body);
    if (!b || b.SmsSdkAppId !== smsSdkAppId) return error('FailedOperation.InvalidSmsSdkAppId', 'SmsSdkAppId is invalid');
    const phones = Array.isArray(b.PhoneNumberSet) ? (b.PhoneNumberSet as unknown[]) : [];
    const phone = typeof phones[0] === 'string' ? phones[0] : '';
    const status = (Code: string, Message: string, SerialNo = '') => ({
      status: 200,
      body: {
        Response: {
          SendStatusSet: [
            { SerialNo, PhoneNumber: phone, Fee: Code === 'Ok' ? 1 : 0, SessionContext: b.SessionContext, Code, Message, IsoCode: 'CN' },
          ],
          RequestId: 'local-1',
        },
      },
    });
    if (phones.length !== 1 || !/^\+[1-9][0-9]{6,14}$/.test(phone))
      return status('InvalidParameterValue.IncorrectPhoneNumber', '手机号格式错误');
    if (!rx.accept(req, typeof b.SessionContext === 'string' ? b.SessionContext : undefined))
      return status('LimitExceeded.PhoneNumberThirtySecondLimit', '单个手机号30秒内下发短信条数超过设定的上限');
    sent.push(b);
    return status('Ok', 'send success', `2433:${331000 + sent.length}`);
  });
  return Object.assign(rx, { sent });
}
