import { sendWebhook, webhookActivity } from './webhook.ts';
import { createOutboundGuard, type OutboundGuard } from './outbound/index.ts';
import { approvalActivities, type ApprovalDeps } from './approvals.ts';
import type { CampaignPhase, CampaignStatusRequest, ChannelControlRequest, LaunchRequest, LaunchResult } from '@flightdeck/workflows';
import type { ChannelSums, FlowActivities, RegisterRunRequest, SumMetricsRequest } from '@flightdeck/workflows';
import type {
  AlertView,
  ReadAlertRequest,
  AttachMonitorRequest,
  CheckMonitorRequest,
  MonitorCheck,
  RecordAlertEventRequest,
  PrepareSubflowRequest,
  PreparedSubflow,
  CloseWorkTasksRequest,
  OpenWorkTasksRequest,
  WorkTaskState,
  StoreReviewRequest,
  StoredReviewResult,
} from '@flightdeck/workflows';
import { deliveryActivities, type DeliveryLedger } from './deliver.ts';

export interface ActivityDeps {
  approvals: ApprovalDeps;
  setCampaignStatus(req: CampaignStatusRequest): Promise<void>;
  /** Sets the campaign live and keeps the first launch time. */
  launchCampaign(req: LaunchRequest): Promise<LaunchResult>;
  /** Pauses or resumes a connection; resuming signals the runs holding messages for it. */
  setChannelPaused(req: ChannelControlRequest): Promise<{ paused: boolean; resumedRuns: number }>;
  deliveries: DeliveryLedger;
  /** Records a run a Temporal Schedule started (idempotent by workflow id). */
  registerRun(req: RegisterRunRequest): Promise<void>;
  /** The campaign's phases as they are now, for a wait that was told they changed. */
  campaignPhases(campaignId: string): Promise<CampaignPhase[]>;
  /** The server's monitors and alerts: rules are judged on ingest, the flow only attaches, looks and escalates. */
  monitors: MonitorDeps;
  /** Checks and registers a sub-flow's child run (idempotent by its workflow id) and returns its pinned graph. */
  prepareSubflow(req: PrepareSubflowRequest): Promise<PreparedSubflow>;
  /** The server's work_tasks table: created once per node execution, completed by people through the API. */
  workTasks: WorkTaskDeps;
  /** Computes and stores the campaign's next review version, once per execution key. */
  storeReview(req: StoreReviewRequest): Promise<StoredReviewResult>;
  sumMetrics(req: SumMetricsRequest): Promise<ChannelSums[]>;
  /** Where webhook nodes and channel sends may connect. Default: public addresses only. */
  outbound?: OutboundGuard;
  /** The clock channel sends read quiet hours on; tests set it on either side of a window's end instead of waiting for one. */
  quietHoursClock?: () => number;
}

export interface WorkTaskDeps {
  open(req: OpenWorkTasksRequest): Promise<WorkTaskState[]>;
  read(ids: string[]): Promise<WorkTaskState[]>;
  close(req: CloseWorkTasksRequest): Promise<WorkTaskState[]>;
}

export interface MonitorDeps {
  attach(req: AttachMonitorRequest): Promise<MonitorCheck>;
  check(req: CheckMonitorRequest): Promise<MonitorCheck>;
  detach(monitorId: string): Promise<void>;
  readAlert(req: ReadAlertRequest): Promise<AlertView>;
  recordEvent(req: RecordAlertEventRequest): Promise<void>;
}

/**
 * The activities a worker registers, keyed by the names nodes call them by. `satisfies` checks
 * each name and signature against FlowActivities, the contract the workflow shell proxies.
 */
export function createActivities(deps: ActivityDeps) {
  const outbound = deps.outbound ?? createOutboundGuard();
  const activities = {
    sendWebhook: webhookActivity(outbound),
    ...approvalActivities(deps.approvals),
    ...deliveryActivities(deps.deliveries, { outbound, quietHoursClock: deps.quietHoursClock }),
    async registerScheduledRun(req: RegisterRunRequest): Promise<void> {
      await deps.registerRun(req);
    },
    async setCampaignStatus(req: CampaignStatusRequest): Promise<void> {
      await deps.setCampaignStatus(req);
    },
    launchCampaign: (req: LaunchRequest) => deps.launchCampaign(req),
    readCampaignPhases: async (campaignId: string) => ({ phases: await deps.campaignPhases(campaignId) }),
    setChannelPaused: (req: ChannelControlRequest) => deps.setChannelPaused(req),
    attachMonitor: (req: AttachMonitorRequest) => deps.monitors.attach(req),
    checkMonitor: (req: CheckMonitorRequest) => deps.monitors.check(req),
    detachMonitor: (req: { monitorId: string }) => deps.monitors.detach(req.monitorId),
    readAlert: (req: ReadAlertRequest) => deps.monitors.readAlert(req),
    recordAlertEvent: (req: RecordAlertEventRequest) => deps.monitors.recordEvent(req),
    prepareSubflow: (req: PrepareSubflowRequest) => deps.prepareSubflow(req),
    openWorkTasks: (req: OpenWorkTasksRequest) => deps.workTasks.open(req),
    readWorkTasks: (req: { ids: string[] }) => deps.workTasks.read(req.ids),
    closeWorkTasks: (req: CloseWorkTasksRequest) => deps.workTasks.close(req),
    storeCampaignReview: (req: StoreReviewRequest) => deps.storeReview(req),
    sumCampaignMetrics: (req: SumMetricsRequest) => deps.sumMetrics(req),
  } satisfies FlowActivities;
  return activities;
}

export { sendWebhook, webhookActivity };
export * from './outbound/index.ts';
export { createMailer, type Mailer, type OutgoingMail } from './email.ts';
export type { ApprovalDeps } from './approvals.ts';
export type {
  Claim,
  DeliveryLedger,
  DeliveryChannel,
  InAppNotice,
  LedgerRow,
  LedgerStatus,
  ResolvedTarget,
  StoredMessage,
} from './deliver.ts';
export { providerKey } from './deliver.ts';
export { sharedRenderPool } from './render-pool.ts';
export { assignSlots, effectiveRateLimit, parseQuietHours, quietUntil, type QuietHours, type RateLimit } from './send-window.ts';
export { sendToChannel, ChannelError, CHANNELS, type ChannelConnection, type DeliveryResult } from './channels/index.ts';
export * from './channels/catalogue.ts';
