// The workflow the engine starts, named and typed by the worker's workflow bundle entry. A type-only
// import: the API process never loads workflow code, yet a renamed export or a changed input fails
// the type check instead of the first start.
import type * as workflowBundle from '@flightdeck/workflows/temporal';

export const RUN_FLOW_WORKFLOW = 'runFlow' satisfies keyof typeof workflowBundle;
export type RunFlowWorkflow = (typeof workflowBundle)[typeof RUN_FLOW_WORKFLOW];
