/** The readable parts of a raw nodemailer message: enough for the local mailbox and the tests to follow its links. */

function decodeQuotedPrintable(s: string): string {
  const bytes = s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** The plain-text body of a nodemailer message, enough to follow its links. */
export function textPart(raw: string, type: 'plain' | 'html' = 'plain'): string {
  const parts = raw.split(/\r?\n--[^\r\n]+\r?\n/);
  const part = parts.find((p) => new RegExp(`content-type: text/${type}`, 'i').test(p));
  if (!part) return type === 'plain' ? raw : '';
  const [head, ...body] = part.split(/\r?\n\r?\n/);
  const content = body.join('\n\n');
  if (/content-transfer-encoding: quoted-printable/i.test(head ?? '')) return decodeQuotedPrintable(content);
  if (/content-transfer-encoding: base64/i.test(head ?? '')) return Buffer.from(content.replace(/\s+/g, ''), 'base64').toString('utf8');
  return content;
}
