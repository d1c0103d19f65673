// The workflow the engine starts, named and typed by the worker's workflow bundle entry. A type-only
// import: the API process never loads workflow code, yet a renamed export or a changed input fails
// the type check instead of the first start.
import type * as workflowBundle from '@flightdeck/workflows/temporal';
import type { RunFlowInput } from '@flightdeck/workflows/temporal';
import { CURRENT_PATCHES, LOCAL_ACTIVITIES } from '@flightdeck/workflows';

export const RUN_FLOW_WORKFLOW = 'runFlow' satisfies keyof typeof workflowBundle;
export type RunFlowWorkflow = (typeof workflowBundle)[typeof RUN_FLOW_WORKFLOW];

/**
 * What a run started now is told about how to run, fixed in its input for its whole life: the activities it calls
 * as local activities and the patch ids it is past (see RunFlowInput).
 */
export function startedNow(): Pick<RunFlowInput, 'localActivities' | 'patches'> {
  return { localActivities: [...LOCAL_ACTIVITIES], patches: [...CURRENT_PATCHES] };
}
