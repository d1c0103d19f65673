import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { durationMs, type JsonValue } from '@flightdeck/workflows';
import type { RunFlowInput } from '@flightdeck/workflows/temporal';
import { frozenFields } from './flows.ts';
import { inArray } from 'drizzle-orm';
import { runs, type FlowVersionRow } from '../db/schema.ts';
import type { Actor } from '../auth/access.ts';
import type { Database } from '../db/client.ts';
import { audit } from './audit.ts';
import type { OVERLAP_POLICIES, flowScheduleSchema } from '../api/contracts/flows.ts';
import type { z } from 'zod';

type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];
import { RUN_FLOW_WORKFLOW, startedNow, type RunFlowWorkflow } from './run-flow-workflow.ts';

const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  buffer_one: ScheduleOverlapPolicy.BUFFER_ONE,
  buffer_all: ScheduleOverlapPolicy.BUFFER_ALL,
  cancel_other: ScheduleOverlapPolicy.CANCEL_OTHER,
  terminate_other: ScheduleOverlapPolicy.TERMINATE_OTHER,
  allow_all: ScheduleOverlapPolicy.ALLOW_ALL,
};

const OVERLAP_NAME = new Map(Object.entries(OVERLAP).map(([name, policy]) => [policy, name as OverlapPolicy]));

export const scheduleIdOf = (flowId: string) => `flow-${flowId}`;

interface ScheduleConfig {
  cron: string;
  timezone: string;
  overlap: string;
  catchupWindow: string;
  sampleInput: JsonValue;
}

/** A flow whose published version starts with a schedule trigger has one Temporal Schedule, pinned to that version. */
export class ScheduleService {
  constructor(
    private readonly db: Database,
    private readonly temporal: () => Client,
    private readonly taskQueue: string,
  ) {}

  /** After a publish: create or replace the schedule, or remove it when the new version is not scheduled. */
  async sync(actor: Actor, flowId: string, version: FlowVersionRow, departmentId: string | null): Promise<void> {
    const trigger = (version.graph as { nodes: { type: string; config: ScheduleConfig }[] }).nodes.find(
      (n) => n.type === 'trigger.schedule',
    );
    if (!trigger) return void (await this.remove(actor, flowId, departmentId, 'the published version has no schedule'));
    const c = trigger.config;
    const args: RunFlowInput = {
      flowId,
      versionId: version.id,
      version: version.version,
      graph: version.graph,
      ...frozenFields(version),
      input: c.sampleInput ?? {},
      scheduled: true,
      ...startedNow(),
    };
    const options = {
      scheduleId: scheduleIdOf(flowId),
      spec: { cronExpressions: [c.cron], timezone: c.timezone },
      action: {
        type: 'startWorkflow' as const,
        workflowType: RUN_FLOW_WORKFLOW,
        taskQueue: this.taskQueue,
        args: [args] as const,
        workflowId: `sched-${flowId}`,
      },
      policies: { overlap: OVERLAP[c.overlap as OverlapPolicy] ?? ScheduleOverlapPolicy.SKIP, catchupWindow: durationMs(c.catchupWindow) },
      memo: { flowId, version: version.version, cron: c.cron },
    };
    await this.remove(actor, flowId, departmentId, null);
    await this.temporal().schedule.create<RunFlowWorkflow>(options);
    await audit(this.db, actor, {
      action: 'schedule.created',
      entityType: 'flow',
      entityId: flowId,
      departmentId,
      after: { cron: c.cron, timezone: c.timezone, overlap: c.overlap, catchupWindow: c.catchupWindow, version: version.version },
    });
  }

  async remove(actor: Actor, flowId: string, departmentId: string | null, why: string | null): Promise<boolean> {
    try {
      await this.temporal().schedule.getHandle(scheduleIdOf(flowId)).delete();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return false;
      throw err;
    }
    if (why)
      await audit(this.db, actor, { action: 'schedule.removed', entityType: 'flow', entityId: flowId, departmentId, after: { why } });
    return true;
  }

  async describe(flowId: string): Promise<z.output<typeof flowScheduleSchema> | null> {
    try {
      const d = await this.temporal().schedule.getHandle(scheduleIdOf(flowId)).describe();
      const memo = (d.memo ?? {}) as { version?: number; cron?: string };
      const recent = d.info.recentActions.map((a) => ({ at: a.takenAt.toISOString(), workflowId: a.action.workflow.workflowId }));
      // Scheduled runs record themselves when they start; the ones recorded so far open in the run view.
      const recorded = recent.length
        ? await this.db
            .select({ id: runs.id, workflowId: runs.workflowId })
            .from(runs)
            .where(
              inArray(
                runs.workflowId,
                recent.map((r) => r.workflowId),
              ),
            )
        : [];
      const runIds = new Map(recorded.map((r) => [r.workflowId, r.id]));
      return {
        scheduleId: d.scheduleId,
        version: memo.version ?? null,
        cron: memo.cron ?? null,
        timezone: d.spec.timezone ?? null,
        // Temporal applies skip where no policy is set (and names no other); the answer says what applies.
        overlap: OVERLAP_NAME.get(d.policies.overlap) ?? 'skip',
        catchupWindowMs: d.policies.catchupWindow,
        paused: d.state.paused,
        nextRuns: d.info.nextActionTimes.slice(0, 5).map((t) => t.toISOString()),
        recentRuns: recent.map((r) => ({ ...r, runId: runIds.get(r.workflowId) ?? null })),
      };
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return null;
      throw err;
    }
  }
}
