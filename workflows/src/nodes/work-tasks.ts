import type { ConcreteApproverRef, Person } from '../people.ts';
import type { JsonValue } from '../json.ts';
import type { ActivityName } from '../activities.ts';
import type { NodeContext } from './define.ts';
import { quickActivity } from './resolve-people.ts';
import { deliverAll, type Recipient } from './deliver.ts';
import { DEFAULT_RETRY } from './retry.ts';
import { BranchCancelled } from '../interpreter/ports.ts';

/**
 * Work people do for a flow (an optimisation review, a lesson to record), kept in the server's work_tasks table: the
 * table is the truth, the run only waits. A completion commits there first and then signals the run (`notice`
 * with workTaskNoticeKey), so a lost signal costs a delay, never an outcome; at the due time the run closes what
 * is still open, and a completion that won that race counts as done.
 */
export const WORK_TASK_ACTIVITIES = {
  open: 'openWorkTasks',
  read: 'readWorkTasks',
  close: 'closeWorkTasks',
} as const satisfies Record<string, ActivityName>;

export type WorkTaskKind = 'task' | 'lesson';
export type WorkTaskStatus = 'open' | 'done' | 'timed_out' | 'cancelled';
export const WORK_TASK_STATUSES = ['open', 'done', 'timed_out', 'cancelled'] as const satisfies readonly WorkTaskStatus[];

/** What a lesson task's form starts with. */
export interface LessonHints {
  kpi?: string;
  channel?: string;
  outcome?: 'met' | 'missed' | 'mixed';
}

export interface OpenWorkTasksRequest {
  /** The node execution's key: with the slot, the rows' identity, so a retried activity finds what it made. */
  executionKey: string;
  /** The run's workflow id. */
  runId: string;
  nodeId: string;
  kind: WorkTaskKind;
  title: string;
  instructions: string;
  /** One task per entry (slot = index); a role stays a role, checked when someone acts. */
  assignees: ConcreteApproverRef[];
  campaignId: string | null;
  campaignDepartment: string | null;
  dueAt: string;
  remindEveryMs: number | null;
  hints: LessonHints;
}

/** A task as the run sees it: its state, and whom to tell about it (the user, or the role's holders now). */
export interface WorkTaskState {
  id: string;
  slot: number;
  status: WorkTaskStatus;
  assignee: string;
  notify: Person[];
  completedBy: string | null;
  result: JsonValue | null;
}

export interface CloseWorkTasksRequest {
  ids: string[];
  status: 'timed_out' | 'cancelled';
  /** Why they closed undone, kept as the task's result (`{ reason }`): "another branch finished first". */
  reason?: string;
}

/** The signal key a run's tasks listen on: one per node execution. */
export const workTaskNoticeKey = (executionKey: string) => `worktasks:${executionKey}`;

/** A missed signal is found out at the latest this long after (or at the next reminder). */
const RECHECK_MS = 60 * 60_000;
/** Patch id (Temporal's patched()): histories recorded before it count notices from after the "new task" message. */
export const NOTICES_FROM_OPEN = 'work-tasks-count-notices-from-open';

export interface AwaitWorkTasksOptions {
  kind: WorkTaskKind;
  title: string;
  instructions: string;
  assignees: ConcreteApproverRef[];
  dueMs: number;
  remindEveryMs?: number;
  /** any: the first completion settles it (the others are cancelled); all: every task must be done. */
  waitFor: 'any' | 'all';
  hints?: LessonHints;
  /** Tells apart several sets of tasks one node execution waits for (a review asking for lessons, then for sign-off). */
  batch?: string;
}

export interface WorkTasksOutcome {
  outcome: 'done' | 'timed_out';
  tasks: WorkTaskState[];
  reminders: { at: string; to: string[] }[];
  dueAt: string;
}

const settled = (tasks: WorkTaskState[], waitFor: 'any' | 'all') =>
  waitFor === 'any' ? tasks.some((t) => t.status === 'done') : tasks.every((t) => t.status === 'done');

const recipients = (tasks: WorkTaskState[]): Recipient[] => {
  const people = new Map<string, Recipient>();
  for (const t of tasks)
    for (const p of t.notify) people.set(p.id, { userId: p.id, name: p.name, email: p.email, ...(p.phone ? { phone: p.phone } : {}) });
  return [...people.values()];
};

/**
 * Creates the tasks (once per node execution, whatever the retries) and waits for them durably: reminders on the
 * workflow's clock up to the due time, completions as signals, and at the due time whatever is open is closed as
 * timed_out. The human.task node runs on it, and so can a review node's lesson tasks.
 */
export async function awaitWorkTasks(ctx: NodeContext<unknown>, opts: AwaitWorkTasksOptions): Promise<WorkTasksOutcome> {
  const { ports, scope, node } = ctx;
  if (!opts.assignees.length) throw new Error('No one to assign the task to');
  const executionKey = opts.batch ? `${ctx.executionKey}/${opts.batch}` : ctx.executionKey;
  const suffix = (s: string) => (opts.batch ? `${opts.batch}/${s}` : s);
  const campaign = scope.campaign as { id?: string; department?: string } | null;
  const dueAtMs = ports.now() + opts.dueMs;
  const dueAt = new Date(dueAtMs).toISOString();
  const request: OpenWorkTasksRequest = {
    executionKey,
    runId: (scope.run as { id: string }).id,
    nodeId: node.id,
    kind: opts.kind,
    title: opts.title,
    instructions: opts.instructions,
    assignees: opts.assignees,
    campaignId: typeof campaign?.id === 'string' ? campaign.id : null,
    campaignDepartment: campaign?.department ?? null,
    dueAt,
    remindEveryMs: opts.remindEveryMs ?? null,
    hints: opts.hints ?? {},
  };
  const key = workTaskNoticeKey(executionKey);
  // Counted before the tasks exist: a completion that lands while the "new task" message is still going out must
  // wake the wait, not be taken for one already read (which left the run asleep for RECHECK_MS).
  const seenBeforeOpen = ports.noticeCount(key);
  let tasks = await ports.callActivity(WORK_TASK_ACTIVITIES.open, [request], quickActivity);
  const reminders: WorkTasksOutcome['reminders'] = [];
  const show = () => ctx.setDetail({ title: opts.title, kind: opts.kind, dueAt, tasks, reminders } as unknown as JsonValue);
  const tell = (to: WorkTaskState[], suffix: string, prefix: string) =>
    deliverAll(ctx, {
      target: { builtin: 'in-app' },
      // The title is people's text: a variable, never part of a template.
      templates: { title: `${prefix}{{ task.title }}`, text: 'Due {{ task.dueAt }}', link: '/inbox' },
      recipients: recipients(to),
      timeout: '30s',
      retry: DEFAULT_RETRY,
      keySuffix: suffix,
      variables: { task: { title: opts.title, dueAt } },
    });
  show();
  await tell(tasks, suffix('opened'), 'New task: ');

  const read = async () => {
    tasks = await ports.callActivity(WORK_TASK_ACTIVITIES.read, [{ ids: tasks.map((t) => t.id) }], quickActivity);
    show();
  };
  const close = async (ids: string[], status: CloseWorkTasksRequest['status'], reason?: string) => {
    if (!ids.length) return;
    const request: CloseWorkTasksRequest = { ids, status, ...(reason === undefined ? {} : { reason }) };
    const closed = await ports.callActivity(WORK_TASK_ACTIVITIES.close, [request], quickActivity);
    tasks = tasks.map((t) => closed.find((c) => c.id === t.id) ?? t);
    show();
  };
  let seen = (ports.patched?.(NOTICES_FROM_OPEN) ?? true) ? seenBeforeOpen : ports.noticeCount(key);
  let lastReminder = ports.now();
  try {
    await waitForTasks();
  } catch (err) {
    if (!(err instanceof BranchCancelled)) throw err;
    // The branch lost a join's race: what is still open closes with the reason, and leaves people's lists.
    await close(
      tasks.filter((t) => t.status === 'open').map((t) => t.id),
      'cancelled',
      err.reason,
    );
    throw err;
  }
  const open = tasks.filter((t) => t.status === 'open').map((t) => t.id);
  // Closing is conditional in the table: a completion that committed first stays done, and counts.
  await close(open, settled(tasks, opts.waitFor) ? 'cancelled' : 'timed_out');
  return { outcome: settled(tasks, opts.waitFor) ? 'done' : 'timed_out', tasks, reminders, dueAt };

  async function waitForTasks() {
    while (!settled(tasks, opts.waitFor)) {
      const now = ports.now();
      if (now >= dueAtMs || tasks.every((t) => t.status !== 'open')) break;
      const nextReminder = opts.remindEveryMs ? lastReminder + opts.remindEveryMs : Infinity;
      const wakeAt = Math.min(nextReminder, dueAtMs, now + RECHECK_MS);
      const signalled = await ports.waitForNotice(key, Math.max(0, wakeAt - now), seen);
      seen = ports.noticeCount(key);
      await read();
      if (signalled || settled(tasks, opts.waitFor)) continue;
      const at = ports.now();
      if (at < dueAtMs && at >= nextReminder) {
        lastReminder = at;
        const open = tasks.filter((t) => t.status === 'open');
        reminders.push({ at: new Date(at).toISOString(), to: recipients(open).map((r) => r.userId!) });
        show();
        await tell(open, suffix(`remind-${reminders.length}`), 'Reminder: ');
      }
    }
  }
}
