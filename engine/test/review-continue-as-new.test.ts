import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { startStack, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { waitFor } from './support/wait-for.ts';
import { freePort } from './support/global-setup.ts';
import { startTemporalDevServer, type RunningTemporal } from '../src/launcher/temporal-cli.ts';

type History = temporal.api.history.v1.IHistory;
type Phase = { name: string; startsAt: string; endsAt: string };
const SCENARIO = JSON.parse(readFileSync(fileURLToPath(new URL('../seed/s618-new-product-launch.campaign.json', import.meta.url)), 'utf8'));
const DAY = 86_400_000;

/**
 * The review node waits weeks, and every edit of the campaign's dates adds to its history, so its wait is parked:
 * with the dev server suggesting a continue-as-new after 40 events, a run whose campaign is edited again and again
 * hands over mid-wait, the next run waits for the latest end it was told of, and the review is stored once.
 */
describe('continue-as-new while the review node waits', () => {
  let temporalServer: RunningTemporal;
  let stack: TestStack;

  beforeAll(async () => {
    temporalServer = await startTemporalDevServer({
      binary: inject('temporalCli'),
      port: await freePort(),
      dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 40 },
    });
    stack = await startStack('reviewcan', { temporalAddress: temporalServer.address });
  });
  afterAll(async () => {
    await stack?.close();
    await temporalServer?.stop();
  });

  async function chain(workflowId: string, firstRunId: string): Promise<History[]> {
    const histories: History[] = [];
    for (let runId: string | undefined = firstRunId; runId;) {
      const history: History = await stack.server.temporal.client.workflow.getHandle(workflowId, runId).fetchHistory();
      histories.push(history);
      const last = history.events?.[history.events.length - 1];
      runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    return histories;
  }

  it('hands over mid-wait, follows every edit across the hand-overs, and stores one review', async () => {
    const campaignId = (await stack.api.post('/api/campaigns/import', SCENARIO)).body.id;
    const original: Phase[] = (await stack.api.get(`/api/campaigns/${campaignId}`)).body.phases;
    const withEnd = (endsAt: string) => original.map((p, i) => (i === original.length - 1 ? { ...p, endsAt } : p));
    const base = Date.now() + 60 * DAY;
    expect((await stack.api.put(`/api/campaigns/${campaignId}/phases`, { phases: withEnd(new Date(base).toISOString()) })).status).toBe(
      200,
    );
    const { flowId } = await stack.api.publishFlow(
      'Review, edited often',
      flow(
        [node('start', 'trigger.manual'), node('review', 'campaign.review', { settle: '1h' }), node('done', 'control.end')],
        [edge('start', 'next', 'review'), edge('review', 'next', 'done')],
      ),
    );
    const runId = await stack.api.startRun(flowId, {}, campaignId);
    const waitingFor = (end: number) =>
      waitFor(`the review node waiting for ${new Date(end).toISOString()}`, async () => {
        const d = (await stack.api.get(`/api/runs/${runId}`)).body.state?.nodes.review?.detail;
        return d?.waitingUntil === new Date(end + 3_600_000).toISOString() ? d : undefined;
      });
    await waitingFor(base);
    const run = (await stack.api.get(`/api/runs/${runId}`)).body;
    const firstRunId = (await stack.server.temporal.client.workflow.getHandle(run.workflowId).describe()).runId;

    // Eight postponements, a day each, each one heard (and waited for) before the next.
    for (let i = 1; i <= 8; i++) {
      const end = base + i * DAY;
      expect((await stack.api.put(`/api/campaigns/${campaignId}/phases`, { phases: withEnd(new Date(end).toISOString()) })).status).toBe(
        200,
      );
      await waitingFor(end);
    }
    // Then back to the scenario's own end, long past: the review is due at once.
    expect((await stack.api.put(`/api/campaigns/${campaignId}/phases`, { phases: original })).status).toBe(200);
    const done = await stack.api.waitForRun(runId);
    expect(done.status, JSON.stringify(done.state)).toBe('completed');
    const output = done.state.nodes.review.output;
    expect(output.campaignEndsAt).toBe(new Date(original.at(-1)!.endsAt).toISOString());
    expect(output.moved).toHaveLength(9);

    const histories = await chain(run.workflowId, firstRunId);
    expect(histories.length).toBeGreaterThanOrEqual(2);
    const versions = (await stack.api.get(`/api/campaigns/${campaignId}/reviews`)).body.versions;
    expect(versions.map((v: { trigger: string }) => v.trigger)).toEqual(['flow']);
    expect(versions[0].version).toBe(output.version);

    // Every run of the chain replays on today's code without non-determinism.
    const workflowBundle = { code: readFileSync(inject('workflowBundlePath'), 'utf8') };
    for (const [i, history] of histories.entries())
      await Worker.runReplayHistory({ workflowBundle, replayName: `review-chain-${i}` }, history, run.workflowId);
  });
});
