import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMonitor } from '@flightdeck/workflows';
import { startStack, type TestStack } from './support/stack.ts';
import { crisisFlow, HOUR, S618_START, scenarioIngest } from './support/crisis-flow.ts';
import { MonitorService } from '../src/services/monitors.ts';

const at = (h: number) => new Date(S618_START + h * HOUR).toISOString();
const line = (h: number, value: number) => `${at(h)},douyin_ads,negative_mentions,${value}`;

/**
 * A late or corrected point that takes a fire back, on real PostgreSQL through the ingest API: the ingest path
 * judges the monitor again from the changed bucket, the evaluator retracts the fire, and the alert it opened
 * ends as keepFiringFor says a firing rule ends: with keepFiringFor 0s at once, with 2h on the first judged
 * bucket two hours past the corrected one, not before. A correction that keeps the condition true changes nothing.
 * The timeline lists alerts newest first, so `timeline(rule)` is that rule's latest alert's.
 */
describe('late points that retract a fire', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack('retraction', { worker: false });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('resolves the retracted alert per keepFiringFor; a correction that still fires leaves it open', async () => {
    const { owner, campaign } = await crisisFlow(stack, 'https://robot.example.test/hook');
    const parsed = parseMonitor({
      every: '1h',
      lateness: '7d',
      rules: [
        { id: 'neg_now', kind: 'threshold', metric: 'negative_mentions', per: 'campaign', op: 'above', value: 100 },
        { id: 'neg_keep', kind: 'threshold', metric: 'negative_mentions', per: 'campaign', op: 'above', value: 100, keepFiringFor: '2h' },
        { id: 'neg_huge', kind: 'threshold', metric: 'negative_mentions', per: 'campaign', op: 'above', value: 300 },
      ],
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const monitors = new MonitorService({ db: stack.server.db.db, alerts: stack.server.app.alerts, campaigns: stack.server.app.campaigns });
    await monitors.attach({
      runId: 'retraction-run',
      nodeId: 'monitor',
      executionKey: 'retraction-run/monitor/1',
      campaignId: campaign.id,
      monitor: parsed.monitor,
    });
    const { post } = await scenarioIngest(stack, campaign.id, owner.id);
    const send = async (lines: string[]) => expect((await post(lines)).status).toBe(200);
    const alerts = async () =>
      (await owner.api.get(`/api/alerts?campaignId=${campaign.id}`)).body.items.map((a: { ruleId: string; state: string }) => [
        a.ruleId,
        a.state,
      ]);
    const timeline = async (ruleId: string) => {
      const list = (await owner.api.get(`/api/alerts?campaignId=${campaign.id}&ruleId=${ruleId}`)).body.items;
      return (await owner.api.get(`/api/alerts/${list[0].id}`)).body.timeline;
    };

    // Hours 0–6, a spike of 500 at hour 5: all three rules fire there.
    await send([0, 1, 2, 3, 4, 5, 6].map((h) => line(h, h === 5 ? 500 : 5)));
    expect((await alerts()).sort()).toEqual([
      ['neg_huge', 'resolved'],
      ['neg_keep', 'firing'],
      ['neg_now', 'resolved'],
    ]);

    // The spike was 400, not 500: still above both lines, so the corrected history fires as before and nothing resolves.
    await send([line(5, 400)]);
    expect((await alerts()).sort()).toEqual([
      ['neg_huge', 'resolved'],
      ['neg_keep', 'firing'],
      ['neg_now', 'resolved'],
    ]);

    // The spike never was (the export sent a wrong row; the correction says 5): neg_keep's fire is taken back. Its
    // keep-firing period runs from the corrected bucket (hour 5) for 2 h; the data reaches hour 6, so it still fires.
    const open = async () => (await alerts()).filter(([, s]: string[]) => s !== 'resolved').sort();
    await send([line(5, 5)]);
    expect(await open()).toEqual([['neg_keep', 'firing']]);
    // Hour 7: two hours past the corrected bucket, and it resolves, by the rule, at that bucket.
    await send([line(7, 5)]);
    expect(await open()).toEqual([]);
    expect((await timeline('neg_keep')).at(-1)).toMatchObject({
      kind: 'resolved',
      detail: { by: 'rule', retracted: true, eventTime: at(7) },
    });

    // A second spike at hour 9 opens three fresh alerts; then it is corrected away too.
    await send([line(8, 5), line(9, 500)]);
    expect(await open()).toEqual([
      ['neg_huge', 'firing'],
      ['neg_keep', 'firing'],
      ['neg_now', 'firing'],
    ]);
    await send([line(9, 5)]);
    // keepFiringFor 0s: resolved at once, at the corrected bucket; 2h: still firing until the data reaches hour 11.
    expect(await open()).toEqual([['neg_keep', 'firing']]);
    expect((await timeline('neg_now')).at(-1)).toMatchObject({
      kind: 'resolved',
      detail: { by: 'rule', retracted: true, eventTime: at(9) },
    });
    await send([line(10, 5)]);
    expect(await open()).toEqual([['neg_keep', 'firing']]);
    await send([line(11, 5)]);
    expect(await open()).toEqual([]);
    expect((await timeline('neg_keep')).at(-1)).toMatchObject({ detail: { retracted: true, eventTime: at(11) } });
  });
});
