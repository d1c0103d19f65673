import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from './support/stack.ts';
import { startSmtp } from './support/smtp.ts';
import { edge, fastRetry, flow, node } from './support/flows.ts';
import { startStandardWebhook, startTwilio, startWeCom } from '../../activities/test/channels/receivers.ts';
import { waitFor } from './support/wait-for.ts';

const WH_SECRET = 'whsec_' + Buffer.from('a signing secret of thirty two bytes!').toString('base64');

const sendFlow = (connection: string, extra: Record<string, unknown> = {}) =>
  flow(
    [
      node('start', 'trigger.manual'),
      node('send', 'channel.send', { connection, text: 'message {{ input.i }}', retry: fastRetry(4), ...extra }),
      node('done', 'control.end'),
      node('oops', 'control.end', { status: 'failed', reason: 'send failed' }),
    ],
    [edge('start', 'next', 'send'), edge('send', 'sent', 'done'), edge('send', 'failed', 'oops')],
  );

/** Quiet hours, rate limits, paused channels and recipients, on the real stack against local receivers. */
describe.concurrent('delivery rules', () => {
  let stack: TestStack;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;

  beforeAll(async () => {
    smtp = await startSmtp();
    stack = await startStack('delivery', { smtpUrl: smtp.url });
  });
  afterAll(async () => {
    await stack?.close();
    await smtp?.close();
  });

  const connect = async (body: Record<string, unknown>) => {
    const r = await stack.api.post('/api/connections', body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  };

  async function deliveriesOf(runId: string) {
    return (await stack.api.get(`/api/runs/${runId}/deliveries`)).body.items as {
      status: string;
      reason: string | null;
      notBefore: string | null;
      wasHeld: { reason: string; until: string | null } | null;
      recipient: string;
      channel: string;
      attempts: number;
      error: string | null;
    }[];
  }

  it('keeps to the connection rate limit with durable holds, not failed attempts', async () => {
    const robot = await startWeCom('rate-key');
    try {
      const id = await connect({
        kind: 'wecom',
        name: 'Rate-limited robot',
        secrets: { url: robot.webhookUrl },
        settings: { rateLimit: '2/6s' },
      });
      const { flowId } = await stack.api.publishFlow('rate', sendFlow(id));
      const runs = await Promise.all([1, 2, 3, 4, 5].map((i) => stack.api.startRun(flowId, { i })));
      const done = await Promise.all(runs.map((r) => stack.api.waitForRun(r)));
      expect(done.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed', 'completed']);
      expect(robot.deliveries).toHaveLength(5);
      expect(robot.duplicates).toBe(0);
      // The reserved send times keep two per 6 s (plus the jitter margin)…
      const slots = (
        await stack.server.db.pool.query(
          'select extract(epoch from at) * 1000 as at from delivery_slots where connection_id = $1 order by at',
          [id],
        )
      ).rows.map((r) => Number(r.at));
      expect(slots).toHaveLength(5);
      for (let i = 2; i < slots.length; i++) expect(slots[i]! - slots[i - 2]!).toBeGreaterThanOrEqual(6_000);
      // …and nothing left before its admitted time: the i-th arrival is no earlier than the i-th slot. (Gaps between
      // arrivals are not compared: a busy machine delays one request in transit more than the next, which says
      // nothing about the limiter.)
      const times = robot.deliveries.map((d) => d.at).sort((a, b) => a - b);
      for (let i = 0; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(Math.floor(slots[i]!));
      // The later ones were held by a durable timer (the output says so), and no Temporal retry was spent.
      const held = done.filter((r) => r.state.nodes.send.output.held?.some((h: { reason: string }) => h.reason === 'rate_limit'));
      expect(held.length).toBeGreaterThanOrEqual(2);
      for (const r of runs) for (const d of await deliveriesOf(r)) expect(d).toMatchObject({ status: 'sent', attempts: 1 });
      // Once sent, a held message's record still says why it came late: the rate limit, until its slot.
      for (const r of held) {
        const last = (r.state.nodes.send.output.held as { reason: string; since: string; until: string }[]).at(-1)!;
        expect(Date.parse(last.since)).toBeLessThanOrEqual(Date.parse(last.until));
        expect(await deliveriesOf(r.id)).toEqual([
          expect.objectContaining({ status: 'sent', reason: null, notBefore: null, wasHeld: { reason: 'rate_limit', until: last.until } }),
        ]);
      }
    } finally {
      await robot.close();
    }
  });

  it('gives messages whose reserved time passed during a hold fresh slots, so a resume is not a burst', async () => {
    const id = await connect({
      kind: 'webhook',
      name: 'Slot keeper',
      secrets: { url: 'http://127.0.0.1:9/x', secret: WH_SECRET },
      settings: { rateLimit: '1/10s' },
    });
    const { assignSlots } = await import('@flightdeck/activities');
    const limit = { max: 1, perMs: 10_000 };
    const keys = ['stale-a', 'stale-b', 'stale-c'].map((k) => `${k}-${Date.now()}`);
    const first = await stack.deps.deliveries.reserve(id, keys, (taken, n) => assignSlots(taken, n, limit, Date.now()));
    const times = keys.map((k) => first.get(k)!);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(10_000);
    // As if the run then sat out an hour of quiet hours: the reserved times are long past.
    await stack.server.db.pool.query(`update delivery_slots set at = at - interval '50 minutes' where connection_id = $1`, [id]);
    const now = Date.now();
    const again = await stack.deps.deliveries.reserve(id, keys, (taken, n) => assignSlots(taken, n, limit, Date.now()));
    const fresh = keys.map((k) => again.get(k)!);
    expect(fresh[0]!).toBeGreaterThanOrEqual(now - 1_000);
    expect(fresh[1]! - fresh[0]!).toBeGreaterThanOrEqual(10_000);
    expect(fresh[2]! - fresh[1]!).toBeGreaterThanOrEqual(10_000);
    // Asking again right away keeps those times.
    const same = await stack.deps.deliveries.reserve(id, keys, (taken, n) => assignSlots(taken, n, limit, Date.now()));
    expect(keys.map((k) => same.get(k))).toEqual(fresh);
  });

  it('a paused channel holds messages; a resume node signals the waiting run, which sends at once', async () => {
    const robot = await startWeCom('pause-key');
    try {
      const id = await connect({ kind: 'wecom', name: 'Pausable robot', secrets: { url: robot.webhookUrl } });
      const paused = await stack.api.post(`/api/connections/${id}/pause`, { reason: 'brand review of the copy' });
      expect(paused.body).toMatchObject({ paused: true, pausedReason: 'brand review of the copy' });
      const { flowId } = await stack.api.publishFlow('paused send', sendFlow(id));
      const runId = await stack.api.startRun(flowId, { i: 'held while paused' });
      await waitFor('the paused hold', async () => (await deliveriesOf(runId)).some((d) => d.reason === 'paused'));
      expect(await deliveriesOf(runId)).toEqual([expect.objectContaining({ status: 'held', reason: 'paused', notBefore: null })]);
      const shown = async () => (await stack.api.get(`/api/runs/${runId}`)).body.state.nodes.send.detail?.held?.reason === 'paused';
      await waitFor('the hold in the run view', shown);
      // The hold is recorded before the activity answers, and the run now waits for the resume: nothing went out.
      expect(robot.requests).toHaveLength(0);

      const resume = flow(
        [
          node('start', 'trigger.manual'),
          node('resume', 'campaign.channel_control', { connection: id, action: 'resume' }),
          node('done', 'control.end'),
        ],
        [edge('start', 'next', 'resume'), edge('resume', 'next', 'done')],
      );
      const resumer = await stack.api.publishFlow('resume channel', resume);
      const resumeRun = await stack.api.waitForRun(await stack.api.startRun(resumer.flowId));
      expect(resumeRun.state.nodes.resume.output).toEqual({ paused: false, resumedRuns: 1 });
      const run = await stack.api.waitForRun(runId);
      expect(run.status).toBe('completed');
      expect(robot.deliveries).toHaveLength(1);
      expect(await deliveriesOf(runId)).toEqual([expect.objectContaining({ status: 'sent', wasHeld: { reason: 'paused', until: null } })]);
      // Signalled, not found at the next hourly check: the history holds the signal, and its recheck timer never fired.
      const history = await stack.server.temporal.client.workflow.getHandle(`run-${runId}`).fetchHistory();
      expect(history.events!.some((e) => e.workflowExecutionSignaledEventAttributes)).toBe(true);
      expect(history.events!.filter((e) => e.timerFiredEventAttributes)).toHaveLength(0);
      const audit = (await stack.api.get(`/api/audit?entityId=${id}`)).body.items as { action: string }[];
      expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['connection.paused', 'connection.resumed']));
    } finally {
      await robot.close();
    }
  });

  it('sends SMS to the people a role names, one each, and fails only whoever has no number', async () => {
    const twilio = await startTwilio('AC123', 'twilio-token');
    try {
      const dept = `SMS ${Date.now()}`;
      const a = await stack.user('Ann Approver', [{ role: 'approver', department: dept }], { department: dept, phone: '+8613800000001' });
      const b = await stack.user('Ben Approver', [{ role: 'approver', department: dept }], { department: dept, phone: '+8613800000002' });
      await stack.user('Cai NoPhone', [{ role: 'approver', department: dept }], { department: dept });
      const id = await connect({
        kind: 'sms',
        name: 'Twilio',
        secrets: { accountSid: 'AC123', authToken: 'twilio-token', baseUrl: twilio.base },
        settings: { from: '+15005550006' },
      });
      const graph = sendFlow(id, {
        text: 'Hi {{ recipient.name }}, launch review at 10:00',
        people: [{ kind: 'role', role: 'approver', department: dept }],
      });
      const { flowId } = await stack.api.publishFlow('sms to role', graph);
      const run = await stack.api.waitForRun(await stack.api.startRun(flowId, {}));
      expect(run.state.nodes.send.handle).toBe('failed');
      expect(run.state.nodes.send.output).toMatchObject({ sent: 2, failed: 1, error: 'Cai NoPhone has no phone number' });
      const bodies = twilio.deliveries.map((d) => Object.fromEntries(new URLSearchParams(d.body)));
      expect(bodies.map((f) => f.To).sort()).toEqual(['+8613800000001', '+8613800000002']);
      expect(bodies.find((f) => f.To === '+8613800000001')!.Body).toBe('Hi Ann Approver, launch review at 10:00');
      expect([a.id, b.id]).toHaveLength(2);
    } finally {
      await twilio.close();
    }
  });

  it('e-mails the owner and a role, one message each, the campaign name escaped in the HTML part; in-app reaches the bell', async () => {
    const dept = `Mail ${Date.now()}`;
    const owner = await stack.user('Olive Owner', [{ role: 'designer', department: dept }], { department: dept });
    const legal = await stack.user('Lars Legal', [{ role: 'approver', department: dept }], { department: dept });
    const departmentId = await stack.departmentId(dept);
    const campaign = (
      await stack.api.post('/api/campaigns', {
        name: '<b>Spring</b> & "Friends" sale',
        departmentId,
        ownerId: owner.id,
        timezone: 'Asia/Shanghai',
        goals: [],
        budget: { total: 1000, currency: 'CNY' },
        phases: [],
        channels: [],
      })
    ).body;
    expect(campaign.id).toBeTruthy();
    const graph = flow(
      [
        node('start', 'trigger.manual'),
        node('mail', 'channel.email', {
          owner: true,
          people: [{ kind: 'role', role: 'approver', department: dept }],
          subject: 'Ready: {{ campaign.name }}',
          text: 'Hello {{ recipient.name }}, {{ campaign.name }} is ready.',
          html: '<p>Hello {{ recipient.name }}, <em>{{ campaign.name }}</em> is ready.</p>',
          retry: fastRetry(3),
        }),
        node('bell', 'channel.in_app', {
          owner: true,
          title: '{{ campaign.name }} is ready',
          text: 'Mail sent to {{ nodes.mail.output.sent }} people',
        }),
        node('done', 'control.end'),
      ],
      [edge('start', 'next', 'mail'), edge('mail', 'sent', 'bell'), edge('bell', 'sent', 'done')],
    );
    const { flowId } = await stack.api.publishFlow('mail and bell', graph);
    const runId = await stack.api.startRun(flowId, {}, campaign.id);
    const run = await stack.api.waitForRun(runId);
    expect(run.status, JSON.stringify(run.state?.nodes)).toBe('completed');
    const mails = smtp.mails.filter((m) => m.subject.includes('Spring'));
    expect(mails.map((m) => m.to[0]).sort()).toEqual([legal.email, owner.email].sort());
    const toOwner = mails.find((m) => m.to[0] === owner.email)!;
    expect(toOwner.text).toContain('Hello Olive Owner, <b>Spring</b> & "Friends" sale is ready.');
    expect(toOwner.html).toContain('<em>&lt;b&gt;Spring&lt;/b&gt; &amp; &#34;Friends&#34; sale</em>');
    const bell = await owner.api.get('/api/notifications');
    expect(bell.body.unread).toBe(1);
    expect(bell.body.items[0]).toMatchObject({
      title: '<b>Spring</b> & "Friends" sale is ready',
      body: 'Mail sent to 2 people',
      link: `/runs/${runId}`,
    });
    expect((await legal.api.get('/api/notifications')).body.items).toHaveLength(0);
    expect((await owner.api.post('/api/notifications/read', { ids: [bell.body.items[0].id] })).body).toEqual({ unread: 0 });
    const deliveries = await deliveriesOf(runId);
    expect(deliveries.map((d) => `${d.channel}:${d.status}`).sort()).toEqual(['email:sent', 'email:sent', 'in-app:sent']);
  });

  it("an unconfirmed e-mail sent by the server's own mailer is resent through it, once, as a linked delivery", async () => {
    const graph = flow(
      [
        node('start', 'trigger.manual'),
        node('mail', 'channel.email', { to: 'resend.me@example.test', subject: 'Server mail to resend', text: 'Once more, by hand' }),
        node('done', 'control.end'),
      ],
      [edge('start', 'next', 'mail'), edge('mail', 'sent', 'done')],
    );
    const { flowId } = await stack.api.publishFlow('server mail resend', graph);
    const runId = await stack.api.startRun(flowId, {});
    expect((await stack.api.waitForRun(runId)).status).toBe('completed');
    type Row = { id: string; status: string; connectionId: string | null; resendable: boolean; resendOf: string | null };
    const [sent] = (await stack.api.get(`/api/runs/${runId}/deliveries`)).body.items as Row[];
    expect(sent).toMatchObject({ status: 'sent', connectionId: null, resendable: false });
    // What a worker killed between the SMTP answer and its record leaves (engine/test/channels-crash.test.ts makes it for real).
    await stack.server.db.pool.query(`update deliveries set status = 'unconfirmed' where id = $1`, [sent!.id]);
    const [unconfirmed] = (await stack.api.get(`/api/runs/${runId}/deliveries`)).body.items as Row[];
    expect(unconfirmed).toMatchObject({ status: 'unconfirmed', resendable: true });

    const resent = await stack.api.post(`/api/deliveries/${sent!.id}/resend`, {});
    expect(resent.status, JSON.stringify(resent.body)).toBe(201);
    expect(resent.body).toMatchObject({ status: 'sent', resendOf: sent!.id, connectionId: null, resendable: false });
    const mails = smtp.mails.filter((m) => m.subject === 'Server mail to resend');
    expect(mails).toHaveLength(2);
    expect(mails[1]).toMatchObject({ to: ['resend.me@example.test'], text: mails[0]!.text, html: mails[0]!.html });
    // Once: a second press is refused, and nothing more is sent.
    const again = await stack.api.post(`/api/deliveries/${sent!.id}/resend`, {});
    expect(again.status).toBe(409);
    expect(smtp.mails.filter((m) => m.subject === 'Server mail to resend')).toHaveLength(2);
  });

  it('refuses to send e-mail through a chat connection, and SMS without recipients, with a clear reason', async () => {
    const robot = await startWeCom('wrong-kind');
    try {
      const id = await connect({ kind: 'wecom', name: 'Not a mailbox', secrets: { url: robot.webhookUrl } });
      const mailGraph = flow(
        [
          node('start', 'trigger.manual'),
          node('mail', 'channel.email', { connection: id, to: 'someone@example.test', subject: 's', text: 't', retry: fastRetry(2) }),
          node('done', 'control.end'),
          node('oops', 'control.end', { status: 'failed', reason: 'mail failed' }),
        ],
        [edge('start', 'next', 'mail'), edge('mail', 'sent', 'done'), edge('mail', 'failed', 'oops')],
      );
      const mailRun = await stack.api.waitForRun(
        await stack.api.startRun((await stack.api.publishFlow('mail via wecom', mailGraph)).flowId, {}),
      );
      expect(mailRun.state.nodes.mail).toMatchObject({
        handle: 'failed',
        output: { error: 'The connection "Not a mailbox" is a wecom connection; this node sends email' },
      });
      const sms = await connect({
        kind: 'sms',
        name: 'SMS nobody',
        secrets: { accountSid: 'AC1', authToken: 'x', baseUrl: 'http://127.0.0.1:9' },
        settings: { from: '+15005550006' },
      });
      const smsRun = await stack.api.waitForRun(
        await stack.api.startRun((await stack.api.publishFlow('sms nobody', sendFlow(sms))).flowId, {}),
      );
      expect(smsRun.state.nodes.send).toMatchObject({
        handle: 'failed',
        output: { error: 'A sms message needs recipients; none were given or found' },
      });
      expect(robot.requests).toHaveLength(0);
    } finally {
      await robot.close();
    }
  });

  it('broadcasts to 1,200 recipients in three batches: each receives one message, even when a batch is retried mid-way', async () => {
    const hook = await startStandardWebhook(WH_SECRET);
    try {
      const id = await connect({ kind: 'webhook', name: 'Audience endpoint', secrets: { url: hook.url, secret: WH_SECRET } });
      const graph = flow(
        [
          node('start', 'trigger.manual'),
          node('blast', 'channel.broadcast', {
            connection: id,
            recipients: 'input.recipients',
            text: 'Hi {{ recipient.name }}',
            batchSize: 500,
            retry: fastRetry(5),
          }),
          node('done', 'control.end'),
        ],
        [edge('start', 'next', 'blast'), edge('blast', 'sent', 'done')],
      );
      const { flowId } = await stack.api.publishFlow('broadcast', graph);
      const recipients = Array.from({ length: 1200 }, (_, i) => ({ address: `customer-${i}@example.test`, name: `Customer ${i}` }));
      // The 700th request fails with a 503 (forced as it arrives): that batch is retried, and the ledger skips who
      // already got it.
      hook.onRequest = () => {
        if (hook.requests.length === 700) hook.forced.push({ status: 503, body: 'busy' });
      };
      const runId = await stack.api.startRun(flowId, { recipients });
      const run = await stack.api.waitForRun(runId);
      expect(run.status).toBe('completed');
      expect(run.state.nodes.blast.output).toMatchObject({ sent: 1200, failed: 0, batches: 3 });
      expect(hook.forced).toEqual([]); // the 503 was given
      expect(hook.deliveries).toHaveLength(1200);
      expect(hook.duplicates).toBe(0);
      expect(new Set(hook.deliveries.map((d) => JSON.parse(d.body).data.to[0])).size).toBe(1200);
      const listed = (await stack.api.get(`/api/runs/${runId}/deliveries`)).body;
      expect(listed).toMatchObject({ total: 1200, counts: { sent: 1200 } });
      expect(listed.items).toHaveLength(500);
      const history = await stack.server.temporal.client.workflow.getHandle(`run-${runId}`).fetchHistory();
      const scheduled = history.events!.filter((e) => e.activityTaskScheduledEventAttributes);
      expect(scheduled.length).toBeLessThanOrEqual(4);
      expect(history.events!.length).toBeLessThan(60);
    } finally {
      await hook.close();
    }
  });
});

/**
 * Quiet hours on the real stack, read on a clock the test sets: the activities see 07:59:58 in Shanghai inside
 * 22:00-08:00, the test moves the clock to 08:00 once the hold is recorded, and the run's own timer (the 2 s that
 * were left) brings it back. Waiting for a real window to end took up to 90 s and raced the clock.
 */
describe('quiet hours on a controlled clock', () => {
  const OPENS_AT = Date.UTC(2030, 5, 18, 0, 0, 0); // 08:00 in Shanghai
  let now = OPENS_AT - 2_000;
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack('quiet', { quietHoursClock: () => now });
  });
  afterAll(async () => stack?.close());

  it('holds a message in quiet hours (the connection time zone) and sends it when the window opens', async () => {
    const hook = await startStandardWebhook(WH_SECRET);
    try {
      const settings = { quietHours: '22:00-08:00', timezone: 'Asia/Shanghai' };
      const secrets = { url: hook.url, secret: WH_SECRET };
      const r = await stack.api.post('/api/connections', { kind: 'webhook', name: 'Quiet partner', secrets, settings });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const { flowId } = await stack.api.publishFlow('quiet', sendFlow(r.body.id));
      const runId = await stack.api.startRun(flowId, { i: 'after quiet hours' });
      const deliveries = async () => (await stack.api.get(`/api/runs/${runId}/deliveries`)).body.items;
      // (The row opens as "sending" and becomes "held" a moment later: the wait is for the hold itself.)
      const held = await waitFor('the quiet-hours hold', async () => {
        const items = await deliveries();
        return items.some((d: { status: string }) => d.status === 'held') && items;
      });
      const opens = new Date(OPENS_AT).toISOString();
      expect(held).toEqual([expect.objectContaining({ status: 'held', reason: 'quiet_hours', notBefore: opens, channel: 'webhook' })]);
      // However long this took, the clock still says 07:59:58: every look at it since has held the message again.
      expect(hook.requests).toHaveLength(0);
      now = OPENS_AT;
      const run = await stack.api.waitForRun(runId);
      expect(run.status).toBe('completed');
      const holds = run.state.nodes.send.output.held as unknown[];
      expect(holds.length).toBeGreaterThanOrEqual(1);
      for (const h of holds) expect(h).toEqual({ reason: 'quiet_hours', since: expect.any(String), until: opens });
      expect(hook.deliveries).toHaveLength(1);
      expect(await deliveries()).toEqual([
        expect.objectContaining({ status: 'sent', attempts: 1, reason: null, wasHeld: { reason: 'quiet_hours', until: opens } }),
      ]);
    } finally {
      await hook.close();
    }
  });
});
