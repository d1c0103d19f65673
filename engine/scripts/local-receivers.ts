/**
 * Local stand-ins for a demo without internet: a WeCom-style group robot and an SMTP mailbox,
 * both on loopback, printing what they receive.
 *
 *   npx tsx engine/scripts/local-receivers.ts
 *   # then: a WeCom connection with the printed robot URL, and start Flightdeck with
 *   # FLIGHTDECK_OUTBOUND_ALLOW=127.0.0.1:4101 SMTP_URL=smtp://127.0.0.1:2525 npm start
 *
 * Outbound calls refuse loopback unless the allowlist names it, so the robot's exact host and
 * port are allowed, nothing else on the machine. (SMTP_URL is the operator's own setting and
 * needs no allowlist.)
 */
import { createServer } from 'node:http';
import { SMTPServer } from 'smtp-server';
import { textPart } from './mail-text.ts';

const ROBOT_PORT = Number(process.env.ROBOT_PORT ?? 4101);
const SMTP_PORT = Number(process.env.SMTP_PORT ?? 2525);
const KEY = 'local-demo-key';

const robot = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${ROBOT_PORT}`);
    const reply = (b: object) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(b));
    if (url.pathname !== '/cgi-bin/webhook/send' || url.searchParams.get('key') !== KEY)
      return reply({ errcode: 93000, errmsg: 'invalid webhook url' });
    try {
      const msg = JSON.parse(body) as { msgtype: string; text?: { content: string }; markdown?: { content: string } };
      console.log(`\n[WeCom robot] ${new Date().toISOString()} ${msg.msgtype}\n${msg.text?.content ?? msg.markdown?.content ?? body}`);
      reply({ errcode: 0, errmsg: 'ok' });
    } catch {
      reply({ errcode: 40008, errmsg: 'invalid message type' });
    }
  });
});
robot.listen(ROBOT_PORT, '127.0.0.1', () => {
  console.log(`WeCom-style robot URL: http://127.0.0.1:${ROBOT_PORT}/cgi-bin/webhook/send?key=${KEY}`);
  console.log(`Allow Flightdeck to reach it: FLIGHTDECK_OUTBOUND_ALLOW=127.0.0.1:${ROBOT_PORT}`);
});

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  onData(stream, session, done) {
    let raw = '';
    stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    stream.on('end', () => {
      const subject = /^subject: (.*)$/im.exec(raw)?.[1] ?? '';
      console.log(`\n[mailbox] ${new Date().toISOString()} to ${session.envelope.rcptTo.map((r) => r.address).join(', ')}: ${subject}`);
      // The text too: its one-click links are what a local demo clicks.
      console.log(textPart(raw));
      done();
    });
  },
});
smtp.listen(SMTP_PORT, '127.0.0.1', () => console.log(`SMTP mailbox: SMTP_URL=smtp://127.0.0.1:${SMTP_PORT}`));
