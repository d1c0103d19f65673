export * from './flow.ts';
export * from './json.ts';
export * from './duration.ts';
export * from './time.ts';
export * from './expressions.ts';
export * from './templates.ts';
export * from './messages.ts';
export * from './validator.ts';
export {
  PROBLEM_KEYS,
  isProblemKey,
  problemIn,
  problemText,
  problemWords,
  said,
  schemaMessage,
  bothLanguages,
  zodWords,
  type ProblemKey,
  type ProblemParams,
  type Said,
} from './problem-text.ts';
export * from './frozen.ts';
export * from './freeze.ts';
export * from './nodes/index.ts';
export { WEBHOOK_ACTIVITY, type WebhookRequest, type WebhookResponse } from './nodes/webhook.ts';
export {
  DELIVER_ACTIVITY,
  recipientLabel,
  type ChannelTarget,
  type DeliverRequest,
  type DeliverResult,
  type DeliveryOutcome,
  type HoldReason,
  type MessageTemplates,
  type Recipient,
} from './nodes/deliver.ts';
export { LAUNCH_ACTIVITY, type LaunchRequest, type LaunchResult } from './nodes/launch.ts';
export { CAMPAIGN_PHASES_ACTIVITY, campaignNoticeKey, type CampaignPhase } from './nodes/wait-until.ts';
export { CHANNEL_CONTROL_ACTIVITY, type ChannelControlRequest } from './nodes/channel-control.ts';
export { RESOLVE_PEOPLE_ACTIVITY, type ResolvePeopleRequest } from './nodes/resolve-people.ts';
export { CAMPAIGN_STATUS_ACTIVITY, type CampaignStatusRequest } from './nodes/campaign-status.ts';
export * from './interpreter/ports.ts';
export type { ActivityArgs, ActivityName, ActivityResult, FlowActivities, RegisterRunRequest } from './activities.ts';
export { LOCAL_ACTIVITIES } from './activities.ts';
export { CURRENT_PATCHES } from './patches.ts';
export * from './people.ts';
export {
  APPROVAL_ACTIVITIES,
  checkDecision,
  decisionInputSchema,
  neededApprovals,
  tally,
  type ApprovalTaskView,
  type ApprovalStatus,
  type Decision,
  type DecisionInput,
  type NotifyApproversRequest,
  type ResolveApproversRequest,
  type Vote,
} from './nodes/approval.ts';
export * from './interpreter/state.ts';
export { FlowInterpreter, RunStop, MAX_NODE_EXECUTIONS, type RunContext, type Requester } from './interpreter/interpreter.ts';
export { simulateFlow, type SimulationOptions, type SimulationResult } from './simulator.ts';
export { simulatedPeople } from './simulated-people.ts';
export * from './kpi.ts';
export * from './metric-points.ts';
export * from './monitoring/index.ts';
export * from './review/index.ts';
export { monitorBenchCase, type MonitorBenchCase } from './monitoring/bench.ts';
export * from './nodes/monitor.ts';
export {
  SUBFLOW_TYPE,
  PREPARE_SUBFLOW_ACTIVITY,
  MAX_SUBFLOW_DEPTH,
  MAX_SUBFLOW_INPUT_BYTES,
  NO_FLOW_YET,
  childWorkflowId,
  subflowInputProblem,
  type PrepareSubflowRequest,
  type PreparedSubflow,
  type ChildFlowOutcome,
} from './nodes/subflow.ts';
export * from './nodes/escalate.ts';
export * from './nodes/work-tasks.ts';
export { HUMAN_TASK_TYPE, humanTask } from './nodes/human-task.ts';
export { STORE_REVIEW_ACTIVITY, type StoreReviewRequest, type StoredReviewResult } from './nodes/review.ts';
export * from './flow-warnings.ts';
export * from './flow-diff.ts';
export * from './nodes/campaign-kpis.ts';
