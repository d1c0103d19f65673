/**
 * The contract between the flow language and its side effects: every activity a node may call,
 * by name, with its argument and result types. The workflow shell proxies it, the activities
 * package implements it (`createActivities` must satisfy it) and the simulator fakes it, so a
 * renamed activity or a changed payload fails the type check instead of a run. Types only: the
 * workflow sandbox and the browser import it.
 *
 * Properties, not methods, so an implementation's parameters are checked strictly (method
 * parameters are bivariant in TypeScript).
 *
 * One value besides the types: which activities a run calls as Temporal local activities.
 */
import type { JsonValue } from './json.ts';
import type { Person } from './people.ts';
import type { WebhookRequest, WebhookResponse } from './nodes/webhook.ts';
import type { DeliverRequest, DeliverResult } from './nodes/deliver.ts';
import type { LaunchRequest, LaunchResult } from './nodes/launch.ts';
import type { CampaignPhase } from './nodes/wait-until.ts';
import type { ChannelControlRequest } from './nodes/channel-control.ts';
import type { CampaignStatusRequest } from './nodes/campaign-status.ts';
import type { ResolvePeopleRequest } from './nodes/resolve-people.ts';
import type { ApprovalTaskView, NotifyApproversRequest } from './nodes/approval.ts';
import type { AttachMonitorRequest, CheckMonitorRequest, MonitorCheck } from './nodes/monitor.ts';
import type { PrepareSubflowRequest, PreparedSubflow } from './nodes/subflow.ts';
import type { CloseWorkTasksRequest, OpenWorkTasksRequest, WorkTaskState } from './nodes/work-tasks.ts';
import type { StoreReviewRequest, StoredReviewResult } from './nodes/review.ts';
import type { ChannelSums, SumMetricsRequest } from './nodes/campaign-kpis.ts';
import type { AlertView, ReadAlertRequest, RecordAlertEventRequest } from './nodes/escalate.ts';

/** What a scheduled run records about itself before it starts, since no API call created it. */
export interface RegisterRunRequest {
  workflowId: string;
  temporalRunId: string;
  flowId: string;
  versionId: string;
  version: number;
  input: JsonValue;
}

export interface FlowActivities {
  sendWebhook: (req: WebhookRequest) => Promise<WebhookResponse>;
  deliverMessages: (req: DeliverRequest) => Promise<DeliverResult>;
  resolveApprovers: (req: ResolvePeopleRequest) => Promise<Person[]>;
  syncApprovalTask: (view: ApprovalTaskView) => Promise<void>;
  notifyApprovers: (req: NotifyApproversRequest) => Promise<{ sent: number }>;
  registerScheduledRun: (req: RegisterRunRequest) => Promise<void>;
  setCampaignStatus: (req: CampaignStatusRequest) => Promise<void>;
  launchCampaign: (req: LaunchRequest) => Promise<LaunchResult>;
  readCampaignPhases: (campaignId: string) => Promise<{ phases: CampaignPhase[] }>;
  setChannelPaused: (req: ChannelControlRequest) => Promise<{ paused: boolean; resumedRuns: number }>;
  attachMonitor: (req: AttachMonitorRequest) => Promise<MonitorCheck>;
  checkMonitor: (req: CheckMonitorRequest) => Promise<MonitorCheck>;
  detachMonitor: (req: { monitorId: string }) => Promise<void>;
  readAlert: (req: ReadAlertRequest) => Promise<AlertView>;
  recordAlertEvent: (req: RecordAlertEventRequest) => Promise<void>;
  /** Checks the starter may run the pinned version, registers the child run (idempotent by workflow id) and hands back its graph. */
  prepareSubflow: (req: PrepareSubflowRequest) => Promise<PreparedSubflow>;
  /** Creates a node execution's work tasks, once (by execution key and slot), and says whom to tell. */
  openWorkTasks: (req: OpenWorkTasksRequest) => Promise<WorkTaskState[]>;
  readWorkTasks: (req: { ids: string[] }) => Promise<WorkTaskState[]>;
  /** Closes those of `ids` still open (a completion that came first stays done) and returns those tasks as they are now. */
  closeWorkTasks: (req: CloseWorkTasksRequest) => Promise<WorkTaskState[]>;
  /** Computes the campaign's review and stores it as its next version, once per node execution (a retry finds it). */
  storeCampaignReview: (req: StoreReviewRequest) => Promise<StoredReviewResult>;
  /** The campaign's stored metrics summed per channel over a window, for the KPI node. */
  sumCampaignMetrics: (req: SumMetricsRequest) => Promise<ChannelSums[]>;
}

export type ActivityName = keyof FlowActivities;

/**
 * The activities a run started now calls as Temporal local activities: run by the worker inside the workflow task
 * that asked for them, recorded as one marker, where a scheduled activity costs three events, a second workflow task
 * and a trip through the server (the webhook flow's dev-server CPU per run fell by about 40 %). Only calls that are
 * short (one attempt is bounded by the node's timeout) and safe to repeat: a local activity is at least once, and
 * a worker lost in the middle runs it again with its workflow task. `sendWebhook` carries the execution key as its
 * Idempotency-Key, so a receiver drops the repeat. Deliveries (heartbeats, rate-limit holds) and calls that write
 * the product's own state stay scheduled. Each run keeps the list it started with (`RunFlowInput.localActivities`),
 * so a name added here later never changes the replay of a run already going.
 */
export const LOCAL_ACTIVITIES = ['sendWebhook'] as const satisfies readonly ActivityName[];
export type ActivityArgs<K extends ActivityName> = Parameters<FlowActivities[K]>;
export type ActivityResult<K extends ActivityName> = Awaited<ReturnType<FlowActivities[K]>>;
