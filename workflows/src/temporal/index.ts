// The workflow bundle's entry: every workflow type the worker registers.
export { runFlow, runStateQuery, submitTaskUpdate, type RunFlowInput, type TaskInput } from './run-flow.ts';
