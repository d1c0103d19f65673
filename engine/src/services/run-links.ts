import { asc, desc, eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { flows, runs, type RunRow } from '../db/schema.ts';

/** The link of a run to its parent, and to each run it started, as the run view shows them. */
export interface RunLinks {
  parent: { runId: string; nodeId: string; flowId: string; flowName: string; status: RunRow['status'] } | null;
  children: {
    runId: string;
    nodeId: string;
    flowId: string;
    flowName: string;
    version: number;
    status: RunRow['status'];
    startedAt: string;
  }[];
  /** Later runs that repeat this one, newest first. */
  reruns: { runId: string; status: RunRow['status']; startedAt: string; requestedBy: string | null }[];
}

/** A run's parent (when a sub-flow node started it), the runs its sub-flow nodes started, and its re-runs. */
export async function runLinks(db: Database, runId: string): Promise<RunLinks> {
  const [self] = await db.select({ parentRunId: runs.parentRunId, parentNodeId: runs.parentNodeId }).from(runs).where(eq(runs.id, runId));
  let parent: RunLinks['parent'] = null;
  if (self?.parentRunId) {
    const [p] = await db
      .select({ runId: runs.id, flowId: runs.flowId, flowName: flows.name, status: runs.status })
      .from(runs)
      .innerJoin(flows, eq(flows.id, runs.flowId))
      .where(eq(runs.id, self.parentRunId));
    if (p) parent = { ...p, nodeId: self.parentNodeId ?? '' };
  }
  // Bounded: a run starts at most MAX_NODE_EXECUTIONS children, and the view needs no more than these.
  const rows = await db
    .select({ run: runs, flowName: flows.name })
    .from(runs)
    .innerJoin(flows, eq(flows.id, runs.flowId))
    .where(eq(runs.parentRunId, runId))
    .orderBy(asc(runs.startedAt))
    .limit(200);
  const children = rows.map(({ run, flowName }) => ({
    runId: run.id,
    nodeId: run.parentNodeId ?? '',
    flowId: run.flowId,
    flowName,
    version: run.version,
    status: run.status,
    startedAt: run.startedAt.toISOString(),
  }));
  const reruns = await db
    .select({ runId: runs.id, status: runs.status, startedAt: runs.startedAt, requestedBy: runs.requestedBy })
    .from(runs)
    .where(eq(runs.rerunOf, runId))
    .orderBy(desc(runs.startedAt))
    .limit(50);
  return { parent, children, reruns: reruns.map((r) => ({ ...r, startedAt: r.startedAt.toISOString() })) };
}
