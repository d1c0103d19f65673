// The Aliyun and Tencent Cloud signers against the worked examples in the providers' own documents.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  aliyunPercentEncode,
  aliyunSignature,
  aliyunStringToSign,
  buildAliyunRequest,
  buildTencentRequest,
  tc3Authorization,
  tc3CanonicalRequest,
  tc3Signature,
  tc3StringToSign,
  type Tc3Input,
} from '../src/channels/index.ts';

describe('Aliyun RPC signature (HMAC-SHA1, version 1.0)', () => {
  it('matches the SendSms example of the SMS HTTP document (testId / testSecret, GET)', () => {
    const params = {
      AccessKeyId: 'testId',
      Action: 'SendSms',
      Format: 'XML',
      OutId: '123',
      PhoneNumbers: '15300000001',
      RegionId: 'cn-hangzhou',
      SignName: '阿里云短信测试专用',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466',
      SignatureVersion: '1.0',
      TemplateCode: 'SMS_71390007',
      TemplateParam: '{"customer":"test"}',
      Timestamp: '2017-07-12T02:42:19Z',
      Version: '2017-05-25',
    };
    expect(aliyunStringToSign('GET', params)).toBe(
      'GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D15300000001' +
        '%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1' +
        '%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1' +
        '%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007' +
        '%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D%26Timestamp%3D2017-07-12T02%253A42%253A19Z' +
        '%26Version%3D2017-05-25',
    );
    expect(aliyunSignature('GET', params, 'testSecret')).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
  });

  it('matches the DescribeRegions example of the RPC signature document (testid / testsecret)', () => {
    const params = {
      Format: 'XML',
      AccessKeyId: 'testid',
      Action: 'DescribeRegions',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
      SignatureVersion: '1.0',
      Version: '2014-05-26',
      Timestamp: '2016-02-23T12:46:24Z',
    };
    expect(aliyunSignature('GET', params, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  it("percent-encodes as the POP spec says: space %20, '*' %2A, '~' kept, UTF-8 bytes upper-case", () => {
    expect(aliyunPercentEncode("a b*~!'()/+=&")).toBe('a%20b%2A~%21%27%28%29%2F%2B%3D%26');
    expect(aliyunPercentEncode('派')).toBe('%E6%B4%BE');
  });

  it('builds a POST whose form body carries every common parameter and the signature over them', () => {
    const now = Date.UTC(2026, 4, 20, 8, 0, 0, 123);
    const req = buildAliyunRequest(
      {
        kind: 'sms',
        provider: 'aliyun',
        accessKeyId: 'LTAI-id',
        accessKeySecret: 'secret',
        signName: '飞行甲板',
        templateCode: 'SMS_1',
      },
      { to: '+8613800001111', body: '618 预热开始' },
      now,
      'msg_key',
    );
    expect(req.url).toBe('https://dysmsapi.aliyuncs.com/');
    const form = new URLSearchParams(req.body);
    expect(form.get('Timestamp')).toBe('2026-05-20T08:00:00Z');
    expect(form.get('PhoneNumbers')).toBe('8613800001111');
    expect(JSON.parse(form.get('TemplateParam')!)).toEqual({ content: '618 预热开始' });
    const params = Object.fromEntries([...form].filter(([k]) => k !== 'Signature'));
    expect(form.get('Signature')).toBe(aliyunSignature('POST', params, 'secret'));
    // Reproducible: the same inputs, the same request.
    expect(buildAliyunRequest({ ...conn() }, { to: '+8613800001111', body: 'x' }, now, 'k').body).toBe(
      buildAliyunRequest({ ...conn() }, { to: '+8613800001111', body: 'x' }, now, 'k').body,
    );
  });
});

const conn = () => ({
  kind: 'sms' as const,
  provider: 'aliyun' as const,
  accessKeyId: 'a',
  accessKeySecret: 'b',
  signName: 's',
  templateCode: 't',
});

describe('Tencent Cloud TC3-HMAC-SHA256', () => {
  // The worked example of the "Signature v3" document (CVM DescribeInstances).
  const example: Tc3Input = {
    secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
    host: 'cvm.tencentcloudapi.com',
    service: 'cvm',
    timestamp: 1551113065,
    payload: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
  };

  it('matches the document: canonical request, string to sign, signature and Authorization', () => {
    expect(tc3CanonicalRequest(example)).toBe(
      'POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n' +
        '35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064',
    );
    expect(tc3StringToSign(example)).toBe(
      'TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031',
    );
    expect(tc3Signature(example)).toBe('72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168');
    expect(tc3Authorization('AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE', example)).toBe(
      'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, ' +
        'SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    );
  });

  it('takes the credential date from the UTC day, not the local one (00:44 in Beijing is still the 25th)', () => {
    expect(tc3StringToSign({ ...example, timestamp: Date.UTC(2019, 1, 25, 16, 44, 25) / 1000 })).toContain('2019-02-25/cvm/');
  });

  it('builds SendSms with the action headers, the payload it signed, and the message as the template parameter', () => {
    const now = 1_779_264_000_000;
    const req = buildTencentRequest(
      {
        kind: 'sms',
        provider: 'tencent',
        secretId: 'AKID-x',
        secretKey: 'key',
        smsSdkAppId: '1400006666',
        signName: '腾讯云',
        templateId: '1110',
      },
      { to: '+8613800001111', body: '618 预热开始' },
      now,
      'msg_key',
    );
    expect(req.url).toBe('https://sms.tencentcloudapi.com/');
    expect(req.headers).toMatchObject({
      'x-tc-action': 'SendSms',
      'x-tc-version': '2021-01-11',
      'x-tc-region': 'ap-guangzhou',
      'x-tc-timestamp': String(now / 1000),
      host: 'sms.tencentcloudapi.com',
    });
    expect(JSON.parse(req.body)).toEqual({
      PhoneNumberSet: ['+8613800001111'],
      SmsSdkAppId: '1400006666',
      SignName: '腾讯云',
      TemplateId: '1110',
      TemplateParamSet: ['618 预热开始'],
      SessionContext: 'msg_key',
    });
    const input = { secretKey: 'key', host: 'sms.tencentcloudapi.com', service: 'sms', timestamp: now / 1000, payload: req.body };
    expect(req.headers.authorization).toBe(tc3Authorization('AKID-x', input));
    expect(createHash('sha256').update(req.body).digest('hex')).toBe(tc3CanonicalRequest(input).split('\n').at(-1));
  });
});
