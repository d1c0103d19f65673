import nodemailer, { type Transporter } from 'nodemailer';

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
 */
export function createMailer(opts: { smtpUrl?: string; from?: string; log?: (line: string) => void }): Mailer {
  const from = opts.from ?? 'Flightdeck <flightdeck@localhost>';
  let transport: Transporter;
  if (opts.smtpUrl) transport = nodemailer.createTransport(opts.smtpUrl);
  else transport = nodemailer.createTransport({ jsonTransport: true });
  return {
    async send(mail) {
      const info = await transport.sendMail({ from, ...mail });
      if (!opts.smtpUrl) opts.log?.(`[mail to ${mail.to}] ${mail.subject}\n${mail.text}`);
      return { messageId: String(info.messageId) };
    },
  };
}
