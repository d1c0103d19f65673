/**
 * The same work as the interpreter's flows, written by hand against the SDK: the yardsticks. This
 * bundle holds nothing else, so a yardstick run does not also load Flightdeck's modules.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { WebhookRequest, WebhookResponse } from '@flightdeck/workflows';

type Send = { sendWebhook(req: WebhookRequest): Promise<WebhookResponse> };
const OPTIONS = {
  startToCloseTimeout: 15_000,
  retry: { maximumAttempts: 3, initialInterval: 1000, backoffCoefficient: 2, maximumInterval: 60_000 },
};
const { sendWebhook } = proxyActivities<Send>(OPTIONS);
const local = proxyLocalActivities<Send>(OPTIONS);

/** The one-send yardsticks' request, the same whichever way it is sent. */
const oneSend = (args: { url: string; runId: string }): WebhookRequest => ({
  url: args.url,
  method: 'POST',
  headers: {},
  body: { run: args.runId },
  timeoutMs: 10_000,
  idempotencyKey: `${args.runId}/send/1`,
});

/** Ten webhook calls in a row, no interpreter: the yardstick for the interpreter's overhead. */
export async function handWrittenTenSteps(args: { url: string; runId: string }): Promise<{ nodeMs: number[] }> {
  const nodeMs: number[] = [];
  for (let i = 1; i <= 10; i++) {
    const started = Date.now();
    await sendWebhook({
      url: args.url,
      method: 'POST',
      headers: {},
      body: { step: i, run: args.runId },
      timeoutMs: 10_000,
      idempotencyKey: `${args.runId}/step${i}/1`,
    });
    nodeMs.push(Date.now() - started);
  }
  return { nodeMs };
}

/** One webhook call and nothing else: the yardstick for a channel send (interpreter, ledger, signing). */
export async function handWrittenOneSend(args: { url: string; runId: string }): Promise<void> {
  await sendWebhook(oneSend(args));
}

/** handWrittenOneSend with the call as a local activity. */
export async function handWrittenOneLocalSend(args: { url: string; runId: string }): Promise<void> {
  await local.sendWebhook(oneSend(args));
}
