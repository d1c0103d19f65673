import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startStack, type TestStack } from './support/stack.ts';
import { startSmtp } from './support/smtp.ts';
import { startWeCom, type Receiver } from '../../activities/test/channels/receivers.ts';
import { waitFor } from './support/wait-for.ts';
import { crisisFlow, scenarioIngest } from './support/crisis-flow.ts';

const LINK = /https?:\/\/[^\s"\\<>|)]*\/alert-ack\?token=[\w.-]+/;
const scenario = JSON.parse(readFileSync(fileURLToPath(new URL('../seed/s618-new-product-launch.campaign.json', import.meta.url)), 'utf8'));

type Alert = {
  id: string;
  ruleId: string;
  ruleLabel: string;
  state: string;
  timeline: { kind: string; actor: { id: string } | null; detail: object }[];
};

/**
 * A grouped message acknowledged in one decision, on real PostgreSQL, Temporal, a local WeCom robot and a local SMTP
 * server: "Crisis response" watches the 618 negative mentions with two rules that fire in the same hour, grouped by
 * campaign, so one message tells both alerts. Its one-click link (in the robot message and in the e-mail) lists both
 * on its confirmation page and acknowledges every one still open with one POST; one already acknowledged (here through
 * `POST /api/alerts/ack`) is reported, not acknowledged again. The escalation stops.
 */
describe('acknowledging a grouped alert message', () => {
  let stack: TestStack;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let robot: Receiver & { webhookUrl: string };
  let setup: Awaited<ReturnType<typeof crisisFlow>>;

  beforeAll(async () => {
    smtp = await startSmtp();
    robot = await startWeCom('group-room');
    stack = await startStack('groupack', { smtpUrl: smtp.url });
    setup = await crisisFlow(stack, robot.webhookUrl);
    // A second rule beside the crisis rule, firing in the same evaluation; both in one group (the campaign's).
    const flow = (await setup.owner.api.get(`/api/flows/${setup.flowId}`)).body;
    const monitor = flow.graph.nodes.find((n: { id: string }) => n.id === 'monitor');
    const [rule] = monitor.config.rules;
    monitor.config.rules.push({ ...rule, id: 'negative_rise', label: 'Negative mentions rising' });
    monitor.config.grouping = { ...monitor.config.grouping, by: 'campaign' };
    flow.graph.edges.push({ id: 'monitor-rise', source: 'monitor', sourceHandle: 'negative_rise', target: 'escalate' });
    expect((await setup.owner.api.put(`/api/flows/${setup.flowId}`, { name: flow.name, graph: flow.graph })).status).toBe(200);
    expect((await setup.owner.api.post(`/api/flows/${setup.flowId}/versions`, {})).status).toBe(201);
  });
  afterAll(async () => {
    await stack?.close();
    await robot?.close();
    await smtp?.close();
  });

  /** A campaign of its own, watched into the spike (hours 494–506): two alerts open together. */
  const watched = async (suffix: string) => {
    const { owner } = setup;
    const imported = await owner.api.post('/api/campaigns/import', { ...scenario, id: `${scenario.id}-${suffix}`, name: `618 ${suffix}` });
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    const campaign = imported.body as { id: string; name: string };
    const runId = await owner.api.startRun(setup.flowId, {}, campaign.id);
    await waitFor(
      'the monitor attached',
      async () => (await owner.api.get(`/api/runs/${runId}`)).body.state?.nodes.monitor?.detail?.monitorId,
    );
    await (await scenarioIngest(stack, campaign.id, owner.id)).ingest(0, 500);
    const items = (await owner.api.get(`/api/alerts?campaignId=${campaign.id}`)).body.items as Alert[];
    expect(items.map((a) => a.ruleId).sort()).toEqual(['negative_rise', 'negative_spike']);
    return { campaign, runId, alerts: items };
  };
  const post = (link: string) =>
    fetch(`${stack.url}/alert-ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: new URL(link).searchParams.get('token')! }).toString(),
    });
  const alert = async (id: string) => (await setup.owner.api.get(`/api/alerts/${id}`)).body as Alert;

  it("the robot message's link acks the group for the room; one acked through the API before is reported, not re-acked", async () => {
    const { owner } = setup;
    const { campaign, runId, alerts } = await watched('chat');
    const message = await waitFor('the grouped message in the room', () => robot.deliveries.find((d) => d.body.includes(campaign.name)));
    // One message tells both, and carries one link.
    expect(message.body).toContain('Negative mentions up 50 %');
    expect(message.body).toContain('Negative mentions rising');
    const links = message.body.match(new RegExp(LINK.source, 'g')) ?? [];
    expect(links, message.body).toHaveLength(1);
    const link = links[0]!;

    // GET lists both alerts and changes nothing.
    const page = await (await fetch(link)).text();
    expect(page).toContain('2 alerts told together');
    expect(page).toContain('Negative mentions up 50 %');
    expect(page).toContain('Negative mentions rising');
    expect(page).toContain('Acknowledge all 2 open');
    for (const a of alerts) expect((await alert(a.id)).state).toBe('firing');

    // The API acks one of them (and reports an id it does not know), in one call with a result per id.
    const rise = alerts.find((a) => a.ruleId === 'negative_rise')!;
    const spike = alerts.find((a) => a.ruleId === 'negative_spike')!;
    const stranger = randomUUID();
    const bulk = await owner.api.post('/api/alerts/ack', { ids: [rise.id, stranger, rise.id] });
    expect(bulk.status, JSON.stringify(bulk.body)).toBe(200);
    expect(bulk.body.results).toEqual([
      { id: rise.id, outcome: 'acknowledged', state: 'acknowledged' },
      { id: stranger, outcome: 'not_found', state: null },
    ]);
    expect((await alert(rise.id)).timeline.find((e) => e.kind === 'acknowledged')).toMatchObject({
      kind: 'acknowledged',
      actor: { id: owner.id },
      detail: { via: 'token' },
    });

    // The room's link: the page now offers the one still open; POST acks it for the room and reports the other.
    expect(await (await fetch(link)).text()).toContain('Acknowledge the 1 open');
    const done = await post(link);
    expect(done.status).toBe(200);
    const text = await done.text();
    expect(text).toContain('Acknowledged 1 of 2');
    expect(text).toContain('was acknowledged already');
    expect(text).toContain('Acknowledged for Crisis room (wecom)');
    const acked = await alert(spike.id);
    expect(acked.state).toBe('acknowledged');
    expect(acked.timeline.find((e) => e.kind === 'acknowledged')).toMatchObject({
      kind: 'acknowledged',
      actor: null,
      detail: { via: 'chat-link', room: 'Crisis room (wecom)', together: 2, from: 'firing' },
    });
    // Not acknowledged twice: the other alert's timeline has its one acknowledgement, the API's.
    expect((await alert(rise.id)).timeline.filter((e) => e.kind === 'acknowledged')).toHaveLength(1);

    // The ladder stops; the link is used up.
    const run = await owner.api.waitForNode(runId, 'escalate', 'completed');
    expect(run.state.nodes.escalate.output.by).toBe('acknowledged');
    expect((await post(link)).status).toBe(409);
    expect(await (await fetch(link)).text()).toContain('used already');
  });

  it("the e-mail's link acks every alert the message told, as its person, naming the mailbox; single use", async () => {
    const { owner, head } = setup;
    const { campaign, runId, alerts } = await watched('mail');
    // Level 1 (the robot) has 2 s; nobody answers there, so level 2 mails the department head.
    const mail = await waitFor('level 2 in the head’s mailbox', () =>
      smtp.mails.find((m) => m.to.includes(head.email) && m.subject.includes(campaign.name)),
    );
    const link = LINK.exec(mail.text)?.[0];
    expect(link, mail.text).toBeTruthy();
    expect(await (await fetch(link!)).text()).toContain('Acknowledge all 2 open');

    const done = await post(link!);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Acknowledged 2 of 2');
    for (const a of alerts) {
      const view = await alert(a.id);
      expect(view.state).toBe('acknowledged');
      expect(view.timeline.find((e) => e.kind === 'acknowledged')).toMatchObject({
        kind: 'acknowledged',
        actor: { id: head.id },
        detail: { via: 'email-link', mailbox: head.email, together: 2 },
      });
    }
    const run = await owner.api.waitForNode(runId, 'escalate', 'completed');
    expect(run.state.nodes.escalate.output.by).toBe('acknowledged');
    // Single use: a second POST is refused and changes nothing.
    expect((await post(link!)).status).toBe(409);
    for (const a of alerts) expect((await alert(a.id)).timeline.filter((e) => e.kind === 'acknowledged')).toHaveLength(1);
  });

  it('the ladder follows every alert its message told: acking the lead alone goes on; acking the last stops it at once', async () => {
    const { owner, head } = setup;
    const { campaign, runId, alerts } = await watched('lead');
    await waitFor('the grouped message in the room', () => robot.deliveries.find((d) => d.body.includes(campaign.name)));
    // The room can have the message before the run's state names the ladder's lead (the send's result is recorded after
    // it arrives): wait for the state, not for a moment.
    const leadId = await waitFor(
      'the ladder to name its lead alert',
      async () => (await owner.api.get(`/api/runs/${runId}`)).body.state?.nodes?.escalate?.detail?.alertId as string | undefined,
    );
    const other = alerts.find((a) => a.id !== leadId)!;
    expect(alerts.map((a) => a.id)).toContain(leadId);

    // The lead alone, from the alerts page: the other alert still fires, so level 2 is still mailed.
    expect((await owner.api.post(`/api/alerts/${leadId}/ack`, {})).status).toBe(200);
    const mail = await waitFor('level 2 in the head’s mailbox', () =>
      smtp.mails.find((m) => m.to.includes(head.email) && m.subject.includes(campaign.name)),
    );
    // It leads with the alert still firing, not the acknowledged lead, and says how many it tells and how many fire.
    const [leadLabel, otherLabel] = [alerts.find((a) => a.id === leadId)!.ruleLabel, other.ruleLabel];
    expect(leadLabel).not.toBe(otherLabel);
    expect(mail.subject).toContain(otherLabel);
    expect(mail.subject).not.toContain(leadLabel);
    expect(mail.text.startsWith(`${otherLabel} fired on`), mail.text).toBe(true);
    expect(mail.text).toContain('2 alerts told together, 1 still firing. With it (1):');
    expect(mail.text).toContain(`- ${leadLabel} on`);
    expect((await owner.api.get(`/api/runs/${runId}`)).body.state.nodes.escalate.status).toBe('running');

    // The last one open: level 2 waits an hour for an answer, so an ending now is the ack's signal reaching the ladder
    // (it waits on the lead's notices; the acked alert was another).
    expect((await owner.api.post(`/api/alerts/${other.id}/ack`, {})).status).toBe(200);
    const run = await owner.api.waitForNode(runId, 'escalate', 'completed');
    expect(run.state.nodes.escalate.output.by).toBe('acknowledged');
    expect(run.state.nodes.escalate.output.steps.map((s: { level: number }) => s.level)).toEqual([1, 2]);
  });

  it('POST /api/alerts/ack: generated bad bodies get a 400 problem naming the field; never a 5xx; nothing changes', async () => {
    const { owner } = setup;
    const uuid = fc.uuid();
    const notUuid = fc.oneof(
      fc.string({ maxLength: 40 }).filter((s) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)),
      fc.integer(),
      fc.constantFrom(null, true, {}, [], '\u0000', '\ud800', '%00', 'a'.repeat(5000)),
    );
    // Each bad body with the field its problem must name.
    const bad = fc.oneof(
      fc.constant({ body: {}, field: 'ids' }),
      fc.constant({ body: { ids: [] }, field: 'ids' }),
      notUuid.map((v) => ({ body: { ids: v }, field: 'ids' })),
      fc.array(uuid, { minLength: 101, maxLength: 300 }).map((ids) => ({ body: { ids }, field: 'ids' })),
      fc
        .tuple(fc.array(uuid, { maxLength: 5 }), notUuid, fc.array(uuid, { maxLength: 5 }))
        .map(([a, v, b]) => ({ body: { ids: [...a, v, ...b] }, field: `ids.${a.length}` })),
      fc.tuple(fc.array(uuid, { minLength: 1, maxLength: 3 }), fc.string({ minLength: 1, maxLength: 10 })).map(([ids, k]) => ({
        body: { ids, [k === 'ids' ? 'x' : k]: 1 },
        field: '',
      })),
    );
    const before = await owner.api.get('/api/alerts?state=firing');
    await fc.assert(
      fc.asyncProperty(bad, async ({ body, field }) => {
        const res = await owner.api.post('/api/alerts/ack', body);
        expect(res.status, JSON.stringify(body).slice(0, 200)).toBe(400);
        expect(res.contentType).toContain('application/problem+json');
        const paths = (res.body.errors ?? []).map((e: { path: string }) => e.path);
        if (field) expect(paths, JSON.stringify(res.body)).toContain(field);
      }),
      { numRuns: 150 },
    );
    // Valid but hostile lists: unknown ids come back not_found, one result per distinct id, never a 5xx.
    await fc.assert(
      fc.asyncProperty(fc.array(uuid, { minLength: 1, maxLength: 100 }), async (ids) => {
        const res = await owner.api.post('/api/alerts/ack', { ids });
        expect(res.status).toBe(200);
        expect(res.body.results.map((r: { id: string }) => r.id)).toEqual([...new Set(ids)]);
        for (const r of res.body.results) expect(r.outcome).toBe('not_found');
      }),
      { numRuns: 30 },
    );
    expect((await owner.api.get('/api/alerts?state=firing')).body).toEqual(before.body);
    // Someone who may not act at all: 403 before anything is looked up.
    const viewer = await stack.user('Vic Viewer', [{ role: 'viewer', department: 'E-commerce' }], { department: 'E-commerce' });
    expect((await viewer.api.post('/api/alerts/ack', { ids: [randomUUID()] })).status).toBe(403);
  });
});
