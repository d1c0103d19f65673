import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startStack, type TestStack } from './support/stack.ts';
import { startSmtp } from './support/smtp.ts';
import { startWeCom } from '../../activities/test/channels/receivers.ts';
import { waitFor } from './support/wait-for.ts';
import { scenarioIngest } from './support/crisis-flow.ts';

const scenario = JSON.parse(readFileSync(fileURLToPath(new URL('../seed/s618-new-product-launch.campaign.json', import.meta.url)), 'utf8'));

/**
 * "A policy republished while an alert is open": the 618 negative-mentions spike opens an alert that version 1 of
 * "Crisis response" escalates (level 1 a WeCom robot with 2 s to answer, level 2 the department head by mail). While
 * level 1's message is in flight (the robot holds its answer, so the republish happens inside the ladder, not in a
 * race with it), version 2 is published with another policy: another robot with 3 s, then the PR lead. The open
 * alert goes on with version 1's ladder; a run of version 2 on a second campaign follows the new one.
 */
describe('an escalation policy republished while an alert is open', () => {
  let stack: TestStack;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let robotA: Awaited<ReturnType<typeof startWeCom>>;
  let robotB: Awaited<ReturnType<typeof startWeCom>>;

  beforeAll(async () => {
    smtp = await startSmtp();
    robotA = await startWeCom('republish-room-a');
    robotB = await startWeCom('republish-room-b');
    stack = await startStack('republish', { smtpUrl: smtp.url });
  });
  afterAll(async () => {
    await stack?.close();
    await robotA?.close();
    await robotB?.close();
    await smtp?.close();
  });

  it('the open alert keeps version 1’s ladder; a run of version 2 follows the new one', async () => {
    const owner = await stack.user('Rae Owner', [{ role: 'designer', department: 'E-commerce' }], { department: 'E-commerce' });
    const head = await stack.user('Hal Head', [{ role: 'approver', department: 'E-commerce' }], {
      department: 'E-commerce',
      head: 'E-commerce',
    });
    const pr = await stack.user('Pia PR', [{ role: 'approver', department: 'E-commerce' }], { department: 'E-commerce' });
    const campaignFor = async (suffix: string) => {
      const res = await owner.api.post('/api/campaigns/import', { ...scenario, id: `${scenario.id}-${suffix}`, name: `618 ${suffix}` });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as { id: string; departmentId: string };
    };
    const first = await campaignFor('first');
    const second = await campaignFor('second');
    const connection = async (name: string, url: string) => {
      const res = await stack.api.post('/api/connections', { kind: 'wecom', name, departmentId: first.departmentId, secrets: { url } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const roomA = await connection('Room A', robotA.webhookUrl);
    const roomB = await connection('Room B', robotB.webhookUrl);

    const flow = (await owner.api.post('/api/templates/crisis-response/flows', { name: 'Crisis, republished' })).body;
    const publish = async (levels: unknown[]) => {
      const graph = structuredClone(flow.graph);
      graph.nodes.find((n: { id: string }) => n.id === 'escalate').config.levels = levels;
      expect((await owner.api.put(`/api/flows/${flow.id}`, { name: 'Crisis, republished', graph })).status).toBe(200);
      const published = await owner.api.post(`/api/flows/${flow.id}/versions`, {});
      expect(published.status, JSON.stringify(published.body)).toBe(201);
      return published.body.version as number;
    };
    const v1 = [
      { connection: roomA, ackWithin: '2s' },
      { people: [{ kind: 'department_head', department: 'campaign' }], ackWithin: '1h' },
    ];
    const v2 = [
      { connection: roomB, ackWithin: '3s' },
      { people: [{ kind: 'user', user: pr.email }], ackWithin: '1h' },
    ];
    expect(await publish(v1)).toBe(1);

    const watching = async (campaignId: string) => {
      const runId = await owner.api.startRun(flow.id, {}, campaignId);
      await waitFor(
        'the monitor attached',
        async () => (await owner.api.get(`/api/runs/${runId}`)).body.state?.nodes.monitor?.detail?.monitorId,
      );
      // Into the spike (hours 494–506), not past it: the rule would resolve the alert and end the escalation.
      await (await scenarioIngest(stack, campaignId, owner.id)).ingest(0, 500);
      const alerts = (await owner.api.get(`/api/alerts?campaignId=${campaignId}`)).body.items as { id: string; ruleId: string }[];
      expect(alerts.map((a) => a.ruleId)).toEqual(['negative_spike']);
      return { runId, alertId: alerts[0]!.id };
    };
    const ackFromMail = async (to: string, alertId: string) => {
      const mail = await waitFor(`level 2 in ${to}'s mailbox`, () => smtp.mails.find((m) => m.to.includes(to)));
      const link = /https?:\/\/\S*\/alert-ack\?token=[\w.-]+/.exec(mail.text)?.[0];
      expect(link, mail.text).toBeTruthy();
      const acked = await fetch(`${stack.url}/alert-ack`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: new URL(link!).searchParams.get('token')! }).toString(),
      });
      expect(acked.status).toBe(200);
      expect((await owner.api.get(`/api/alerts/${alertId}`)).body.state).toBe('acknowledged');
    };

    // Version 1 holds the alert; its level 1 message waits in room A while version 2 is published.
    let release!: () => void;
    robotA.hold = new Promise<void>((resolve) => (release = resolve));
    const one = await watching(first.id);
    await waitFor('level 1 in room A', () => robotA.requests.length >= 1);
    expect(await publish(v2)).toBe(2);
    release();
    robotA.hold = undefined;

    // Level 2 of version 1: the head's mail, nothing in room B, no mail to the PR lead; the head's ack ends it.
    await ackFromMail(head.email, one.alertId);
    const escalated = await owner.api.waitForNode(one.runId, 'escalate', 'completed');
    expect(escalated.version).toBe(1);
    expect(escalated.state.nodes.escalate.output.by).toBe('acknowledged');
    const steps = (run: { state: { nodes: { escalate: { output: { steps: { level: number; recipients: string[] }[] } } } } }) =>
      run.state.nodes.escalate.output.steps.map((s) => [s.level, s.recipients]);
    expect(steps(escalated)).toEqual([
      [1, []],
      [2, ['Hal Head']],
    ]);
    expect(robotB.requests).toHaveLength(0);
    expect(smtp.mails.filter((m) => m.to.includes(pr.email))).toHaveLength(0);

    // A run of version 2 on the second campaign: room B first, then the PR lead; room A hears nothing more.
    const two = await watching(second.id);
    await waitFor('level 1 in room B', () => robotB.requests.length >= 1);
    // The room's own one-click ack link (a signed token, so the alert id is not in the text).
    expect(robotB.requests[0]!.body).toContain('/alert-ack');
    await ackFromMail(pr.email, two.alertId);
    const followed = await owner.api.waitForNode(two.runId, 'escalate', 'completed');
    expect(followed.version).toBe(2);
    expect(steps(followed)).toEqual([
      [1, []],
      [2, ['Pia PR']],
    ]);
    expect(robotA.requests).toHaveLength(1);
    expect(smtp.mails.filter((m) => m.to.includes(head.email))).toHaveLength(1);

    // Each ladder's level-1 wait is its own version's ack time: the timers in the runs' histories, not a stopwatch.
    const timersOf = async (runId: string) => {
      const { workflowId } = (await owner.api.get(`/api/runs/${runId}`)).body;
      const history = await stack.server.temporal.client.workflow.getHandle(workflowId).fetchHistory();
      return history.events!.flatMap((e) => {
        const t = e.timerStartedEventAttributes?.startToFireTimeout;
        return t ? [Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6)] : [];
      });
    };
    const [timers1, timers2] = [await timersOf(one.runId), await timersOf(two.runId)];
    expect(timers1).toContain(2_000);
    expect(timers1).not.toContain(3_000);
    expect(timers2).toContain(3_000);
    expect(timers2).not.toContain(2_000);
  });
});
