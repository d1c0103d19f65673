import type { Goal } from '../kpi.ts';

/**
 * What a review reads. The campaign is the engine's campaign view as it is (the monitor's
 * MonitoredCampaign plus names, phases by name and the budget's contingency); the records are
 * what the engine kept of the run: approvals, the launch, alerts and phase date changes.
 */
export interface ReviewCampaign {
  id?: string;
  name?: string;
  timezone: string;
  goals?: readonly Goal[];
  budget?: {
    total?: number;
    currency?: string;
    /** Share of the total held back from the lines, for overspend (0.1 = 10 %). */
    contingencyRatio?: number;
    lines?: readonly { channel: string; phase?: string; amount: number }[];
  } | null;
  phases?: readonly { name: string; startsAt: string; endsAt: string }[];
  channels?: readonly { name: string; [rate: string]: unknown }[];
}

export interface ReviewVote {
  name: string;
  decision: string;
  comment?: string;
  at: string;
  level?: number;
}

export interface ReviewApproval {
  taskId: string;
  title: string;
  status: string;
  openedAt: string;
  closedAt?: string | null;
  dueAt?: string | null;
  votes?: readonly ReviewVote[];
  escalations?: readonly { at: string; reason?: string }[];
}

export interface ReviewAlertEvent {
  kind: string;
  at: string;
  /** Who did it; null for the rule, the clock or the system. */
  actor?: string | null;
}

export interface ReviewAlert {
  id: string;
  ruleId: string;
  channel: string | null;
  severity: string;
  /** Event time: the bucket that fired the rule. */
  firedAt: string;
  /** When the points that fired it arrived: durations (to ack, to escalate, to resolve) count from here. */
  openedAt: string;
  resolvedAt?: string | null;
  events?: readonly ReviewAlertEvent[];
}

export interface ReviewPhaseChange {
  at: string;
  actor?: string | null;
  before: readonly { name: string; startsAt: string; endsAt: string }[];
  after: readonly { name: string; startsAt: string; endsAt: string }[];
}

/** The engine fills this from approval_tasks, campaigns.launched_at, alerts/alert_events and the audit log. */
export interface ReviewRecords {
  approvals?: readonly ReviewApproval[];
  launch?: { at: string; by?: string | null } | null;
  alerts?: readonly ReviewAlert[];
  phaseChanges?: readonly ReviewPhaseChange[];
}

/** Sizes past which a review refuses its input (the engine's queries stay under them): bounded cost. */
export const REVIEW_LIMITS = {
  points: 2_000_000,
  channels: 200,
  approvals: 1_000,
  alerts: 10_000,
  eventsPerAlert: 1_000,
  phaseChanges: 1_000,
} as const;

/** The only thing computeReview throws: an input it cannot read, with the field that is wrong. */
export class ReviewInputError extends Error {
  override name = 'ReviewInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
