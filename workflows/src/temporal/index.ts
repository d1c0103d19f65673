// The workflow bundle's entry: every workflow type the worker registers.
export { runFlow, runStateQuery, type RunFlowInput } from './run-flow.ts';
