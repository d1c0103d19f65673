import type { ApprovalStatus, ApprovalTaskView, FlowDocument, Locale, Role, RunState, RunStatus, Vote } from '@flightdeck/workflows';

/** The shapes of the engine's HTTP API, as the editor reads them. */
export interface ProblemError {
  path: string;
  message: string;
  nodeId?: string;
  edgeId?: string;
  code?: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: ProblemError[];
}

export interface FlowSummary {
  id: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
  latestVersion: number | null;
  departmentId?: string | null;
}

/** A flow to start from; its name and description in English, with translations by locale. */
export interface FlowTemplate {
  id: string;
  name: string;
  description: string;
  text?: Partial<Record<string, { name: string; description: string }>>;
  graph: FlowDocument;
}

export type OverlapPolicy = 'skip' | 'buffer_one' | 'buffer_all' | 'cancel_other' | 'terminate_other' | 'allow_all';

/** A published flow's Temporal Schedule, as the server describes it. */
export interface FlowSchedule {
  scheduleId: string;
  version: number | null;
  cron: string | null;
  timezone: string | null;
  overlap: OverlapPolicy;
  catchupWindowMs: number;
  paused: boolean;
  nextRuns: string[];
  /** runId: once the run has recorded itself. */
  recentRuns: { at: string; workflowId: string; runId: string | null }[];
}

export interface Flow extends FlowSummary {
  graph: FlowDocument;
  issues?: { path: (string | number)[] | string; message: string; code?: string; nodeId?: string; edgeId?: string }[];
}

export interface FlowVersion {
  id: string;
  flowId: string;
  version: number;
  createdAt: string;
  note: string | null;
}

export interface Run {
  id: string;
  flowId: string;
  /** Sent by the list endpoint. */
  flowName?: string;
  /** The campaign the run was started against; its snapshot is in the run's input as `campaign`. */
  campaignId?: string | null;
  /** The user who started the run. */
  requestedBy?: string | null;
  versionId: string;
  version: number;
  status: RunStatus;
  input: unknown;
  reason: string | null;
  startedAt: string;
  endedAt: string | null;
  workflowId: string;
  state: RunState | null;
  graph: FlowDocument;
}

export interface FlowPatch {
  name?: string;
  description?: string;
  graph?: FlowDocument;
}

export interface Grant {
  role: Role;
  /** null: in every department. */
  departmentId: string | null;
  expiresAt: string | null;
}

export interface User {
  id: string;
  email: string;
  name: string;
  locale: Locale;
  departmentId: string | null;
  active: boolean;
  grants: Grant[];
}

export interface Session {
  user: User;
  csrfToken: string | null;
}

export interface Department {
  id: string;
  name: string;
  headUserId: string | null;
}

export { CAMPAIGN_STATUSES, type CampaignStatus } from '@flightdeck/workflows';
import type { CampaignStatus } from '@flightdeck/workflows';

export interface CampaignGoal {
  kpi: string;
  target: number;
  unit: string;
  /** "max": the target is a ceiling (lower is better, e.g. CPA). */
  direction?: 'min' | 'max';
  [key: string]: unknown;
}

export interface BudgetLine {
  channel: string;
  amount: number;
  phase?: string;
  [key: string]: unknown;
}

export interface Campaign {
  id: string;
  slug: string | null;
  name: string;
  ownerId: string | null;
  departmentId: string | null;
  department: string | null;
  status: CampaignStatus;
  timezone: string;
  goals: CampaignGoal[];
  budget: { total: number; currency: string; contingencyRatio: number; lines: BudgetLine[] };
  phases: { name: string; startsAt: string; endsAt: string }[];
  channels: { name: string; [key: string]: unknown }[];
  /** When it first went live (a launch node). */
  launchedAt?: string | null;
  createdAt?: string;
  updatedAt?: string;
}

export interface PreviousApproval {
  title: string;
  status: ApprovalStatus;
  votes: Vote[];
  closedAt: string | null;
}

/** One approval task in my inbox, with the campaign it is about. */
export interface InboxItem {
  taskId: string;
  runId: string;
  flowId: string | null;
  nodeId: string;
  title: string;
  status: ApprovalStatus;
  dueAt: string;
  openedAt: string;
  closedAt: string | null;
  task: ApprovalTaskView;
  campaign: Campaign | null;
  previous: PreviousApproval[];
}

/** Where a channel message can go; each kind has its own secrets. */
export { CHANNEL_KINDS as CONNECTION_KINDS, type ConnectionKind } from '@flightdeck/activities/catalogue';
import type { ConnectionKind } from '@flightdeck/activities/catalogue';

/** A channel connection; the API says which secrets are set, never what they are. */
export interface Connection {
  id: string;
  kind: ConnectionKind;
  name: string;
  departmentId: string | null;
  settings: Record<string, string | number | boolean>;
  secretFields: string[];
  /** Paused: every run holds its messages for this connection until it is resumed. */
  paused: boolean;
  pausedAt: string | null;
  pausedReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewConnection {
  kind: ConnectionKind;
  name: string;
  departmentId?: string;
  settings?: Record<string, string | number | boolean>;
  secrets: Record<string, string>;
}

/** What the provider said to a test message. */
export type ConnectionTestResult =
  | { ok: true; status: number; providerMessageId?: string }
  | { ok: false; status?: number; error: string; retryable?: boolean };

/** A flow's inbound webhook signing secret, shown once. */
export interface HookSecret {
  secret: string;
  url: string;
}

/** One notification under the bell. */
export interface AppNotification {
  id: string;
  title: string;
  body: string;
  /** An app path such as /runs/<id>. */
  link: string | null;
  runId: string | null;
  createdAt: string;
  readAt: string | null;
}

export type DeliveryStatus = 'held' | 'sending' | 'sent' | 'unconfirmed' | 'failed';

/** One message of a run, from the delivery ledger. */
export interface Delivery {
  id: string;
  nodeId: string | null;
  recipient: string;
  recipientName: string | null;
  channel: string;
  connectionId: string | null;
  connectionName: string | null;
  status: DeliveryStatus;
  reason: 'quiet_hours' | 'rate_limit' | 'paused' | null;
  notBefore: string | null;
  attempts: number;
  sentAt: string | null;
  error: string | null;
  createdAt: string;
}
