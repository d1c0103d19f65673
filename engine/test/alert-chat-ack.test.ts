import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from './support/stack.ts';
import { startDingTalk, startFeishu, startSlack, startWeCom, type Receiver } from '../../activities/test/channels/receivers.ts';
import { waitFor } from './support/wait-for.ts';
import { crisisFlow, scenarioIngest } from './support/crisis-flow.ts';

const LINK = /https?:\/\/[^\s"\\<>|)]*\/alert-ack\?token=[\w.-]+/;

/**
 * One-click acknowledgement from chat robots, on real PostgreSQL and Temporal: the 618 crisis flow's ladder
 * calls a WeCom, a Feishu, a DingTalk and a Slack room in turn (local receivers on 127.0.0.1). Each message
 * names the rule in words and carries a signed link for its room: GET shows a confirmation page and changes
 * nothing; POST acknowledges once, for the room; a second use is refused; the other rooms' links then find
 * the alert acknowledged.
 */
describe('alert acknowledgement from chat robot messages', () => {
  let stack: TestStack;
  const rooms: Record<string, Receiver & { webhookUrl: string }> = {};

  beforeAll(async () => {
    rooms.wecom = await startWeCom('ops-room');
    rooms.feishu = await startFeishu('feishu-token', 'feishu-secret');
    rooms.dingtalk = await startDingTalk('ding-token', 'ding-secret');
    rooms.slack = await startSlack();
    stack = await startStack('chatack');
  });
  afterAll(async () => {
    await stack?.close();
    for (const r of Object.values(rooms)) await r.close();
  });

  it('each room gets the rule in words and its own link; GET confirms, POST acks for the room once', async () => {
    const { owner, campaign, flowId } = await crisisFlow(stack, rooms.wecom!.webhookUrl);
    const connect = async (kind: string, secrets: Record<string, string>) => {
      const made = await stack.api.post('/api/connections', { kind, name: `${kind} room`, departmentId: campaign.departmentId, secrets });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      return made.body.id as string;
    };
    const wecom = (await owner.api.get(`/api/flows/${flowId}`)).body.graph.nodes.find((n: { id: string }) => n.id === 'escalate').config
      .levels[0].connection;
    const feishu = await connect('feishu', { url: rooms.feishu!.webhookUrl, secret: 'feishu-secret' });
    const dingtalk = await connect('dingtalk', { url: rooms.dingtalk!.webhookUrl, secret: 'ding-secret' });
    const slack = await connect('slack', { url: rooms.slack!.webhookUrl });
    const flow = (await owner.api.get(`/api/flows/${flowId}`)).body;
    flow.graph.nodes.find((n: { id: string }) => n.id === 'escalate').config.levels = [
      { connection: wecom, ackWithin: '1s' },
      { connection: feishu, ackWithin: '1s' },
      { connection: dingtalk, ackWithin: '1s' },
      { connection: slack, ackWithin: '1h' },
    ];
    expect((await owner.api.put(`/api/flows/${flowId}`, { name: flow.name, graph: flow.graph })).status).toBe(200);
    expect((await owner.api.post(`/api/flows/${flowId}/versions`, {})).status).toBe(201);

    const runId = await owner.api.startRun(flowId, {}, campaign.id);
    await waitFor(
      'the monitor attached',
      async () => (await owner.api.get(`/api/runs/${runId}`)).body.state?.nodes.monitor?.detail?.monitorId,
    );
    const { ingest } = await scenarioIngest(stack, campaign.id, owner.id);
    await ingest(0, 500);

    // The alert carries its rule in words: the template's label, and the condition described per locale.
    const [alert] = (await owner.api.get(`/api/alerts?campaignId=${campaign.id}`)).body.items;
    expect(alert).toMatchObject({ ruleId: 'negative_spike', ruleLabel: 'Negative mentions up 50 %' });
    expect(alert.ruleText.en).toMatch(/negative mentions/i);
    expect(alert.ruleText['zh-CN']).toMatch(/负面/);

    await waitFor('the ladder reaching Slack', () => rooms.slack!.deliveries.length >= 1);
    const links: Record<string, string> = {};
    for (const [kind, rx] of Object.entries(rooms)) {
      const body = rx.deliveries[0]!.body;
      // The message names the rule in words, not by its id.
      expect(body, kind).toContain('Negative mentions up 50 %');
      const link = LINK.exec(body)?.[0];
      expect(link, `${kind}: ${body}`).toBeTruthy();
      links[kind] = link!;
    }
    // One link per room: the tokens differ (each its own jti).
    expect(new Set(Object.values(links)).size).toBe(4);

    // GET is a confirmation page only: a link scanner that follows it acknowledges nothing.
    for (const link of Object.values(links)) {
      const page = await fetch(link);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<form method="post" action="/alert-ack">');
    }
    expect((await owner.api.get(`/api/alerts/${alert.id}`)).body.state).toBe('firing');

    const post = (link: string) =>
      fetch(`${stack.url}/alert-ack`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: new URL(link).searchParams.get('token')! }).toString(),
      });
    const acked = await post(links.slack!);
    expect(acked.status).toBe(200);
    expect(await acked.text()).toContain('Acknowledged for slack room');

    // The ack stops the ladder at once; the timeline names the room, and no person.
    const escalated = await owner.api.waitForNode(runId, 'escalate', 'completed');
    expect(escalated.state.nodes.escalate.output?.by).toBe('acknowledged');
    const view = (await owner.api.get(`/api/alerts/${alert.id}`)).body;
    expect(view).toMatchObject({ state: 'acknowledged', acknowledgedBy: null });
    const ack = view.timeline.find((s: { kind: string }) => s.kind === 'acknowledged');
    expect(ack).toMatchObject({ actor: null, detail: { via: 'chat-link', room: 'slack room (slack)' } });

    // Single use: the same link again is refused, and says so; another room's link finds the alert acknowledged.
    const again = await post(links.slack!);
    expect(again.status).toBe(409);
    expect(await (await fetch(links.slack!)).text()).toContain('used already');
    expect(await (await fetch(links.wecom!)).text()).toContain('already <strong>acknowledged</strong>');
    expect((await post(links.feishu!)).status).toBe(409);

    // A forged room link (another connection id, same shape) speaks for nobody.
    const token = new URL(links.dingtalk!).searchParams.get('token')!;
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload.sub = `connection:${feishu}`;
    const forged = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
    expect((await fetch(`${stack.url}/alert-ack?token=${forged}`)).status).toBeGreaterThanOrEqual(400);
    expect((await fetch(`${stack.url}/alert-ack?token=${forged}`)).status).toBeLessThan(500);
  });
});
