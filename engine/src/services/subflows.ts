import { eq, or } from 'drizzle-orm';
import { MAX_SUBFLOW_DEPTH, subflowInputProblem, type PreparedSubflow, type PrepareSubflowRequest } from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import { flows, runs } from '../db/schema.ts';
import { can, type Actor } from '../auth/access.ts';
import { Forbidden, invalid } from './errors.ts';
import { frozenFields, type FlowService } from './flows.ts';
import type { PeopleService } from './people.ts';

const RUN_WORKFLOW_ID = /^run-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The run-time start of a sub-flow's child run (the publish-time check: subflow-references.ts; the links: run-links.ts). */
export class SubflowService {
  constructor(
    private readonly db: Database,
    private readonly flows: FlowService,
    private readonly people: PeopleService,
  ) {}

  /**
   * The activity's side of a sub-flow node: checks the parent's starter may start the pinned version, refuses a
   * chain deeper than MAX_SUBFLOW_DEPTH and registers the child run, idempotently by its workflow id.
   */
  async prepare(req: PrepareSubflowRequest): Promise<PreparedSubflow> {
    const problem = subflowInputProblem(req.input);
    if (problem) throw invalid('input', problem);
    const parent = await this.parentRow(req.parentWorkflowId);
    if (!parent) throw invalid('parentWorkflowId', `No run ${req.parentWorkflowId}`);
    const [child] = await this.db.select().from(flows).where(eq(flows.id, req.flowId));
    if (!child) throw invalid('flowId', `No flow ${req.flowId}`);
    const requester = await this.starter(req.requesterId);
    if (requester) {
      if (!can(requester, 'runs:start', child.departmentId))
        throw new Forbidden(`${requester.name} may not start runs of "${child.name}"`, [{ path: 'flowId', message: 'Not allowed' }]);
    } else {
      // A run no person started (an event, a schedule) reaches only flows of its own department.
      const [own] = await this.db.select({ d: flows.departmentId }).from(flows).where(eq(flows.id, parent.flowId));
      if (own?.d !== child.departmentId)
        throw new Forbidden(`A run started by an event may only start flows of its own department`, [
          { path: 'flowId', message: 'Not allowed' },
        ]);
    }
    const depth = await this.depthOf(parent.id);
    if (depth >= MAX_SUBFLOW_DEPTH)
      throw invalid('flowId', `Sub-flows nest at most ${MAX_SUBFLOW_DEPTH} deep; this run is already ${depth} deep`, 'too_deep');
    const version = await this.flows.version(req.flowId, req.version);
    await this.db
      .insert(runs)
      .values({
        flowId: child.id,
        versionId: version.id,
        version: version.version,
        workflowId: req.childWorkflowId,
        input: req.input,
        requestedBy: requester?.id ?? null,
        parentRunId: parent.id,
        parentNodeId: req.parentNodeId,
      })
      .onConflictDoNothing({ target: runs.workflowId });
    const [row] = await this.db
      .select({ id: runs.id, parentRunId: runs.parentRunId })
      .from(runs)
      .where(eq(runs.workflowId, req.childWorkflowId));
    // A workflow id is ours to reuse only for the same parent (a retried activity, a replay).
    if (row?.parentRunId !== parent.id) throw invalid('childWorkflowId', 'That workflow id belongs to another run', 'taken');
    return {
      childRunId: row.id,
      childWorkflowId: req.childWorkflowId,
      flowName: child.name,
      args: {
        flowId: child.id,
        versionId: version.id,
        version: version.version,
        graph: version.graph,
        ...frozenFields(version),
        input: req.input,
        requester: requester ? { id: requester.id, name: requester.name, email: requester.email } : null,
      },
    };
  }

  /** A run started through the API is named `run-<row id>` and may not carry that id yet when its first node runs. */
  private async parentRow(workflowId: string) {
    const byRowId = RUN_WORKFLOW_ID.exec(workflowId)?.[1];
    const [row] = await this.db
      .select({ id: runs.id, flowId: runs.flowId })
      .from(runs)
      .where(byRowId ? or(eq(runs.workflowId, workflowId), eq(runs.id, byRowId)) : eq(runs.workflowId, workflowId));
    return row;
  }

  private async starter(userId: string | null): Promise<Actor | null> {
    if (!userId) return null;
    const user = await this.people.userRow(userId);
    if (!user || !user.active)
      throw new Forbidden('Whoever started this run can no longer start runs', [{ path: 'requesterId', message: 'Not active' }]);
    return this.people.actorFor(user, 'system');
  }

  /** How many ancestors a run has; the walk stops past the limit, so a corrupt loop in the table cannot hold it. */
  private async depthOf(runId: string): Promise<number> {
    let depth = 0;
    let at: string | null = runId;
    while (at && depth <= MAX_SUBFLOW_DEPTH) {
      const [row]: { p: string | null }[] = await this.db.select({ p: runs.parentRunId }).from(runs).where(eq(runs.id, at));
      at = row?.p ?? null;
      if (at) depth += 1;
    }
    return depth;
  }
}
