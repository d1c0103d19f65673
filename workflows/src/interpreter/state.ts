import type { JsonValue } from '../json.ts';

export type NodeStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped' | 'cancelled';
export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled';

export interface NodeState {
  status: NodeStatus;
  /** How many times the node has started in this run (loops through a delay re-enter it). */
  executions: number;
  startedAt?: number;
  endedAt?: number;
  durationMs?: number;
  handle?: string;
  output?: JsonValue;
  error?: string;
  /** What a waiting node shows while it waits: an approval's votes, reminders and escalations. */
  detail?: JsonValue;
}

export interface RunState {
  status: RunStatus;
  startedAt: number;
  endedAt?: number;
  /** Why the run failed or was cancelled, in words a designer can act on. */
  reason?: string;
  nodes: Record<string, NodeState>;
}

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

/**
 * What a node reads when it starts: the outputs of the nodes with an edge into it, by node id. The run view shows
 * it as the node's input, and the simulator's observer records it, from the same state the interpreter keeps.
 */
export function nodeInput(
  edges: readonly { source: string; target: string }[],
  nodes: Readonly<Record<string, NodeState>>,
  nodeId: string,
): Record<string, JsonValue> {
  const input: Record<string, JsonValue> = {};
  for (const edge of edges) {
    if (edge.target !== nodeId || edge.source in input) continue;
    const output = nodes[edge.source]?.output;
    if (output !== undefined) input[edge.source] = output;
  }
  return input;
}
