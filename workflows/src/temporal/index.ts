// The workflow bundle's entry: every workflow type the worker registers.
export {
  runFlow,
  runStateQuery,
  submitTaskUpdate,
  noticeSignal,
  REGISTER_RUN_ACTIVITY,
  type RunFlowInput,
  type TaskInput,
  type RegisterRunRequest,
} from './run-flow.ts';
