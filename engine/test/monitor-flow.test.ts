import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startStack, type TestStack } from './support/stack.ts';
import { startSmtp } from './support/smtp.ts';
import { startWeCom } from '../../activities/test/channels/receivers.ts';
import { waitFor } from './support/wait-for.ts';
import { crisisFlow, HOUR, S618_START as START, scenarioIngest } from './support/crisis-flow.ts';

/**
 * The monitoring half of the lifecycle end to end, on real PostgreSQL and Temporal: the 618 scenario's
 * metrics arrive through the ingest API as an ad platform's export would send them (hour by hour, in
 * batches); the crisis monitor fires once, in event time, on the negative-mentions spike; the escalation
 * policy tells level 1 in a WeCom robot, finds no ack in time, mails level 2 (the department head), and
 * stops when the head acknowledges from the one-click link in that mail.
 */
describe('monitor → alert → escalation, on the 618 scenario', () => {
  let stack: TestStack;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let robot: Awaited<ReturnType<typeof startWeCom>>;

  beforeAll(async () => {
    smtp = await startSmtp();
    robot = await startWeCom('crisis-room');
    stack = await startStack('monitorflow', { smtpUrl: smtp.url });
  });
  afterAll(async () => {
    await stack?.close();
    await robot?.close();
    await smtp?.close();
  });

  it('fires once on the spike, escalates past an unanswered level 1, and an ack from the mail stops it', async () => {
    const { owner, head, campaign, flowId } = await crisisFlow(stack, robot.webhookUrl);
    const runId = await owner.api.startRun(flowId, {}, campaign.id);
    // Attached (its id in the node's detail), not only started: points sent before the attach would have no rules to meet.
    await waitFor(
      'the monitor attached',
      async () => (await owner.api.get(`/api/runs/${runId}`)).body.state?.nodes.monitor?.detail?.monitorId,
    );

    const { post, ingest } = await scenarioIngest(stack, campaign.id, owner.id);
    // Into the spike (hours 494–506), not past it: the rule would resolve the alert and end the escalation.
    await ingest(0, 500);

    // Exactly one alert, the spike's, at a simulated time inside the injected window (hours 494–506).
    const list = (await owner.api.get(`/api/alerts?campaignId=${campaign.id}`)).body;
    expect(list.items.map((a: { ruleId: string }) => a.ruleId)).toEqual(['negative_spike']);
    const alert = list.items[0];
    const firedHour = (Date.parse(alert.firedAt) - START) / HOUR;
    expect(firedHour).toBeGreaterThanOrEqual(494);
    expect(firedHour).toBeLessThan(506);
    expect(alert.severity).toBe('critical');

    // Level 1: the robot. Nobody acks within its 2 s, so level 2: a mail to the department head with their own link.
    await waitFor('level 1 in the WeCom robot', () => robot.requests.length >= 1);
    expect(JSON.stringify(robot.requests[0]!.body)).toContain('Level 1');
    const mail = await waitFor('level 2 in the head’s mailbox', () => smtp.mails.find((m) => m.to.includes(head.email)));
    const link = /https?:\/\/\S*\/alert-ack\?token=[\w.-]+/.exec(mail.text)?.[0];
    expect(link, mail.text).toBeTruthy();
    const page = await fetch(link!);
    expect(page.status).toBe(200);
    expect((await owner.api.get(`/api/alerts/${alert.id}`)).body.state).toBe('firing');
    const acked = await fetch(`${stack.url}/alert-ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: new URL(link!).searchParams.get('token')! }).toString(),
    });
    expect(acked.status).toBe(200);

    // The ack stops the ladder at once: the escalation takes its acknowledged handle and level 3 is never called.
    const escalated = await owner.api.waitForNode(runId, 'escalate', 'completed');
    expect(escalated.state.nodes.escalate.handle ?? escalated.state.nodes.escalate.output?.by).toBe('acknowledged');
    const view = (await owner.api.get(`/api/alerts/${alert.id}`)).body;
    expect(view).toMatchObject({ state: 'acknowledged', acknowledgedBy: { id: head.id } });
    const kinds = view.timeline.map((t: { kind: string }) => t.kind);
    expect(kinds).toEqual(expect.arrayContaining(['fired', 'notified', 'escalated', 'acknowledged']));
    expect(kinds.filter((k: string) => k === 'escalated')).toHaveLength(1);
    const mailsToAdmins = smtp.mails.filter((m) => !m.to.includes(head.email) && /Level 3/.test(m.text));
    expect(mailsToAdmins).toHaveLength(0);

    // The rest of the scenario's day: the spike ends, the rule resolves the acknowledged alert, and nothing else fires.
    await ingest(500, 520);
    const after = (await owner.api.get(`/api/alerts?campaignId=${campaign.id}`)).body.items;
    expect(after.map((a: { id: string; state: string }) => [a.id, a.state])).toEqual([[alert.id, 'resolved']]);

    // The monitor's state is in the run view's detail, and its row keeps the rule's state for the next loop.
    const monitorRows = await stack.server.db.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM monitors WHERE campaign_id = ${campaign.id}`,
    );
    expect(monitorRows.rows[0]!.n).toBe(1);

    // A silence: the next spike opens its alert, but nobody hears of it until the silence ends, and then at once.
    const arrivals: number[] = [];
    robot.onRequest = () => arrivals.push(Date.now());
    const endsAt = new Date(Date.now() + 4_000).toISOString();
    const silence = await owner.api.post('/api/silences', { campaignId: campaign.id, ruleId: 'negative_spike', endsAt, comment: 'on it' });
    expect(silence.status, JSON.stringify(silence.body)).toBe(201);
    await waitFor('the monitor watching again', async () => {
      const run = await owner.api.get(`/api/runs/${runId}`);
      return run.body.state.nodes.monitor.executions === 2 && run.body.state.nodes.monitor.status === 'running';
    });
    const at = (h: number) => new Date(START + h * HOUR).toISOString();
    const spike = ['douyin_ads', 'xhs_kol', 'tmall_search'].map((channel) => `${at(530)},${channel},negative_mentions,50`);
    expect((await post(spike)).status).toBe(200);
    const open = (await owner.api.get(`/api/alerts?campaignId=${campaign.id}&state=open`)).body.items;
    expect(open.map((a: { ruleId: string }) => a.ruleId)).toEqual(['negative_spike']);
    await waitFor('level 1 once the silence is over', () => arrivals.length >= 1);
    expect(arrivals[0]!).toBeGreaterThanOrEqual(Date.parse(endsAt));
  });
});
