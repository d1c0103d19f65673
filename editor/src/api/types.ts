import type { FlowDocument, RunState, RunStatus } from '@flightdeck/workflows';

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
