import nodemailer, { type Transporter } from 'nodemailer';
import SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { guardedConnect, type OutboundGuard } from './outbound/index.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
}

/**
 * SMTP through nodemailer. Without SMTP_URL (the embedded default) mail is not sent but
 * logged, links included, so a local demo still lets people click through.
 *
 * `outbound` is for an SMTP URL someone other than the operator chose (an e-mail connection's):
 * the socket then goes through the guard like any webhook. The operator's own `SMTP_URL` is
 * configuration, not input, and connects wherever it says.
 */
export function createMailer(opts: { smtpUrl?: string; from?: string; log?: (line: string) => void; outbound?: OutboundGuard }): Mailer {
  const from = opts.from ?? 'Flightdeck <flightdeck@localhost>';
  let transport: Transporter;
  // nodemailer waits up to 2 minutes to connect and 10 for a quiet socket: far past a send's
  // attempt timeout, which would leave a live send looking like a dead worker's.
  const guard = opts.outbound;
  const getSocket: SMTPTransport.Options['getSocket'] | undefined = guard
    ? (o, done) => {
        const port = Number(o.port) || (o.secure ? 465 : 587);
        guardedConnect(guard, o.host || 'localhost', port).then(
          (connection) => done(null, { connection }),
          (err: Error) => done(err, undefined as never),
        );
      }
    : undefined;
  const timeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };
  if (opts.smtpUrl) {
    transport = nodemailer.createTransport(new SMTPTransport({ url: opts.smtpUrl, ...timeouts, ...(getSocket ? { getSocket } : {}) }));
  } else transport = nodemailer.createTransport({ jsonTransport: true });
  return {
    async send(mail) {
      const info = await transport.sendMail({ from, ...mail });
      if (!opts.smtpUrl) opts.log?.(`[mail to ${mail.to}] ${mail.subject}\n${mail.text}`);
      return { messageId: String(info.messageId) };
    },
  };
}
