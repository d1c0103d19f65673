import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startStack, type TestStack } from './support/stack.ts';
import { startSmtp } from './support/smtp.ts';
import { startWeCom, type Receiver } from '../../activities/test/channels/receivers.ts';
import { waitFor } from './support/wait-for.ts';
import { crisisFlow, HOUR, S618_START, scenarioIngest } from './support/crisis-flow.ts';

const scenario = JSON.parse(readFileSync(fileURLToPath(new URL('../seed/s618-new-product-launch.campaign.json', import.meta.url)), 'utf8'));

type Alert = { id: string; ruleId: string; state: string; timeline: { kind: string; detail: { target?: string } }[] };
type NodeState = { status: string; executions: number; output?: { by?: string | null; alert?: { alertId: string } } };

/**
 * An alert that opens and resolves while the flow is climbing another alert's ladder is told once, as missed, when the
 * flow comes back to its monitor: on real PostgreSQL, Temporal, a local WeCom robot and a local SMTP server. "Crisis
 * response" watches the 618 negative mentions, plus a spend rule on a channel of the test's own; the negative spike
 * opens the ladder (level 1 the robot, 2 s; level 2 the department head, 1 h). While level 2 waits, one hour's spend
 * crosses the spend rule and the next hour's clears it. After the spike is acknowledged, the monitor hands the spend
 * alert over as missed: the robot hears of it once, and the ladder takes `resolved` with nobody asked to acknowledge it.
 */
describe('alerts missed while the flow was escalating another', () => {
  let stack: TestStack;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let robot: Receiver & { webhookUrl: string };
  let setup: Awaited<ReturnType<typeof crisisFlow>>;

  beforeAll(async () => {
    smtp = await startSmtp();
    robot = await startWeCom('missed-room');
    stack = await startStack('missed', { smtpUrl: smtp.url });
    setup = await crisisFlow(stack, robot.webhookUrl);
    const flow = (await setup.owner.api.get(`/api/flows/${setup.flowId}`)).body;
    const monitor = flow.graph.nodes.find((n: { id: string }) => n.id === 'monitor');
    monitor.config.rules.push({
      id: 'burst_spend',
      label: 'Burst channel overspends',
      kind: 'threshold',
      metric: 'spend',
      op: 'above',
      value: 1_000_000,
      channels: ['burst'],
      severity: 'warning',
    });
    flow.graph.edges.push({ id: 'monitor-burst', source: 'monitor', sourceHandle: 'burst_spend', target: 'escalate' });
    expect((await setup.owner.api.put(`/api/flows/${setup.flowId}`, { name: flow.name, graph: flow.graph })).status).toBe(200);
    expect((await setup.owner.api.post(`/api/flows/${setup.flowId}/versions`, {})).status).toBe(201);
  });
  afterAll(async () => {
    await stack?.close();
    await robot?.close();
    await smtp?.close();
  });

  it('is told once to level 1 when the flow is back, and the ladder resolves it without asking anyone to ack', async () => {
    const { owner, head } = setup;
    const imported = await owner.api.post('/api/campaigns/import', { ...scenario, id: `${scenario.id}-missed`, name: '618 missed' });
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    const campaign = imported.body as { id: string; name: string };
    const runId = await owner.api.startRun(setup.flowId, {}, campaign.id);
    const node = async (id: string) => (await owner.api.get(`/api/runs/${runId}`)).body.state?.nodes[id] as NodeState | undefined;
    await waitFor(
      'the monitor attached',
      async () => (await owner.api.get(`/api/runs/${runId}`)).body.state?.nodes.monitor?.detail?.monitorId,
    );
    const feed = await scenarioIngest(stack, campaign.id, owner.id);
    await feed.ingest(0, 500);
    const alerts = async () => (await owner.api.get(`/api/alerts?campaignId=${campaign.id}`)).body.items as Alert[];
    const spike = (await alerts()).find((a) => a.ruleId === 'negative_spike')!;
    expect(spike.state).toBe('firing');

    // Level 1 goes unanswered; level 2 mails the head and waits an hour: the flow is in the ladder.
    await waitFor('level 2 in the head’s mailbox', () =>
      smtp.mails.find((m) => m.to.includes(head.email) && m.subject.includes(campaign.name)),
    );
    const hour = (h: number) => new Date(S618_START + h * HOUR).toISOString();
    for (const line of [`${hour(500)},burst,spend,5000000`, `${hour(501)},burst,spend,100`]) {
      const res = await feed.post([line]);
      expect(res.status, await res.clone().text()).toBe(200);
    }
    const burst = await waitFor('the burst alert opened and resolved', async () =>
      (await alerts()).find((a) => a.ruleId === 'burst_spend' && a.state === 'resolved'),
    );
    expect((await node('escalate'))?.status).toBe('running');
    const told = () => robot.deliveries.filter((d) => d.body.includes('Burst channel overspends'));
    expect(told()).toHaveLength(0);

    // The spike is answered: the ladder ends, the flow loops back to the monitor, which hands the burst over as missed.
    expect((await owner.api.post(`/api/alerts/${spike.id}/ack`, {})).status).toBe(200);
    const second = await waitFor('the ladder told the missed alert', async () => {
      const n = await node('escalate');
      return n && n.executions >= 2 && n.status === 'completed' ? n : undefined;
    });
    expect(second.output?.alert?.alertId).toBe(burst.id);
    expect(second.output?.by).toBe('resolved');
    expect(told()).toHaveLength(1);
    const timeline = (await owner.api.get(`/api/alerts/${burst.id}`)).body.timeline as Alert['timeline'];
    expect(timeline.filter((e) => e.kind === 'notified')).toHaveLength(1);
    expect(timeline.some((e) => e.kind === 'escalated')).toBe(false);
    // Nobody was mailed about it: level 2 is the spike's alone.
    expect(smtp.mails.filter((m) => m.text.includes('Burst channel overspends'))).toHaveLength(0);
    await owner.api.post(`/api/runs/${runId}/cancel`, {});
  });
});
