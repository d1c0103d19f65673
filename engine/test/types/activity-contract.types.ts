// Type-level tests, checked by `npm run typecheck` (vitest does not run this file): every
// `@ts-expect-error` below must stay an error, so a contract that stops catching a mistake
// fails the type check. Nothing here runs.
import type { Client } from '@temporalio/client';
import type { ActivityCallOptions, ActivityName, FlowActivities, RuntimePorts } from '@flightdeck/workflows';
import type { RunFlowInput } from '@flightdeck/workflows/temporal';
import type { createActivities } from '@flightdeck/activities';
import type { SimulationOptions } from '../../../workflows/src/simulator.ts';
import { RUN_FLOW_WORKFLOW, type RunFlowWorkflow } from '../../src/services/run-flow-workflow.ts';
import type * as workflowBundle from '@flightdeck/workflows/temporal';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assert = <T extends true>(): T => true as T;

// The worker registers exactly the activities nodes may call: none missing, none extra.
assert<Equal<keyof ReturnType<typeof createActivities>, ActivityName>>();
// And each with the contract's own signature (strict in parameters, since they are properties).
assert<ReturnType<typeof createActivities> extends FlowActivities ? true : false>();

declare const ports: RuntimePorts;
declare const opts: ActivityCallOptions;

export async function callSites(): Promise<void> {
  const launched = await ports.callActivity('launchCampaign', [{ campaignId: 'c', runId: 'r', nodeId: 'n' }], opts);
  launched.status satisfies string;
  // @ts-expect-error an activity nobody implements
  await ports.callActivity('launchCampaigns', [{ campaignId: 'c', runId: 'r', nodeId: 'n' }], opts);
  // @ts-expect-error the request is missing its nodeId
  await ports.callActivity('launchCampaign', [{ campaignId: 'c', runId: 'r' }], opts);
  // @ts-expect-error readCampaignPhases takes the campaign id, not a request object
  await ports.callActivity('readCampaignPhases', [{ campaignId: 'c' }], opts);
  // @ts-expect-error one argument, not two
  await ports.callActivity('readCampaignPhases', ['c', 'd'], opts);
  const phases = await ports.callActivity('readCampaignPhases', ['c'], opts);
  // @ts-expect-error the result is `{ phases }`, not the phases themselves
  phases.map((p) => p);
}

export const fakes: SimulationOptions['activities'][] = [
  { setChannelPaused: ([req]) => ({ paused: req.paused, resumedRuns: 0 }) },
  // @ts-expect-error a fake for an activity that does not exist
  { sendWebhooks: () => undefined },
  // @ts-expect-error a fake whose result does not match the real activity's
  { setChannelPaused: () => ({ paused: 'yes' }) },
];

declare const client: Client;
declare const input: RunFlowInput;

export async function starts(): Promise<void> {
  await client.workflow.start<RunFlowWorkflow>(RUN_FLOW_WORKFLOW, { taskQueue: 'q', workflowId: 'w', args: [input] });
  // @ts-expect-error runFlow takes a RunFlowInput
  await client.workflow.start<RunFlowWorkflow>(RUN_FLOW_WORKFLOW, { taskQueue: 'q', workflowId: 'w', args: [{ flowId: 'f' }] });
}

// @ts-expect-error the worker's bundle exports no workflow by this name
export const misspelt = 'runFlows' satisfies keyof typeof workflowBundle;
