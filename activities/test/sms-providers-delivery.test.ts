/**
 * Aliyun and Tencent Cloud SMS over real HTTP to local receivers (127.0.0.1) that recompute the
 * signature from the received bytes and answer with the providers' success and error bodies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelError, sendSms, type AliyunSmsConnection, type TencentSmsConnection } from '../src/channels/index.ts';
import { createOutboundGuard } from '../src/outbound/index.ts';
import { startAliyunSms, startTencentSms, type SmsReceiver } from './channels/sms-receivers.ts';

const LOCAL = createOutboundGuard({ allow: '127.0.0.1' });
const TO = { text: '618 预热 starts at 20:00', to: ['+8613800001111'] };

const open: SmsReceiver[] = [];
async function track(p: Promise<SmsReceiver>): Promise<SmsReceiver> {
  const rx = await p;
  open.push(rx);
  return rx;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((rx) => rx.close()));
});

async function failure(p: Promise<unknown>): Promise<ChannelError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChannelError);
  return err as ChannelError;
}

describe('Aliyun SMS (SendSms, HMAC-SHA1 RPC signature)', () => {
  const conn = (baseUrl: string, accessKeySecret = 'aliyun-secret'): AliyunSmsConnection => ({
    kind: 'sms',
    provider: 'aliyun',
    accessKeyId: 'LTAI-test',
    accessKeySecret,
    signName: '飞行甲板',
    templateCode: 'SMS_154950909',
    templateParam: 'msg',
    baseUrl,
  });

  it('delivers: the receiver verifies the signature, and the BizId is the provider id', async () => {
    const rx = await track(startAliyunSms('LTAI-test', 'aliyun-secret'));
    const res = await sendSms(conn(rx.base), TO, { outbound: LOCAL, idempotencyKey: 'msg_a1' });
    expect(res.providerMessageId).toBe('900001^0');
    expect(rx.sent).toHaveLength(1);
    expect(rx.sent[0]).toMatchObject({ PhoneNumbers: '8613800001111', SignName: '飞行甲板', TemplateCode: 'SMS_154950909' });
    expect(rx.sent[0]!.TemplateParam).toEqual({ msg: '618 预热 starts at 20:00' });
  });

  it('a wrong secret is SignatureDoesNotMatch (HTTP 400): failed, not retried', async () => {
    const rx = await track(startAliyunSms('LTAI-test', 'aliyun-secret'));
    const err = await failure(sendSms(conn(rx.base, 'wrong'), TO, { outbound: LOCAL, idempotencyKey: 'msg_a2' }));
    expect(err).toMatchObject({ retryable: false, status: 400, providerCode: 'SignatureDoesNotMatch' });
    expect(rx.deliveries).toHaveLength(0);
  });

  it('Code != "OK" with HTTP 200 is a failure: a bad number is final, flow control and system errors retry', async () => {
    const rx = await track(startAliyunSms('LTAI-test', 'aliyun-secret'));
    rx.forced.push({ status: 200, body: { RequestId: 'r', Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号' } });
    expect(await failure(sendSms(conn(rx.base), TO, { outbound: LOCAL, idempotencyKey: 'k1' }))).toMatchObject({
      retryable: false,
      status: 200,
      providerCode: 'isv.MOBILE_NUMBER_ILLEGAL',
      providerMessage: '非法手机号',
    });
    rx.forced.push({ status: 200, body: { RequestId: 'r', Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发分钟级流控Permits:1' } });
    expect(await failure(sendSms(conn(rx.base), TO, { outbound: LOCAL, idempotencyKey: 'k1' }))).toMatchObject({
      retryable: true,
      providerCode: 'isv.BUSINESS_LIMIT_CONTROL',
    });
    rx.mode = 'error500';
    expect(await failure(sendSms(conn(rx.base), TO, { outbound: LOCAL, idempotencyKey: 'k1' }))).toMatchObject({
      retryable: true,
      status: 500,
    });
    expect(rx.sent).toHaveLength(0);
  });

  it('the default endpoint is public; a local one is refused unless the outbound allow-list names it', async () => {
    const rx = await track(startAliyunSms('LTAI-test', 'aliyun-secret'));
    const err = await failure(sendSms(conn(rx.base), TO, { outbound: createOutboundGuard(), idempotencyKey: 'k1' }));
    expect(err).toMatchObject({ retryable: false, providerCode: 'refused' });
    expect(rx.requests).toHaveLength(0);
  });
});

describe('Tencent Cloud SMS (SendSms, TC3-HMAC-SHA256)', () => {
  const conn = (baseUrl: string, secretKey = 'tencent-key'): TencentSmsConnection => ({
    kind: 'sms',
    provider: 'tencent',
    secretId: 'AKID-test',
    secretKey,
    smsSdkAppId: '1400006666',
    signName: '腾讯云',
    templateId: '1110',
    baseUrl,
  });

  it('delivers: the receiver verifies the TC3 signature, and the SerialNo is the provider id', async () => {
    const rx = await track(startTencentSms('AKID-test', 'tencent-key', '1400006666'));
    const res = await sendSms(conn(rx.base), TO, { outbound: LOCAL, idempotencyKey: 'msg_t1' });
    expect(res.providerMessageId).toBe('2433:331001');
    expect(rx.sent).toEqual([
      {
        PhoneNumberSet: ['+8613800001111'],
        SmsSdkAppId: '1400006666',
        SignName: '腾讯云',
        TemplateId: '1110',
        TemplateParamSet: ['618 预热 starts at 20:00'],
        SessionContext: 'msg_t1',
      },
    ]);
  });

  it('Response.Error (a bad signature) is a failure and not retried', async () => {
    const rx = await track(startTencentSms('AKID-test', 'tencent-key', '1400006666'));
    const err = await failure(sendSms(conn(rx.base, 'wrong'), TO, { outbound: LOCAL, idempotencyKey: 'k1' }));
    expect(err).toMatchObject({ retryable: false, status: 200, providerCode: 'AuthFailure.SignatureFailure' });
    expect(rx.sent).toHaveLength(0);
  });

  it('a SendStatusSet Code other than "Ok" fails the delivery; rate and internal errors retry', async () => {
    const rx = await track(startTencentSms('AKID-test', 'tencent-key', '1400006666'));
    const statusSet = (Code: string, Message: string) => ({
      status: 200,
      body: { Response: { SendStatusSet: [{ SerialNo: '', PhoneNumber: '+8613800001111', Fee: 0, Code, Message }], RequestId: 'r' } },
    });
    rx.forced.push(statusSet('FailedOperation.ContainSensitiveWord', '短信内容中含有敏感词'));
    expect(await failure(sendSms(conn(rx.base), TO, { outbound: LOCAL, idempotencyKey: 'k1' }))).toMatchObject({
      retryable: false,
      providerCode: 'FailedOperation.ContainSensitiveWord',
      providerMessage: '短信内容中含有敏感词',
    });
    rx.forced.push(statusSet('LimitExceeded.PhoneNumberThirtySecondLimit', '单个手机号30秒内下发短信条数超过设定的上限'));
    expect(await failure(sendSms(conn(rx.base), TO, { outbound: LOCAL, idempotencyKey: 'k1' }))).toMatchObject({ retryable: true });
    rx.forced.push({ status: 200, body: { Response: { Error: { Code: 'InternalError.Timeout', Message: 'timeout' }, RequestId: 'r' } } });
    expect(await failure(sendSms(conn(rx.base), TO, { outbound: LOCAL, idempotencyKey: 'k1' }))).toMatchObject({
      retryable: true,
      providerCode: 'InternalError.Timeout',
    });
    expect(rx.sent).toHaveLength(0);
  });
});
