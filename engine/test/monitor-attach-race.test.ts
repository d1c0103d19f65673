import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDuration, validateFlow } from '@flightdeck/workflows';
import { startStack, type TestStack } from './support/stack.ts';
import { waitFor } from './support/wait-for.ts';
import { crisisFlow, scenarioIngest, scenarioRows } from './support/crisis-flow.ts';
import { MonitorService } from '../src/services/monitors.ts';

/**
 * An ingest batch that is committing while a monitor attaches: the attach reads only committed points
 * and the batch judges only the monitors it can see, so without turns neither would judge that batch.
 * Here a transaction holds the batch's turn (as the ingest hook takes it) with the spike's points
 * written; the attach waits for it, and then finds the spike.
 */
describe('a monitor attached while a batch commits', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack('attach-race', { worker: false });
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** The crisis flow's campaign, its monitor node's config as validated, and a monitor service of the test's own. */
  async function crisisMonitor() {
    const { owner, campaign, flowId } = await crisisFlow(stack, 'https://robot.example.test/hook');
    const checked = validateFlow((await owner.api.get(`/api/flows/${flowId}`)).body.graph);
    if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
    const monitorConfig = checked.flow.nodes.find((n) => n.id === 'monitor')!.config as { lateness: string };
    const monitors = new MonitorService({
      db: stack.server.db.db,
      alerts: stack.server.app.alerts,
      campaigns: stack.server.app.campaigns,
      signal: async () => {},
    });
    return { owner, campaign, monitorConfig, monitors };
  }

  it('waits for the batch and judges its points', async () => {
    const { owner, campaign, flowId } = await crisisFlow(stack, 'https://robot.example.test/hook');
    const { ingest } = await scenarioIngest(stack, campaign.id, owner.id);
    await ingest(0, 494);
    const graph = (await owner.api.get(`/api/flows/${flowId}`)).body.graph;
    const checked = validateFlow(graph);
    if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
    const monitorConfig = checked.flow.nodes.find((n) => n.id === 'monitor')!.config;

    const batch = await stack.server.db.pool.connect();
    try {
      await batch.query('BEGIN');
      await batch.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`flightdeck:monitors:${campaign.id}`]);
      for (const row of scenarioRows(494, 500)) {
        const [ts, channel, metric, value] = row.split(',');
        await batch.query('INSERT INTO metric_points (campaign_id, channel, metric, ts, value) VALUES ($1, $2, $3, $4, $5)', [
          campaign.id,
          channel,
          metric,
          ts,
          Number(value),
        ]);
      }
      const monitors = new MonitorService({
        db: stack.server.db.db,
        alerts: stack.server.app.alerts,
        campaigns: stack.server.app.campaigns,
        signal: async () => {},
      });
      const attached = monitors.attach({
        runId: 'race-run',
        nodeId: 'monitor',
        executionKey: 'race-run/monitor/1',
        campaignId: campaign.id,
        monitor: monitorConfig as never,
      });
      // The attach is queued behind the batch's turn: PostgreSQL shows its advisory lock waiting.
      await waitFor('the attach waiting for its turn', async () => {
        const { rows } = await stack.server.db.pool.query(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        return rows[0].n > 0;
      });
      await batch.query('COMMIT');
      const check = await attached;
      expect(check.open.map((a) => a.ruleId)).toEqual(['negative_spike']);
    } finally {
      batch.release();
    }
  });

  it('a campaign whose dates are past is watched for its replay: silence counts from the attach, not from never', async () => {
    const { campaign, monitorConfig, monitors } = await crisisMonitor();
    const executionKey = 'past-run/monitor/1';
    const attached = await monitors.attach({
      runId: 'past-run',
      nodeId: 'monitor',
      executionKey,
      campaignId: campaign.id,
      monitor: monitorConfig as never,
    });
    const { rows } = await stack.server.db.pool.query('SELECT created_at FROM monitors WHERE id = $1', [attached.monitorId]);
    const attachedAt = (rows[0].created_at as Date).getTime();
    const lateness = parseDuration(monitorConfig.lateness)!;
    // The 618 campaign ended months before the attach, and no point has come yet: a check now keeps watching,
    // and wakes when the silence would be long enough to end it.
    const early = await monitors.check({ monitorId: attached.monitorId, executionKey, now: attachedAt + 1_000 });
    expect(early.ended).toBe(false);
    expect(early.nextWakeMs).toBe(attachedAt + lateness);
    const late = await monitors.check({ monitorId: attached.monitorId, executionKey, now: attachedAt + lateness });
    expect(late.ended).toBe(true);
  });

  it('counts silence from the last batch, kept on the monitor, and from the points again after a re-attach', async () => {
    const { owner, campaign, monitorConfig, monitors } = await crisisMonitor();
    const lateness = parseDuration(monitorConfig.lateness)!;
    const attach = (executionKey: string) =>
      monitors.attach({ runId: 'silence-run', nodeId: 'monitor', executionKey, campaignId: campaign.id, monitor: monitorConfig as never });
    const first = await attach('silence-run/monitor/1');
    // A day of the 618 campaign, months after its dates: the API's ingest judges the attached monitor in the batch.
    const { ingest } = await scenarioIngest(stack, campaign.id, owner.id);
    await ingest(0, 24);
    const stored = async () =>
      (
        await stack.server.db.pool.query<{ arrived: Date | null; latest: Date }>(
          `SELECT m.last_arrival AS arrived, (SELECT max(received_at) FROM metric_points WHERE campaign_id = m.campaign_id) AS latest
             FROM monitors m WHERE m.id = $1`,
          [first.monitorId],
        )
      ).rows[0]!;
    const { arrived, latest } = await stored();
    expect(arrived?.getTime()).toBe(latest.getTime());
    const endsAt = latest.getTime() + lateness;
    const checkAt = (executionKey: string, now: number) => monitors.check({ monitorId: first.monitorId, executionKey, now });
    expect((await checkAt('silence-run/monitor/1', endsAt - 1)).ended).toBe(false);
    expect((await checkAt('silence-run/monitor/1', endsAt)).ended).toBe(true);

    // Attached again (a loop back to the node): arrivals while it was away are not on the row, so the points say.
    await attach('silence-run/monitor/2');
    expect((await stored()).arrived).toBeNull();
    expect((await checkAt('silence-run/monitor/2', endsAt - 1)).ended).toBe(false);
    expect((await checkAt('silence-run/monitor/2', endsAt)).ended).toBe(true);
  });
});
