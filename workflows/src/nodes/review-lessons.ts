import { z } from 'zod';
import { lazily } from '../lazy.ts';
import { durationMs, durationSchema, parseDuration } from '../duration.ts';
import { approverRefSchema, type ConcreteApproverRef, type Person } from '../people.ts';
import { lessonHintsFromHeadline } from '../review/lesson-hints.ts';
import type { ReviewHeadline } from '../review/headline.ts';
import type { NodeContext } from './define.ts';
import { MAX_REMINDERS } from './human-task.ts';
import { concreteRefs } from './resolve-people.ts';
import { awaitWorkTasks, type WorkTasksOutcome } from './work-tasks.ts';
import { schemaMessage } from '../problem-text.ts';

/** The review node's lesson tasks: who records the lessons (as human.task names them), by when, with what reminders. */
export const reviewLessonsSchema = lazily(() =>
  z
    .strictObject({
      owner: z.boolean().default(true).meta({ description: "The campaign's owner" }),
      assignees: z.array(approverRefSchema()).max(20).default([]),
      waitFor: z.enum(['any', 'all']).default('any'),
      due: durationSchema().default('7d').meta({ description: 'After the review is stored' }),
      remindEvery: durationSchema().default('2d'),
      instructions: z.string().max(2000).default(''),
    })
    .refine((c) => c.owner || c.assignees.length > 0, {
      message: schemaMessage('lessons_who'),
      path: ['assignees'],
    })
    // As for human.task: a minute apart at the least, at most MAX_REMINDERS before due; parsed leniently (a bad duration
    // is its own field's issue).
    .refine((c) => (parseDuration(c.remindEvery) ?? Infinity) >= 60_000, { message: schemaMessage('remind_minute'), path: ['remindEvery'] })
    .refine((c) => (parseDuration(c.due) ?? 0) / (parseDuration(c.remindEvery) ?? Infinity) <= MAX_REMINDERS, {
      message: schemaMessage('reminders_max', { max: MAX_REMINDERS }),
      path: ['remindEvery'],
    }),
);

export type ReviewLessons = z.output<ReturnType<typeof reviewLessonsSchema>>;

export interface LessonsAsked {
  outcome: WorkTasksOutcome['outcome'];
  lessonIds: string[];
  tasks: { id: string; assignee: string; status: string; completedBy: string | null }[];
  reminders: number;
  dueAt: string;
}

const who = (ctx: NodeContext<unknown>, lessons: ReviewLessons): ConcreteApproverRef[] => {
  const assignees: ConcreteApproverRef[] = [];
  if (lessons.owner) {
    const owner = (ctx.scope.campaign as { owner?: Person | null } | null)?.owner;
    if (!owner) throw new Error("The run's campaign has no owner to record the lessons");
    assignees.push({ kind: 'user', user: owner.id });
  }
  for (const ref of concreteRefs(ctx.scope, lessons.assignees))
    if (!assignees.some((a) => JSON.stringify(a) === JSON.stringify(ref))) assignees.push(ref);
  return assignees;
};

/**
 * After the review is stored: one lesson task per assignee, its form pre-filled from the review (the goal missed by most,
 * the channel over budget), the findings in its instructions. The wait does not park: the tasks' reminders and
 * completions are the work_tasks table's and the run's signal key, which a continued-as-new run would have to take over
 * mid-wait; a week of hourly re-checks is a few hundred history events, well inside one run's history.
 */
export async function askForLessons(
  ctx: NodeContext<unknown>,
  lessons: ReviewLessons,
  campaignName: string,
  headline: ReviewHeadline | null,
): Promise<LessonsAsked> {
  const hints = lessonHintsFromHeadline(headline);
  const findings = hints.findings.length
    ? `What the review found:\n${hints.findings.map((f) => `- ${f}`).join('\n')}`
    : 'The review found no missed goal and no line over its budget.';
  const intro = 'Record what this campaign taught: the fact, its cause, the insight and the action to take next time.';
  const result = await awaitWorkTasks(ctx, {
    kind: 'lesson',
    // People's text (the campaign's name, the config's instructions) is placed as it is, never rendered as a template.
    title: `Lessons from ${campaignName}`.slice(0, 200),
    instructions: [intro, findings, lessons.instructions].filter((s) => s.length > 0).join('\n\n'),
    assignees: who(ctx, lessons),
    dueMs: durationMs(lessons.due),
    remindEveryMs: durationMs(lessons.remindEvery),
    waitFor: lessons.waitFor,
    hints: {
      ...(hints.kpi ? { kpi: hints.kpi.slice(0, 64) } : {}),
      ...(hints.channel ? { channel: hints.channel.slice(0, 64) } : {}),
      ...(hints.outcome ? { outcome: hints.outcome } : {}),
    },
    batch: 'lessons',
  });
  return {
    outcome: result.outcome,
    lessonIds: result.tasks.flatMap((t) => {
      const id = (t.result as { lessonId?: unknown } | null)?.lessonId;
      return typeof id === 'string' ? [id] : [];
    }),
    tasks: result.tasks.map((t) => ({ id: t.id, assignee: t.assignee, status: t.status, completedBy: t.completedBy })),
    reminders: result.reminders.length,
    dueAt: result.dueAt,
  };
}
