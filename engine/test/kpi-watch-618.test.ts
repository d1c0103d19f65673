import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startStack, type TestStack } from './support/stack.ts';
import { startSmtp } from './support/smtp.ts';
import { waitFor } from './support/wait-for.ts';
import { HOUR, S618_START as START, scenarioIngest, scenarioRows } from './support/crisis-flow.ts';

const scenario = JSON.parse(readFileSync(fileURLToPath(new URL('../seed/s618-new-product-launch.campaign.json', import.meta.url)), 'utf8'));
interface Anomaly {
  channel: string;
  metric: string;
  from_hour: number;
  to_hour: number;
  expect: string;
}
const anomaly = (metric: string) => (scenario.anomalies as Anomaly[]).find((a) => a.metric === metric)!;
const hourOf = (iso: string) => (Date.parse(iso) - START) / HOUR;
/** Asia/Shanghai has no DST: a local day ends at 16:00 UTC, so its last hourly bucket is hour 15 UTC. */
const lastHourOfLocalDay = (hour: number) => Math.floor((hour + 8) / 24) * 24 + 24 - 8 - 1;

/** The hour the cumulative spend of `channel` first reaches `share` of its budget line, from the scenario's CSV. */
function budgetCrossing(channel: string, share: number): number | null {
  const line = (scenario.budget.lines as { channel: string; amount: number }[]).find((l) => l.channel === channel)!.amount;
  let spent = 0;
  for (const row of scenarioRows(0, 720)) {
    const [ts, ch, metric, value] = row.split(',');
    if (ch !== channel || metric !== 'spend') continue;
    spent += Number(value);
    if (spent / line >= share) return hourOf(ts!);
  }
  return null;
}

/**
 * The 618 scenario replayed through the ingest API (as an ad platform's export would send it) into a running
 * "Campaign KPI watch". Each injected anomaly yields exactly its alerts, at the simulated (event) hour the rules
 * say, and the quiet hours yield none; the flow acts on them as the scenario's `expect` asks: the 3-day CTR rule
 * opens an optimisation review in the owner's inbox, CPA over its benchmark asks the head to re-approve the spend.
 */
describe('618 replayed into a running Campaign KPI watch', () => {
  let stack: TestStack;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;

  beforeAll(async () => {
    smtp = await startSmtp();
    stack = await startStack('kpiwatch618', { smtpUrl: smtp.url });
  });
  afterAll(async () => {
    await stack?.close();
    await smtp?.close();
  });

  it('each anomaly fires its alerts at its hour, the flow opens the review task and the re-approval, quiet hours fire none', async () => {
    const owner = await stack.user('Evan Zhou', [{ role: 'designer', department: 'E-commerce' }], { department: 'E-commerce' });
    const head = await stack.user('Hana Head', [{ role: 'approver', department: 'E-commerce' }], {
      department: 'E-commerce',
      head: 'E-commerce',
    });
    const imported = await owner.api.post('/api/campaigns/import', scenario);
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    const campaign = imported.body;
    const flow = (await owner.api.post('/api/templates/campaign-kpi-watch/flows', { name: '618 KPI watch' })).body;
    expect((await owner.api.post(`/api/flows/${flow.id}/versions`, {})).status).toBe(201);
    const runId = await owner.api.startRun(flow.id, {}, campaign.id);
    await waitFor(
      'the monitor attached',
      async () => (await owner.api.get(`/api/runs/${runId}`)).body.state?.nodes.monitor?.detail?.monitorId,
    );
    const { ingest } = await scenarioIngest(stack, campaign.id, owner.id);
    const alerts = async () =>
      (await owner.api.get(`/api/alerts?campaignId=${campaign.id}`)).body.items as {
        id: string;
        ruleId: string;
        channel: string | null;
        firedAt: string;
        severity: string;
      }[];

    // The xhs_kol CTR drop, up to the end of the local day its third bad day closes: the 3-day rule fires then, and the
    // flow gives the owner an optimisation review (the flow takes alerts oldest first; the shorter ones may be over).
    const ctr = anomaly('ctr');
    const third = lastHourOfLocalDay(ctr.to_hour - 1);
    await ingest(0, third + 1);
    const task = await waitFor('the optimisation review in the owner’s inbox', async () =>
      ((await owner.api.get('/api/tasks')).body.items as { id: string; runId: string; title: string; dueAt: string }[]).find(
        (t) => t.runId === runId,
      ),
    );
    expect(task.title).toBe(`Optimisation review: ${campaign.name} on xhs_kol`);
    const review = (await owner.api.get(`/api/runs/${runId}`)).body.state.nodes;
    expect(review.monitor.output.alert).toMatchObject({ ruleId: 'ctr_off_3_days', channel: 'xhs_kol' });
    expect(hourOf(review.monitor.output.alert.firedAt)).toBe(third);
    const done = await owner.api.post(`/api/tasks/${task.id}/complete`, { note: 'KOL creatives swapped' });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    await owner.api.waitForNode(runId, 'optimisation_review', 'completed');

    // The douyin_ads CPM spike: CPA 20 % over the benchmark for 6 hours, and the head is asked to re-approve the spend.
    const cpm = anomaly('cpm');
    await ingest(third + 1, cpm.from_hour + 10);
    const approval = await waitFor('the re-approval in the head’s inbox', async () =>
      ((await head.api.get('/api/approvals')).body.items as { taskId: string; runId: string; title: string }[]).find(
        (t) => t.runId === runId,
      ),
    );
    expect(approval.title).toContain(`re-approve spend for ${campaign.name}`);
    const decided = await head.api.post(`/api/approvals/${encodeURIComponent(approval.taskId)}/decision`, { decision: 'approve' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    await owner.api.waitForNode(runId, 'reapprove_spend', 'completed');

    // The rest of the month, the spike and the outage with it.
    await ingest(cpm.from_hour + 10, 720);
    const negative = anomaly('negative');
    const outage = anomaly('outage');
    const expected: [string, string | null, number][] = [
      // "CTR 30% below target for 3 days: warning and optimisation task"
      ['ctr_below_target', 'xhs_kol', ctr.from_hour],
      ['ctr_deviation', 'xhs_kol', ctr.from_hour],
      ['ctr_off_3_days', 'xhs_kol', third],
      // "CPA above benchmark by >20%: re-review": the seventh bad hour in a row (6 hours pending)
      ['cpa_over_benchmark', null, cpm.from_hour + 6],
      // "negative mentions spike: crisis escalation"
      ['negative_spike', null, negative.from_hour],
      // "no data for 4 hours: no-data alert", two hours into the silence
      ['no_data', outage.channel, outage.from_hour + 1],
    ];
    // Budget lines are not anomalies: they fire where the scenario's cumulative spend crosses them, douyin_ads running out.
    for (const channel of (scenario.budget.lines as { channel: string }[]).map((l) => l.channel)) {
      const warn = budgetCrossing(channel, 0.8);
      const out = budgetCrossing(channel, 1);
      if (warn !== null) expected.push(['budget_line_warning', channel, warn]);
      if (out !== null) expected.push(['budget_line_exhausted', channel, out]);
    }
    expect(expected.some(([rule, channel]) => rule === 'budget_line_exhausted' && channel === 'douyin_ads')).toBe(true);

    const key = (rule: string, channel: string | null, hour: number) => `${rule} ${channel ?? '*'} @${hour}`;
    const fired = (await alerts()).map((a) => key(a.ruleId, a.channel, hourOf(a.firedAt)));
    // Exactly these, each once: nothing in the quiet hours, nothing twice.
    expect(fired.sort()).toEqual(expected.map(([r, c, h]) => key(r, c, h)).sort());
    const windows = (scenario.anomalies as Anomaly[]).map((a) => [a.from_hour, a.to_hour] as const);
    for (const a of await alerts()) {
      if (a.ruleId.startsWith('budget_line_')) continue;
      const h = hourOf(a.firedAt);
      // Inside its anomaly, or (the 3-day rule) at the end of the local day the anomaly ended in.
      expect(
        windows.some(([from, to]) => h >= from && h <= lastHourOfLocalDay(to - 1)),
        `${a.ruleId} at hour ${h}`,
      ).toBe(true);
    }
    expect((await alerts()).find((a) => a.ruleId === 'negative_spike')!.severity).toBe('critical');

    await owner.api.post(`/api/runs/${runId}/cancel`, {});
  });
});
