import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { startStack, type TestStack } from './support/stack.ts';
import { startSmtp } from './support/smtp.ts';
import { startWeCom } from '../../activities/test/channels/receivers.ts';
import { waitFor } from './support/wait-for.ts';
import { freePort } from './support/global-setup.ts';
import { crisisFlow, scenarioIngest } from './support/crisis-flow.ts';
import { startTemporalDevServer, type RunningTemporal } from '../src/launcher/temporal-cli.ts';

type History = temporal.api.history.v1.IHistory;

/**
 * A monitor lives for weeks, so its run continues as new before Temporal's history limits. Here the
 * dev server suggests it after 40 events (`limit.historyCount.suggestContinueAsNew`), so the 618
 * crisis run hands over many times while its metrics arrive; the alert still fires on the spike, the
 * escalation still climbs and stops on the ack, signals sent in a burst are not lost, the run view
 * keeps the earlier nodes, and every run of the chain replays.
 */
describe('continue-as-new on a long monitoring run', () => {
  let temporalServer: RunningTemporal;
  let stack: TestStack;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let robot: Awaited<ReturnType<typeof startWeCom>>;

  beforeAll(async () => {
    temporalServer = await startTemporalDevServer({
      binary: inject('temporalCli'),
      port: await freePort(),
      dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 40 },
    });
    smtp = await startSmtp();
    robot = await startWeCom('crisis-room');
    stack = await startStack('can', { smtpUrl: smtp.url, temporalAddress: temporalServer.address });
  });
  afterAll(async () => {
    await stack?.close();
    await robot?.close();
    await smtp?.close();
    await temporalServer?.stop();
  });

  /** The chain's histories, first run to the current one, by following each ContinuedAsNew event. */
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

  it('keeps the watch, the alert, the escalation and every signal across hand-overs', async () => {
    const { owner, head, campaign, flowId } = await crisisFlow(stack, robot.webhookUrl);
    const runId = await owner.api.startRun(flowId, {}, campaign.id);
    // Attached (its id in the node's detail), not only started: points sent before the attach would have no rules to meet.
    const monitorId = await waitFor('the monitor attached', async () => {
      return (await owner.api.get(`/api/runs/${runId}`)).body.state?.nodes.monitor?.detail?.monitorId as string | undefined;
    });
    const run = (await owner.api.get(`/api/runs/${runId}`)).body;
    const firstRunId = (await stack.server.temporal.client.workflow.getHandle(run.workflowId).describe()).runId;

    const { ingest } = await scenarioIngest(stack, campaign.id, owner.id);
    // Noise beside the ingest: notices the monitor must take in whether they land before, during or after a hand-over.
    const handle = stack.server.temporal.client.workflow.getHandle(run.workflowId);
    const burst = Promise.all(Array.from({ length: 30 }, () => handle.signal('notice', `monitor:${monitorId}`)));
    await ingest(0, 500);
    await burst;

    const alerts = (await owner.api.get(`/api/alerts?campaignId=${campaign.id}`)).body.items;
    expect(alerts.map((a: { ruleId: string }) => a.ruleId)).toEqual(['negative_spike']);
    await waitFor('level 1 in the WeCom robot', () => robot.requests.length >= 1);
    const mail = await waitFor('level 2 in the head’s mailbox', () => smtp.mails.find((m) => m.to.includes(head.email)));
    const token = new URL(/https?:\/\/\S*\/alert-ack\?token=[\w.-]+/.exec(mail.text)![0]).searchParams.get('token')!;
    const acked = await fetch(`${stack.url}/alert-ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(acked.status).toBe(200);
    const escalated = await owner.api.waitForNode(runId, 'escalate', 'completed');
    expect(escalated.state.nodes.escalate.handle).toBe('acknowledged');
    expect(robot.requests).toHaveLength(1);
    expect(smtp.mails.filter((m) => m.to.includes(head.email))).toHaveLength(1);

    // Back to watching, through more hand-overs; the rest of the day resolves the alert by rule.
    await waitFor('the monitor watching again', async () => {
      const nodes = (await owner.api.get(`/api/runs/${runId}`)).body.state.nodes;
      return nodes.monitor.executions === 2 && nodes.monitor.status === 'running';
    });
    await ingest(500, 520);
    const after = (await owner.api.get(`/api/alerts?campaignId=${campaign.id}`)).body.items;
    expect(after.map((a: { state: string }) => a.state)).toEqual(['resolved']);

    const histories = await chain(run.workflowId, firstRunId);
    expect(histories.length).toBeGreaterThanOrEqual(3);
    // The run view still shows what happened before the hand-overs.
    const view = (await owner.api.get(`/api/runs/${runId}`)).body;
    expect(view.status).toBe('running');
    expect(view.state.nodes.start).toMatchObject({ status: 'completed', handle: 'next', executions: 1 });
    expect(view.state.nodes.again).toMatchObject({ status: 'completed', executions: 1 });
    expect(view.state.nodes.escalate).toMatchObject({ status: 'completed', handle: 'acknowledged' });

    // Every run of the chain replays on today's code without non-determinism.
    const workflowBundle = { code: readFileSync(inject('workflowBundlePath'), 'utf8') };
    for (const [i, history] of histories.entries()) {
      if (i === histories.length - 1) break; // the current run is still open; the closed ones are the hand-overs
      await Worker.runReplayHistory({ workflowBundle, replayName: `chain-${i}` }, history, run.workflowId);
    }
  });
});
