import type { JsonValue } from './json.ts';
import type { MetricPoint } from './kpi.ts';
import { validateFlow, type ValidationIssue } from './validator.ts';
import { FlowInterpreter, type InterpreterSnapshot } from './interpreter/interpreter.ts';
import { getNodeType } from './nodes/index.ts';
import { ActivityCallError, type ActivityCallOptions, type RuntimePorts, type StepEvent } from './interpreter/ports.ts';
import type { RunState } from './interpreter/state.ts';
import { DELIVER_ACTIVITY, recipientLabel, type DeliverResult } from './nodes/deliver.ts';
import { LAUNCH_ACTIVITY, type LaunchResult } from './nodes/launch.ts';
import { CHANNEL_CONTROL_ACTIVITY } from './nodes/channel-control.ts';
import { CAMPAIGN_PHASES_ACTIVITY, type CampaignPhase } from './nodes/wait-until.ts';
import type { ActivityArgs, ActivityName, ActivityResult } from './activities.ts';
import { ATTACH_MONITOR_ACTIVITY, DETACH_MONITOR_ACTIVITY } from './nodes/monitor.ts';
import { PREPARE_SUBFLOW_ACTIVITY, type ChildFlowOutcome } from './nodes/subflow.ts';
import { WORK_TASK_ACTIVITIES, workTaskNoticeKey, type OpenWorkTasksRequest, type WorkTaskState } from './nodes/work-tasks.ts';
import { STORE_REVIEW_ACTIVITY } from './nodes/review.ts';
import { computeReview } from './review/compute.ts';
import type { ReviewCampaign } from './review/types.ts';
import { reviewHeadline } from './review/headline.ts';

/**
 * A dry run's task table: tasks are made and read back. Unless `whenOpened` arranges a completion (a scripted answer),
 * nobody completes them, so they run to their due time.
 */
function simulatedWorkTasks(whenOpened?: (req: OpenWorkTasksRequest, complete: () => void) => void): SimulatedActivities {
  const rows = new Map<string, WorkTaskState>();
  // Every task of the execution still open is done: "done" is what the scripted person did, whoever was asked.
  const complete = (executionKey: string) => () => {
    for (const row of rows.values())
      if (row.id.startsWith(`${executionKey}/`) && row.status === 'open') Object.assign(row, { status: 'done', completedBy: 'simulated' });
  };
  const pick = (ids: string[]) => ids.flatMap((id) => (rows.has(id) ? [{ ...rows.get(id)! }] : []));
  return {
    [WORK_TASK_ACTIVITIES.open]: ([req]) => {
      const first = !rows.has(`${req.executionKey}/0`);
      const made = req.assignees.map((a, slot) => {
        const id = `${req.executionKey}/${slot}`;
        if (!rows.has(id)) {
          const assignee = a.kind === 'user' ? a.user : a.kind === 'role' ? `role:${a.role}` : `head:${a.department}`;
          rows.set(id, { id, slot, status: 'open', assignee, notify: [], completedBy: null, result: null });
        }
        return { ...rows.get(id)! };
      });
      // Once per execution, as the server makes its rows once: a retried open is not a second task.
      if (first) whenOpened?.(req, complete(req.executionKey));
      return made;
    },
    [WORK_TASK_ACTIVITIES.read]: ([req]) => pick(req.ids),
    [WORK_TASK_ACTIVITIES.close]: ([req]) => {
      for (const id of req.ids) {
        const row = rows.get(id);
        if (row?.status === 'open') row.status = req.status;
      }
      return pick(req.ids);
    },
  };
}

/** What a dry run assumes when nothing else is scripted: every message goes out, launches succeed. */
const DEFAULT_FAKES: SimulatedActivities = {
  [DELIVER_ACTIVITY]: ([req]): DeliverResult => {
    const to = req.recipients.length ? req.recipients.map(recipientLabel) : ['channel'];
    return {
      kind: 'simulated',
      sent: to.length,
      failed: 0,
      outcomes: req.detail ? to.map((recipient) => ({ recipient, status: 'sent', deduplicated: false })) : [],
    };
  },
  [LAUNCH_ACTIVITY]: (_args, _attempt, now): LaunchResult => ({
    status: 'live',
    launchedAt: new Date(now).toISOString(),
    alreadyLive: false,
  }),
  [CHANNEL_CONTROL_ACTIVITY]: ([req]) => ({ paused: req.paused, resumedRuns: 0 }),
  // A dry run has no metrics unless it scripts them: the watch finds nothing and ends with the campaign.
  [ATTACH_MONITOR_ACTIVITY]: ([req]) => ({
    monitorId: `simulated:${req.nodeId}`,
    statuses: [],
    watermark: null,
    open: [],
    nextWakeMs: null,
    ended: true,
  }),
  [DETACH_MONITOR_ACTIVITY]: () => undefined,
  // A dry run starts no real run: the child is named after its workflow id, and its graph is not needed.
  [PREPARE_SUBFLOW_ACTIVITY]: ([req]) => ({
    childRunId: `simulated:${req.childWorkflowId}`,
    childWorkflowId: req.childWorkflowId,
    flowName: 'simulated sub-flow',
    args: { flowId: req.flowId, versionId: 'simulated', version: req.version, graph: null, input: req.input, requester: null },
  }),
};

/** A failure a simulated activity throws; `nonRetryable` mirrors Temporal's ApplicationFailure. */
export interface SimulatedFailure {
  message: string;
  nonRetryable?: boolean;
}

/** A fake for activity K, typed by the same contract (FlowActivities) the activities package implements. */
export type SimulatedActivity<K extends ActivityName = ActivityName> = (
  args: ActivityArgs<K>,
  attempt: number,
  now: number,
) => ActivityResult<K> | Promise<ActivityResult<K>>;

export type SimulatedActivities = { [K in ActivityName]?: SimulatedActivity<K> };

/** Input a person gives a waiting task at a virtual time, e.g. an approver's vote. */
export interface SimulatedTaskInput {
  atMs: number;
  nodeId: string;
  input: unknown;
}

export interface SimulationOptions {
  input?: JsonValue;
  campaign?: JsonValue;
  requester?: { id: string; name: string; email?: string } | null;
  /** Scripted human input, delivered to the node's open task at its virtual time (relative to the start). */
  taskInputs?: SimulatedTaskInput[];
  startAt?: number;
  /** Activity name → fake. Unlisted activities succeed with `{ simulated: true }`. */
  activities?: SimulatedActivities;
  /** Stop the virtual clock after this much simulated time. */
  maxVirtualMs?: number;
  /** Outside events at virtual times (relative to the start), e.g. `connection:<id>` when a paused channel resumes. */
  notices?: { atMs: number; key: string }[];
  /**
   * Continue as new whenever the run can hand over (every running node parked), as Temporal does once a
   * history grows long: the interpreter is dropped and a fresh one goes on from its JSON snapshot.
   */
  handOverWhenParked?: boolean;
  /** How a sub-flow's child run ends, by its workflow id; by default it succeeds at once (completed, or started without wait). */
  childFlows?: (req: { workflowId: string; wait: boolean }) => ChildFlowOutcome;
  /** Told of every node execution's start and end, with what it read and what it gave (the what-if timeline). */
  onStep?: (step: StepEvent) => void;
  /**
   * Answers a task when it opens (relative to its opening, unlike `taskInputs`): an approver who
   * decides three hours after being asked, wherever in the run that is. Each task is asked once.
   */
  respondToTask?: (task: { nodeId: string; openedAtMs: number }) => { afterMs: number; input: unknown }[];
  /** The campaign's metric series the review node computes from (only the points before its time); none by default. */
  reviewPoints?: readonly MetricPoint[];
  /**
   * Completes a node's work tasks (a `human.task`, a review's lesson tasks) that long after they open, or never
   * (null: they run to their due time). The completion signals the run as the server's does.
   */
  respondToWorkTask?: (task: { nodeId: string; kind: 'task' | 'lesson' }) => { afterMs: number } | null;
}

export interface SimulationResult {
  ok: boolean;
  issues?: ValidationIssue[];
  state?: RunState;
  /** Every activity attempt, in order, with its virtual time. */
  calls: { name: string; args: unknown[]; attempt: number; at: number; outcome: 'ok' | 'error' }[];
  /** What happened to each scripted task input: accepted, or the rejection's code and message. */
  taskResults: { nodeId: string; atMs: number; accepted: boolean; code?: string; message?: string }[];
  virtualMs: number;
  /** How many times the run continued as new (with handOverWhenParked). */
  handovers?: number;
}

/**
 * Runs a flow on a virtual clock with the very interpreter Temporal runs: delays of weeks finish
 * at once, and retries follow the node's policy in virtual time. The editor's dry run and the
 * interpreter's unit tests use it.
 */
export async function simulateFlow(graph: unknown, options: SimulationOptions = {}): Promise<SimulationResult> {
  const checked = validateFlow(graph);
  const calls: SimulationResult['calls'] = [];
  const taskResults: SimulationResult['taskResults'] = [];
  if (!checked.ok) return { ok: false, issues: checked.issues, calls, taskResults, virtualMs: 0 };

  const start = options.startAt ?? Date.UTC(2026, 5, 1);
  let now = start;
  let seq = 0;
  // A run's timers and waits belong to its generation: a hand-over drops the old run's, as Temporal forgets a closed run.
  // Scripted events (generation -1) belong to the world and outlive hand-overs.
  let generation = 0;
  const timers: { at: number; seq: number; gen: number; resolve: () => void }[] = [];
  const sleepIn = (gen: number, ms: number) =>
    new Promise<void>((resolve) => timers.push({ at: now + Math.max(0, ms), seq: seq++, gen, resolve }));
  const sleep = (ms: number) => sleepIn(generation, ms);
  const scripted = (ms: number) => sleepIn(-1, ms);
  // Conditions are re-checked after every timer and every delivered input, as Temporal re-checks them after every activation.
  const waiters = new Set<{ predicate: () => boolean; resolve: (v: boolean) => void; gen: number }>();
  const recheck = () => {
    let woke = false;
    for (const w of [...waiters]) {
      if (w.predicate()) {
        waiters.delete(w);
        w.resolve(true);
        woke = true;
      }
    }
    return woke;
  };

  const notices = new Map<string, number>();
  const notice = (key: string) => {
    notices.set(key, (notices.get(key) ?? 0) + 1);
    recheck();
  };
  // The campaign is the simulation's own: re-reading its phases gives them back unchanged.
  const fakes: SimulatedActivities = {
    ...DEFAULT_FAKES,
    ...simulatedWorkTasks((req, complete) => {
      const answer = options.respondToWorkTask?.({ nodeId: req.nodeId, kind: req.kind });
      if (!answer) return;
      void scripted(Math.max(0, answer.afterMs)).then(() => {
        complete();
        notice(workTaskNoticeKey(req.executionKey));
      });
    }),
    [CAMPAIGN_PHASES_ACTIVITY]: () => ({ phases: (options.campaign as { phases?: CampaignPhase[] } | undefined)?.phases ?? [] }),
    // A dry run stores nothing: the review of the campaign as given, from the scripted metrics reported by then, as version 1.
    [STORE_REVIEW_ACTIVITY]: ([req]) => {
      const campaign = { timezone: 'UTC', ...(options.campaign as object | undefined) } as ReviewCampaign;
      const points = (options.reviewPoints ?? []).filter((p) => Date.parse(p.ts) < req.at);
      const computed = computeReview(campaign, points, {}, { generatedAt: new Date(req.at).toISOString() });
      return {
        reviewId: `simulated:${req.executionKey}`,
        version: 1,
        computedAt: new Date(req.at).toISOString(),
        headline: reviewHeadline(computed),
      };
    },
  };
  for (const n of options.notices ?? []) {
    void scripted(n.atMs).then(() => notice(n.key));
  }

  const ports: RuntimePorts = {
    now: () => now,
    sleep,
    waitUntil(predicate, timeoutMs) {
      if (predicate()) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const waiter = { predicate, resolve, gen: generation };
        waiters.add(waiter);
        if (timeoutMs !== undefined) {
          void sleep(timeoutMs).then(() => {
            if (waiters.delete(waiter)) resolve(false);
          });
        }
      });
    },
    waitForNotice(key, timeoutMs, since) {
      const seen = since ?? notices.get(key) ?? 0;
      return ports.waitUntil(() => (notices.get(key) ?? 0) > seen, timeoutMs);
    },
    noticeCount: (key) => notices.get(key) ?? 0,
    ...(options.onStep ? { observe: options.onStep } : {}),
    async runChildFlow({ workflowId, wait }) {
      const scripted = options.childFlows?.({ workflowId, wait });
      return scripted ?? { status: wait ? 'completed' : 'started' };
    },
    async callActivity<K extends ActivityName>(name: K, args: ActivityArgs<K>, opts: ActivityCallOptions): Promise<ActivityResult<K>> {
      // An unscripted activity with no default fake answers `{ simulated: true }`, whatever its result type says.
      const unscripted = (() => ({ simulated: true })) as unknown as SimulatedActivity<K>;
      const fake = (options.activities?.[name] ?? fakes[name] ?? unscripted) as SimulatedActivity<K>;
      let interval = opts.retry.initialIntervalMs;
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await fake(args, attempt, now);
          calls.push({ name, args, attempt, at: now, outcome: 'ok' });
          return result;
        } catch (err) {
          calls.push({ name, args, attempt, at: now, outcome: 'error' });
          const failure = err as SimulatedFailure;
          if (failure.nonRetryable || attempt >= opts.retry.maximumAttempts) {
            throw new ActivityCallError(failure.message ?? String(err), { nonRetryable: !!failure.nonRetryable, attempts: attempt });
          }
          await sleep(interval);
          interval = Math.min(interval * opts.retry.backoffCoefficient, opts.retry.maximumIntervalMs);
        }
      }
    },
  };

  const context = {
    runId: 'simulation',
    flowId: 'simulation',
    versionId: 'draft',
    version: 0,
    input: options.input ?? {},
    campaign: options.campaign,
    requester: options.requester ?? null,
  };
  let interpreter = new FlowInterpreter(checked.flow, context, ports, getNodeType);
  let done = false;
  const begin = (it: FlowInterpreter) =>
    it.run().finally(() => {
      if (it === interpreter) done = true;
    });
  let running = begin(interpreter);
  let handovers = 0;
  let lastHandOverAt: number | undefined;
  const handOver = () => {
    // Through JSON, as the snapshot travels in Temporal: anything that does not survive that is a bug here too.
    const snapshot = JSON.parse(JSON.stringify(interpreter.snapshot())) as InterpreterSnapshot;
    generation += 1;
    for (let i = timers.length - 1; i >= 0; i--) if (timers[i]!.gen !== -1) timers.splice(i, 1);
    for (const w of [...waiters]) if (w.gen !== -1) waiters.delete(w);
    interpreter = new FlowInterpreter(checked.flow, context, ports, getNodeType, snapshot);
    handovers += 1;
    running = begin(interpreter);
  };
  const limit = start + (options.maxVirtualMs ?? 366 * 86_400_000);
  const undelivered = new Set(options.taskInputs ?? []);
  const deliver = (input: SimulatedTaskInput) =>
    void scripted(input.atMs - (now - start)).then(() => {
      undelivered.delete(input);
      const task = interpreter.openTasks().find((t) => t.nodeId === input.nodeId);
      try {
        if (!task) throw Object.assign(new Error(`No open task on "${input.nodeId}"`), { code: 'closed' });
        interpreter.submitTask(task.id, input.input);
        taskResults.push({ nodeId: input.nodeId, atMs: input.atMs, accepted: true });
      } catch (err) {
        taskResults.push({
          nodeId: input.nodeId,
          atMs: input.atMs,
          accepted: false,
          code: (err as { code?: string }).code,
          message: (err as Error).message,
        });
      }
      recheck();
    });
  for (const input of options.taskInputs ?? []) deliver(input);
  const asked = new Set<string>();
  const respond = () => {
    for (const task of options.respondToTask ? interpreter.openTasks() : []) {
      if (asked.has(task.id)) continue;
      asked.add(task.id);
      for (const answer of options.respondToTask!({ nodeId: task.nodeId, openedAtMs: now - start })) {
        const input = { atMs: now - start + Math.max(0, answer.afterMs), nodeId: task.nodeId, input: answer.input };
        undelivered.add(input);
        deliver(input);
      }
    }
  };
  // Let every token run until all are blocked on timers, then jump the clock to the next one.
  while (!done) {
    await new Promise((r) => setTimeout(r, 0));
    // What the tokens did since may have made a wait's condition true (a join cancelling a branch): Temporal would
    // see it in the same activation, before any timer.
    if (recheck()) continue;
    if (done) break;
    respond();
    // At most once per virtual instant: a resumed node looks once and parks again at the same time.
    if (options.handOverWhenParked && lastHandOverAt !== now && interpreter.canHandOver()) {
      lastHandOverAt = now;
      handOver();
      continue;
    }
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = timers.shift();
    if (!next || next.at > limit) break;
    now = next.at;
    next.resolve();
    await new Promise((r) => setTimeout(r, 0));
    recheck();
  }
  if (!done) {
    return {
      ok: false,
      state: interpreter.state,
      calls,
      taskResults,
      virtualMs: now - start,
      issues: [{ path: [], code: 'schema', message: 'Simulation stopped: the run is still waiting at the end of the simulated time' }],
    };
  }
  const state = await running;
  // Input scripted for after the run ended is refused like input to a closed task, never silently dropped.
  for (const scripted of undelivered) {
    taskResults.push({
      nodeId: scripted.nodeId,
      atMs: scripted.atMs,
      accepted: false,
      code: 'closed',
      message: 'The run had already ended',
    });
  }
  return { ok: true, state, calls, taskResults, virtualMs: now - start, ...(options.handOverWhenParked ? { handovers } : {}) };
}
