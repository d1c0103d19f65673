import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { simulateFlow, type SimulatedActivities, type SimulationResult } from '../src/simulator.ts';
import type { RunState } from '../src/interpreter/state.ts';
import { validateFlow } from '../src/validator.ts';
import { DELIVER_ACTIVITY, type DeliverRequest } from '../src/nodes/deliver.ts';
import {
  awaitWorkTasks,
  WORK_TASK_ACTIVITIES,
  workTaskNoticeKey,
  type OpenWorkTasksRequest,
  type WorkTaskState,
} from '../src/nodes/work-tasks.ts';
import type { NodeContext } from '../src/nodes/define.ts';
import { edge, flow, trigger, webhook } from './helpers.ts';

const START = Date.UTC(2026, 5, 1);
const HOUR = 3_600_000;
/** The simulator's execution key of the first run of node "work". */
const KEY = 'simulation/work/1';

type Done = SimulationResult & { state: RunState };

/**
 * A task table on the virtual clock: `completions` says when (relative to the start) each slot's assignee completes
 * it. A completion after the table closed the task is refused, as the API's 409 would.
 */
function taskTable(completions: Record<number, number>) {
  const rows = new Map<string, WorkTaskState & { closedAt?: number }>();
  let opened: OpenWorkTasksRequest | undefined;
  const settle = (now: number) => {
    for (const row of rows.values()) {
      const at = completions[row.slot];
      if (row.status === 'open' && at !== undefined && START + at <= now) {
        row.status = 'done';
        row.completedBy = `u${row.slot}`;
        row.result = { note: 'done' };
      }
    }
  };
  const pick = (ids: string[]) => ids.map((id) => ({ ...rows.get(id)! }));
  const person = (slot: number) => ({ id: `u${slot}`, name: `User ${slot}`, email: `u${slot}@example.com` });
  const activities: SimulatedActivities = {
    [WORK_TASK_ACTIVITIES.open]: ([req]) => {
      opened = req;
      req.assignees.forEach((_, slot) => {
        const id = `${req.executionKey}/${slot}`;
        if (!rows.has(id))
          rows.set(id, { id, slot, status: 'open', assignee: `slot ${slot}`, notify: [person(slot)], completedBy: null, result: null });
      });
      return pick(req.assignees.map((_, slot) => `${req.executionKey}/${slot}`));
    },
    [WORK_TASK_ACTIVITIES.read]: ([req], _attempt, now) => {
      settle(now);
      return pick(req.ids);
    },
    [WORK_TASK_ACTIVITIES.close]: ([req], _attempt, now) => {
      settle(now);
      for (const id of req.ids) {
        const row = rows.get(id)!;
        if (row.status === 'open') row.status = req.status;
      }
      return pick(req.ids);
    },
  };
  return { activities, rows, opened: () => opened };
}

function taskFlow(config: Record<string, unknown>) {
  return flow(
    [
      trigger(),
      { id: 'work', type: 'human.task', config: { title: 'Review {{ input.name }}', ...config } },
      webhook('ok'),
      webhook('late'),
    ],
    [edge('t', 'work'), edge('work', 'ok', 'done'), edge('work', 'late', 'timed_out')],
  );
}

async function sim(config: Record<string, unknown>, completions: Record<number, number>, signalAt = Object.values(completions)) {
  const table = taskTable(completions);
  const result = await simulateFlow(taskFlow(config), {
    input: { name: 'Spring sale' },
    activities: table.activities,
    notices: signalAt.map((atMs) => ({ atMs, key: workTaskNoticeKey(KEY) })),
  });
  if (!result.ok || !result.state) throw new Error(JSON.stringify(result.issues ?? result));
  return { result: result as Done, table };
}

/** In-app messages sent, as [virtual hour, key suffix]. */
const messages = (r: SimulationResult) =>
  r.calls
    .filter((c) => c.name === DELIVER_ACTIVITY && c.outcome === 'ok')
    .map((c) => [(c.at - START) / HOUR, (c.args[0] as DeliverRequest).keyPrefix.split('/').pop()] as const);

describe('human.task', () => {
  it('the config is checked: someone must be assigned, durations must parse', () => {
    const bad = validateFlow(taskFlow({ assignees: [], owner: false }));
    expect(bad.ok).toBe(false);
    const late = validateFlow(taskFlow({ assignees: [{ kind: 'user', user: 'a@b.c' }], due: 'soon' }));
    expect(late.ok).toBe(false);
    expect(validateFlow(taskFlow({ assignees: [{ kind: 'role', role: 'analyst', department: 'CRM' }] })).ok).toBe(true);
    // Reminders stay a handful of messages: not more than once a minute, at most 100 before the due time.
    const user = [{ kind: 'user', user: 'a@b.c' }];
    expect(validateFlow(taskFlow({ assignees: user, due: '1h', remindEvery: '30s' })).ok).toBe(false);
    expect(validateFlow(taskFlow({ assignees: user, due: '1w', remindEvery: '1m' })).ok).toBe(false);
    expect(validateFlow(taskFlow({ assignees: user, due: '1w', remindEvery: '2h' })).ok).toBe(true);
  });

  it('done: the signal after a completion ends the wait at once and takes "done"', async () => {
    const { result, table } = await sim({ assignees: [{ kind: 'user', user: 'ava@example.com' }], due: '2d' }, { 0: 5 * HOUR });
    expect(result.state.nodes.work).toMatchObject({ status: 'completed', handle: 'done' });
    expect(result.state.nodes.ok!.status).toBe('completed');
    expect(result.state.nodes.work!.endedAt).toBe(START + 5 * HOUR);
    expect(table.opened()).toMatchObject({ title: 'Review Spring sale', kind: 'task', dueAt: new Date(START + 48 * HOUR).toISOString() });
    expect(messages(result)).toEqual([[0, 'opened']]);
  });

  it('timed_out: nobody completes; reminders every 8h before the due time, then the task is closed', async () => {
    const { result, table } = await sim({ assignees: [{ kind: 'user', user: 'ava@example.com' }], due: '1d', remindEvery: '8h' }, {});
    expect(result.state.nodes.work).toMatchObject({ status: 'completed', handle: 'timed_out' });
    expect(result.state.nodes.late!.status).toBe('completed');
    expect(result.state.nodes.work!.endedAt).toBe(START + 24 * HOUR);
    // Reminders at 8h and 16h; at 24h it is due, and a due task is closed, not reminded.
    expect(messages(result)).toEqual([
      [0, 'opened'],
      [8, 'remind-1'],
      [16, 'remind-2'],
    ]);
    expect([...table.rows.values()].map((r) => r.status)).toEqual(['timed_out']);
  });

  it('a completion whose signal was lost is found at the next look, and counts', async () => {
    const { result } = await sim(
      { assignees: [{ kind: 'user', user: 'ava@example.com' }], due: '1d', remindEvery: '6h' },
      { 0: 2 * HOUR },
      [],
    );
    expect(result.state.nodes.work).toMatchObject({ handle: 'done' });
    // The hourly re-check finds it at 2h, well before the first reminder.
    expect(result.state.nodes.work!.endedAt).toBe(START + 2 * HOUR);
  });

  it('waitFor all: every assignee must complete; the rest of "any" is cancelled', async () => {
    const two = [
      { kind: 'user', user: 'ava@example.com' },
      { kind: 'role', role: 'analyst' },
    ];
    const all = await sim({ assignees: two, waitFor: 'all', due: '1d' }, { 0: HOUR, 1: 3 * HOUR });
    expect(all.result.state.nodes.work!.endedAt).toBe(START + 3 * HOUR);
    expect(all.result.state.nodes.work!.handle).toBe('done');
    const any = await sim({ assignees: two, waitFor: 'any', due: '1d' }, { 1: HOUR });
    expect(any.result.state.nodes.work!.handle, JSON.stringify(any.result.state.nodes.work)).toBe('done');
    expect([...any.table.rows.values()].map((r) => r.status)).toEqual(['cancelled', 'done']);
    const partly = await sim({ assignees: two, waitFor: 'all', due: '1d' }, { 0: HOUR });
    expect(partly.result.state.nodes.work!.handle).toBe('timed_out');
    expect([...partly.table.rows.values()].map((r) => r.status)).toEqual(['done', 'timed_out']);
  });

  it('the owner is assigned by id; a lesson task carries its KPI and channel hints', async () => {
    const table = taskTable({ 0: HOUR });
    const r = await simulateFlow(taskFlow({ owner: true, kind: 'lesson', kpi: 'ROI', channel: 'douyin_ads' }), {
      input: { name: 'Spring' },
      campaign: { id: 'c1', name: 'Spring', department: 'CRM', owner: { id: 'owner-1', name: 'Olive', email: 'o@example.com' } },
      activities: table.activities,
      notices: [{ atMs: HOUR, key: workTaskNoticeKey(KEY) }],
    });
    expect(r.state!.nodes.work!.handle).toBe('done');
    expect(table.opened()).toMatchObject({
      kind: 'lesson',
      assignees: [{ kind: 'user', user: 'owner-1' }],
      campaignId: 'c1',
      campaignDepartment: 'CRM',
      hints: { kpi: 'ROI', channel: 'douyin_ads' },
    });
  });

  it('the dry run (no scripted table) waits to the due time and times out', async () => {
    const r = await simulateFlow(taskFlow({ assignees: [{ kind: 'user', user: 'a@example.com' }], due: '3d' }), { input: { name: 'x' } });
    expect(r.state!.nodes.work).toMatchObject({ handle: 'timed_out', endedAt: START + 72 * HOUR });
  });

  it('property: any completion time and reminder interval end in one outcome, at the completion or the due time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 48 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 12 }),
        async (due, done, every) => {
          const { result } = await sim(
            { assignees: [{ kind: 'user', user: 'a@example.com' }], due: `${due}h`, remindEvery: `${every}h` },
            { 0: done * HOUR },
          );
          const node = result.state.nodes.work!;
          // A completion at the due instant commits before the close, so it counts.
          if (done <= due) expect(node).toMatchObject({ handle: 'done', endedAt: START + done * HOUR });
          else expect(node).toMatchObject({ handle: 'timed_out', endedAt: START + due * HOUR });
          const reminders = messages(result).filter(([, k]) => k!.startsWith('remind'));
          // Never at or after the due time, never more often than asked.
          for (const [h] of reminders) expect(h).toBeLessThan(Math.min(due, done));
          expect(reminders.map(([h]) => h)).toEqual(reminders.map((_, i) => (i + 1) * every));
          expect(reminders.length).toBeLessThanOrEqual(Math.ceil(due / every));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('awaitWorkTasks, a completion racing the "new task" message', () => {
  it('a task completed while its message is still going out wakes the wait at once, not after the hourly recheck', async () => {
    let now = START;
    let status: WorkTaskState['status'] = 'open';
    let notices = 0;
    const row = (): WorkTaskState => ({
      id: 'k/0',
      slot: 0,
      status,
      assignee: 'u',
      notify: [{ id: 'u0', name: 'U', email: 'u@example.com' }],
      completedBy: status === 'done' ? 'u0' : null,
      result: status === 'done' ? { note: 'done' } : null,
    });
    const ports = {
      now: () => now,
      sleep: async (ms: number) => void (now += ms),
      waitUntil: async () => false,
      waitForNotice: async (_key: string, ms: number, since = 0) => {
        if (notices > since) return true;
        now += ms;
        return false;
      },
      noticeCount: () => notices,
      callActivity: async (name: string) => {
        if (name === WORK_TASK_ACTIVITIES.open || name === WORK_TASK_ACTIVITIES.read || name === WORK_TASK_ACTIVITIES.close) return [row()];
        // The "new task" message: the assignee completes the task, and its signal arrives, before the send returns.
        status = 'done';
        notices += 1;
        return { kind: 'in-app', sent: 1, failed: 0, outcomes: [] };
      },
    } as unknown as NodeContext<unknown>['ports'];
    const ctx = {
      node: { id: 'work', type: 'human.task', config: {} },
      config: {},
      ports,
      scope: { run: { id: 'wf-1' }, campaign: null },
      hasEdge: () => true,
      executionKey: 'wf-1/work/1',
      setDetail: () => {},
    } as unknown as NodeContext<unknown>;
    const outcome = await awaitWorkTasks(ctx, {
      kind: 'task',
      title: 'Review',
      instructions: '',
      assignees: [{ kind: 'user', user: 'u' }],
      dueMs: 48 * HOUR,
      waitFor: 'any',
    });
    expect(outcome.outcome).toBe('done');
    expect(now).toBe(START);
  });
});

describe('awaitWorkTasks, as a review node would call it', () => {
  it('two batches in one node execution make distinct tasks, signal keys and messages', async () => {
    const table = taskTable({ 0: 30 * 60_000 });
    let now = START;
    const calls: { name: string; arg: unknown }[] = [];
    const waits: string[] = [];
    const ports = {
      now: () => now,
      sleep: async (ms: number) => void (now += ms),
      waitUntil: async () => false,
      // Nobody signals: each wait runs to its timeout on this clock.
      waitForNotice: async (key: string, ms: number) => {
        waits.push(key);
        now += ms;
        return false;
      },
      noticeCount: () => 0,
      runChildFlow: async () => ({ status: 'completed' as const }),
      callActivity: async (name: string, args: unknown[]) => {
        calls.push({ name, arg: args[0] });
        const fake = (table.activities as Record<string, (a: unknown[], attempt: number, at: number) => unknown>)[name];
        return fake ? fake(args, 1, now) : { kind: 'in-app', sent: 1, failed: 0, outcomes: [] };
      },
    } as unknown as NodeContext<unknown>['ports'];
    const ctx = {
      node: { id: 'review', type: 'review', config: {} },
      config: {},
      ports,
      scope: { run: { id: 'wf-1' }, campaign: null },
      hasEdge: () => true,
      executionKey: 'wf-1/review/1',
      setDetail: () => {},
      openTask: () => () => {},
      background: () => {},
      peers: () => ({}),
      park: () => {},
      unpark: () => {},
    } as unknown as NodeContext<unknown>;
    const ask = (batch: string) =>
      awaitWorkTasks(ctx, {
        kind: 'lesson',
        title: 'Lessons',
        instructions: '',
        assignees: [{ kind: 'user', user: 'u' }],
        dueMs: HOUR,
        waitFor: 'all',
        batch,
      });
    const first = await ask('lessons');
    const second = await ask('sign-off');
    expect(first.outcome).toBe('done');
    expect(first.tasks[0]!.id).toBe('wf-1/review/1/lessons/0');
    expect(second.tasks[0]!.id).toBe('wf-1/review/1/sign-off/0');
    expect(new Set(waits)).toEqual(new Set([workTaskNoticeKey('wf-1/review/1/lessons'), workTaskNoticeKey('wf-1/review/1/sign-off')]));
    const prefixes = calls.filter((c) => c.name === DELIVER_ACTIVITY).map((c) => (c.arg as DeliverRequest).keyPrefix);
    expect(prefixes).toEqual(['wf-1/review/1/lessons/opened', 'wf-1/review/1/sign-off/opened']);
  });
});

describe('human.task config, hostile', () => {
  it('property: generated bad configs are refused with issues, never a throw; accepted ones run to an outcome', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('{{ ', '{{ input.name }}', '{{ nope( }}', '{{ campaign.owner.name }}', 'x'.repeat(5000), '\u0000'),
    );
    const ref = fc.oneof(
      fc.record({ kind: fc.constant('user'), user: text }),
      fc.record(
        { kind: fc.constant('role'), role: fc.constantFrom('analyst', 'wizard'), department: text },
        { requiredKeys: ['kind', 'role'] },
      ),
      fc.record({ kind: fc.constant('expression'), expression: fc.constantFrom('"user:a@b.c"', '1 +', '["role:viewer"]', 'input.who') }),
      fc.jsonValue({ maxDepth: 1 }),
    );
    const config = fc.record(
      {
        title: text,
        instructions: text,
        kind: fc.constantFrom('task', 'lesson', 'chore'),
        assignees: fc.array(ref, { maxLength: 3 }),
        owner: fc.oneof(fc.boolean(), fc.constant('yes')),
        waitFor: fc.constantFrom('any', 'all', 'most'),
        due: fc.constantFrom('1h', '2d', 'soon', '', '999999w', 5),
        remindEvery: fc.constantFrom('15m', '1h', 'often', '0s'),
        kpi: text,
        channel: text,
        extra: fc.jsonValue({ maxDepth: 1 }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(config, async (c) => {
        const doc = taskFlow(c);
        const checked = validateFlow(doc);
        if (!checked.ok) {
          expect(checked.issues.length).toBeGreaterThan(0);
          return;
        }
        const r = await simulateFlow(doc, { input: { name: 'n', who: 'user:a@b.c' }, maxVirtualMs: 3 * 86_400_000 });
        expect(r.ok).toBe(true);
        expect(['completed', 'failed']).toContain(r.state!.nodes.work!.status);
      }),
      { numRuns: 150 },
    );
  });
});
