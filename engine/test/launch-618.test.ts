import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startStack, type TestStack } from './support/stack.ts';
import { startSmtp } from './support/smtp.ts';
import { startWeCom } from '../../activities/test/channels/receivers.ts';
import { waitFor } from './support/wait-for.ts';

const scenario = JSON.parse(readFileSync(fileURLToPath(new URL('../seed/s618-new-product-launch.campaign.json', import.meta.url)), 'utf8'));

/**
 * The "done means": the approved 618 campaign launches on its warm-up date (moved to a
 * second ahead while the run waits), the launch shows in a WeCom-style robot and in a mailbox, and every delivery
 * is listed with its status for the run view.
 */
describe('618 launches on its warm-up date', () => {
  let stack: TestStack;
  /** The campaign end the run's review waits for, once the node has read the phases. */
  const reviewWaitsFor = (runId: string) =>
    waitFor('the review to wait for the campaign end', async () => {
      const detail = (await stack.api.get(`/api/runs/${runId}`)).body.state?.nodes.review?.detail;
      return detail?.campaignEndsAt as string | undefined;
    });
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let robot: Awaited<ReturnType<typeof startWeCom>>;

  beforeAll(async () => {
    smtp = await startSmtp();
    robot = await startWeCom('ecom-launch-room');
    stack = await startStack('launch618', { smtpUrl: smtp.url });
  });
  afterAll(async () => {
    await stack?.close();
    await robot?.close();
    await smtp?.close();
  });

  it('goes live, announces on WeCom, mails and notifies the owner, and lists every delivery', async () => {
    const owner = await stack.user('Evan Zhou', [{ role: 'designer', department: 'E-commerce' }], {
      department: 'E-commerce',
      head: 'E-commerce',
    });
    const imported = await owner.api.post('/api/campaigns/import', scenario);
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    const campaign = imported.body;
    // The warm-up date is tomorrow while the test looks at the waiting run, then moves to a second from now (as an
    // owner would move it): what the run shows while it waits no longer depends on how soon a busy machine looks.
    const DAY = 86_400_000;
    const phasesFrom = (warmUp: number) => [
      { name: 'warm_up', startsAt: new Date(warmUp).toISOString(), endsAt: new Date(warmUp + 7 * DAY).toISOString() },
      { name: 'burst', startsAt: new Date(warmUp + 7 * DAY).toISOString(), endsAt: new Date(warmUp + 21 * DAY).toISOString() },
      { name: 'return', startsAt: new Date(warmUp + 21 * DAY).toISOString(), endsAt: new Date(warmUp + 30 * DAY).toISOString() },
    ];
    const phases = phasesFrom(Date.now() + DAY);
    const { id: _id, slug: _s, department: _d, status: _st, extra: _e, createdAt: _c, updatedAt: _u, launchedAt: _l, ...body } = campaign;
    const updated = await owner.api.put(`/api/campaigns/${campaign.id}`, { ...body, phases });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    for (const status of ['pending_approval', 'approved'])
      expect((await stack.api.post(`/api/campaigns/${campaign.id}/status`, { status })).status).toBe(200);

    // Connections are an admin's to manage; the designer picks one.
    const wecom = (
      await stack.api.post('/api/connections', {
        kind: 'wecom',
        name: 'E-commerce launch room',
        departmentId: campaign.departmentId,
        secrets: { url: robot.webhookUrl },
      })
    ).body.id;
    expect(wecom).toBeTruthy();
    const template = (await owner.api.post('/api/templates/launch-on-warm-up/flows', { name: '618 launch' })).body;
    const graph = template.graph;
    graph.nodes.find((n: { id: string }) => n.id === 'launch').config.announce = [wecom];
    expect((await owner.api.put(`/api/flows/${template.id}`, { name: '618 launch', graph })).status).toBe(200);
    expect((await owner.api.post(`/api/flows/${template.id}/versions`, {})).status).toBe(201);

    const runId = await owner.api.startRun(template.id, {}, campaign.id);
    const waiting = await owner.api.waitForNode(runId, 'warm_up', 'running');
    expect(waiting.state.nodes.launch.status).toBe('pending');
    expect(robot.requests).toHaveLength(0);
    const warmUp = Date.now() + 1_000;
    const moved = await owner.api.put(`/api/campaigns/${campaign.id}/phases`, { phases: phasesFrom(warmUp) });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.notifiedRuns).toBe(1);

    // Live: the run goes on to wait for the campaign's end, to review it and ask the owner for lessons.
    const run = await owner.api.waitForNode(runId, 'review', 'running');
    expect(run.state.nodes.tell_owner).toMatchObject({ status: 'completed', handle: 'sent' });
    expect(Date.parse(await reviewWaitsFor(runId))).toBe(warmUp + 30 * DAY);
    // Not before the warm-up date.
    expect(Date.parse(run.state.nodes.launch.output.launchedAt)).toBeGreaterThanOrEqual(warmUp);

    const live = (await owner.api.get(`/api/campaigns/${campaign.id}`)).body;
    expect(live).toMatchObject({ status: 'live', launchedAt: run.state.nodes.launch.output.launchedAt });

    expect(robot.deliveries).toHaveLength(1);
    const announced = JSON.parse(robot.deliveries[0]!.body);
    expect(announced.msgtype).toBe('text');
    expect(announced.text.content).toContain('618 new product A launch (Tmall + Douyin + Xiaohongshu)');
    expect(announced.text.content).toContain('Owner: Evan Zhou');

    const mail = smtp.mails.find((m) => m.to.includes(owner.email));
    expect(mail?.subject).toBe('618 new product A launch (Tmall + Douyin + Xiaohongshu) is live');
    expect(mail?.html).toContain('<strong>618 new product A launch (Tmall + Douyin + Xiaohongshu)</strong>');

    const bell = (await owner.api.get('/api/notifications')).body;
    expect(bell.items[0]).toMatchObject({
      title: '🚀 618 new product A launch (Tmall + Douyin + Xiaohongshu) is live',
      link: `/runs/${runId}`,
    });

    const deliveries = (await owner.api.get(`/api/runs/${runId}/deliveries`)).body.items;
    expect(
      deliveries.map(
        (d: { nodeId: string; channel: string; status: string; connectionName: string | null; recipientName: string | null }) => [
          d.nodeId,
          d.channel,
          d.status,
          d.connectionName,
          d.recipientName,
        ],
      ),
    ).toEqual([
      ['launch', 'wecom', 'sent', 'E-commerce launch room', null],
      ['launch', 'in-app', 'sent', null, 'Evan Zhou'],
      ['tell_owner', 'email', 'sent', null, 'Evan Zhou'],
    ]);

    const audit = (await stack.api.get(`/api/audit?entityId=${campaign.id}`)).body.items as {
      action: string;
      after: { status?: string };
    }[];
    expect(audit.find((a) => a.action === 'campaign.launched')?.after).toMatchObject({ status: 'live', nodeId: 'launch' });
    expect((await owner.api.post(`/api/runs/${runId}/cancel`, {})).status).toBe(202);
  });

  it('moving the warm-up date moves the waiting launch: earlier launches sooner, later holds it back', async () => {
    const owner = await stack.user('Lina Wu', [{ role: 'designer', department: 'E-commerce' }], { department: 'E-commerce' });
    const departmentId = await stack.departmentId('E-commerce');
    const phasesFrom = (warmUp: number) => [
      { name: 'warm_up', startsAt: new Date(warmUp).toISOString(), endsAt: new Date(warmUp + 7 * 86_400_000).toISOString() },
      {
        name: 'burst',
        startsAt: new Date(warmUp + 7 * 86_400_000).toISOString(),
        endsAt: new Date(warmUp + 21 * 86_400_000).toISOString(),
      },
    ];
    const approvedCampaign = async (name: string, warmUp: number) => {
      const c = (await owner.api.post('/api/campaigns', { name, departmentId, phases: phasesFrom(warmUp) })).body;
      for (const status of ['pending_approval', 'approved'])
        expect((await stack.api.post(`/api/campaigns/${c.id}/status`, { status })).status).toBe(200);
      return c;
    };
    const flow = (await owner.api.post('/api/templates/launch-on-warm-up/flows', { name: 'Launch follows the date' })).body;
    expect((await owner.api.post(`/api/flows/${flow.id}/versions`, {})).status).toBe(201);

    // Brought forward: from tomorrow to a few seconds from now.
    const early = await approvedCampaign('Brought forward', Date.now() + 86_400_000);
    const earlyRun = await owner.api.startRun(flow.id, {}, early.id);
    await owner.api.waitForNode(earlyRun, 'warm_up', 'running');
    const newDate = Date.now() + 3_000;
    const moved = await owner.api.put(`/api/campaigns/${early.id}/phases`, { phases: phasesFrom(newDate) });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.notifiedRuns).toBe(1);
    const done = await owner.api.waitForNode(earlyRun, 'review', 'running');
    expect(done.state.nodes.tell_owner.status).toBe('completed');
    expect(Date.parse(done.state.nodes.launch.output.launchedAt)).toBeGreaterThanOrEqual(newDate);
    expect(done.state.nodes.warm_up.output.moved).toEqual([expect.objectContaining({ to: new Date(newDate).toISOString() })]);
    expect((await owner.api.get(`/api/campaigns/${early.id}`)).body.status).toBe('live');
    expect((await owner.api.post(`/api/runs/${earlyRun}/cancel`, {})).status).toBe(202);

    // Postponed: due tomorrow, moved to next week. Waiting for the old date to pass would take a day (and a short old
    // date raced the move), so the evidence is the run's own timers: the one for the old date was cancelled, and the
    // only one left fires next week.
    const oldDate = Date.now() + 86_400_000;
    const late = await approvedCampaign('Postponed', oldDate);
    const lateRun = await owner.api.startRun(flow.id, {}, late.id);
    await owner.api.waitForNode(lateRun, 'warm_up', 'running');
    const nextWeek = Date.now() + 7 * 86_400_000;
    expect((await owner.api.put(`/api/campaigns/${late.id}/phases`, { phases: phasesFrom(nextWeek) })).body.notifiedRuns).toBe(1);
    const still = await waitFor('the wait to follow the new date', async () => {
      const r = (await owner.api.get(`/api/runs/${lateRun}`)).body;
      return r.state.nodes.warm_up.detail?.waitingUntil === new Date(nextWeek).toISOString() && r;
    });
    expect(still.status).toBe('running');
    const move = { from: new Date(oldDate).toISOString(), to: new Date(nextWeek).toISOString() };
    expect(still.state.nodes.warm_up.detail.moved).toEqual([expect.objectContaining(move)]);
    expect(still.state.nodes.launch.status).toBe('pending');
    const history = await stack.server.temporal.client.workflow.getHandle(still.workflowId).fetchHistory();
    const timers = history.events!.flatMap((e) => {
      const started = e.timerStartedEventAttributes;
      return started ? [{ id: started.timerId, seconds: Number(started.startToFireTimeout?.seconds ?? 0) }] : [];
    });
    const cancelled = new Set(history.events!.map((e) => e.timerCanceledEventAttributes?.timerId).filter(Boolean));
    expect(history.events!.some((e) => e.timerFiredEventAttributes)).toBe(false);
    expect(timers.filter((t) => cancelled.has(t.id)).map((t) => Math.round(t.seconds / 3600))).toEqual([24]);
    expect(timers.filter((t) => !cancelled.has(t.id)).map((t) => Math.round(t.seconds / 86_400))).toEqual([7]);
    expect((await owner.api.get(`/api/campaigns/${late.id}`)).body.status).toBe('approved');
    await owner.api.post(`/api/runs/${lateRun}/cancel`, {});
  });

  it('compares phase dates as times, not text, and refuses one that ends before it starts, naming the field', async () => {
    const c = (
      await stack.api.post('/api/campaigns', {
        name: 'Bad dates',
        phases: [{ name: 'warm_up', startsAt: '2026-05-01T00:00:00Z', endsAt: '2026-05-08T00:00:00Z' }],
      })
    ).body;
    // 08:00 in Shanghai is 00:00 UTC, an hour before the end: fine, whatever the strings say.
    expect(
      (
        await stack.api.put(`/api/campaigns/${c.id}/phases`, {
          phases: [{ name: 'warm_up', startsAt: '2026-05-20T08:00:00+08:00', endsAt: '2026-05-20T01:00:00Z' }],
        })
      ).status,
    ).toBe(200);
    const res = await stack.api.put(`/api/campaigns/${c.id}/phases`, {
      phases: [{ name: 'warm_up', startsAt: '2026-05-20T09:00:00+08:00', endsAt: '2026-05-20T00:30:00Z' }],
    });
    expect(res.status).toBe(400);
    expect(res.contentType).toContain('application/problem+json');
    expect(res.body.errors).toEqual([
      expect.objectContaining({ path: 'phases.0.endsAt', message: expect.stringContaining('must end after it starts') }),
    ]);
    // This endpoint moves dates; it does not add, rename or drop phases.
    const renamed = await stack.api.put(`/api/campaigns/${c.id}/phases`, {
      phases: [{ name: 'preheat', startsAt: '2026-05-20T00:00:00Z', endsAt: '2026-05-21T00:00:00Z' }],
    });
    expect(renamed.status).toBe(422);
    expect(renamed.body.errors).toEqual([expect.objectContaining({ path: 'phases', message: expect.stringContaining('warm_up') })]);
    expect((await stack.api.get(`/api/campaigns/${c.id}`)).body.phases[0].startsAt).toBe('2026-05-20T08:00:00+08:00');
  });
});
