import { SMTPServer } from 'smtp-server';
import { textPart } from '../../scripts/mail-text.ts';

export interface ReceivedMail {
  to: string[];
  raw: string;
  subject: string;
  /** The plain-text part, quoted-printable decoded. */
  text: string;
  /** The HTML part, decoded; empty when there is none. */
  html: string;
}

/** A real SMTP server on loopback, collecting what it receives. */
export async function startSmtp(): Promise<{
  url: string;
  mails: ReceivedMail[];
  /** Called as each mail is received, before the sender hears it was: a test can act on the arrival (kill the sender). */
  onMail?: (mail: ReceivedMail) => void;
  close(): Promise<void>;
}> {
  const mails: ReceivedMail[] = [];
  const hooks: { onMail?: (mail: ReceivedMail) => void } = {};
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const subject = /^subject: (.*)$/im.exec(raw)?.[1]?.trim() ?? '';
        const mail = { to: session.envelope.rcptTo.map((r) => r.address), raw, subject, text: textPart(raw), html: textPart(raw, 'html') };
        mails.push(mail);
        hooks.onMail?.(mail);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return Object.assign(hooks, {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

export function linksIn(mail: ReceivedMail): { approve: string; reject: string } {
  const approve = /Approve: (\S+)/.exec(mail.text)?.[1];
  const reject = /Reject: (\S+)/.exec(mail.text)?.[1];
  if (!approve || !reject) throw new Error(`no links in mail: ${mail.text}`);
  return { approve, reject };
}
