import { z } from 'zod';
import { ROLES, WORK_TASK_STATUSES } from '@flightdeck/workflows';
import { timestamp } from './common.ts';
import { LESSON_LIMITS, LESSON_OUTCOMES } from './lessons.ts';
import { schemaMessage } from '@flightdeck/workflows';

export const workTaskListQuery = z.strictObject({
  status: z.enum(WORK_TASK_STATUSES).default('open'),
  campaignId: z.uuid({ message: schemaMessage('must_be_uuid') }).optional(),
});

const lessonText = z.string().max(LESSON_LIMITS.text, { message: `At most ${LESSON_LIMITS.text} characters` });
const shortText = z.string().max(LESSON_LIMITS.short, { message: `At most ${LESSON_LIMITS.short} characters` });

/**
 * Completing a task. A lesson task takes the lesson form (fact, cause, insight and action required, checked by the
 * lessons service so the same rules hold everywhere); a plain task takes an optional note.
 */
export const workTaskCompleteBody = z.strictObject({
  note: z
    .string()
    .trim()
    .max(2000, schemaMessage('at_most_chars', { max: 2000 }))
    .optional(),
  fact: lessonText.optional(),
  cause: lessonText.optional(),
  insight: lessonText.optional(),
  action: lessonText.optional(),
  kpi: shortText.optional(),
  channel: shortText.optional(),
  outcome: z.enum(LESSON_OUTCOMES).optional(),
});
export type WorkTaskCompleteBody = z.output<typeof workTaskCompleteBody>;

const named = z.object({ id: z.string(), name: z.string() });

export const workTaskSchema = z
  .object({
    id: z.uuid(),
    runId: z.uuid(),
    nodeId: z.string(),
    kind: z.enum(['task', 'lesson']),
    title: z.string(),
    instructions: z.string(),
    assignee: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('user'), user: named.nullable() }),
      z.object({ kind: z.literal('role'), role: z.enum(ROLES), department: named.nullable() }),
    ]),
    campaign: named.nullable(),
    hints: z.object({ kpi: z.string().optional(), channel: z.string().optional(), outcome: z.enum(LESSON_OUTCOMES).optional() }),
    dueAt: timestamp,
    remindEveryMs: z.number().int().nullable(),
    status: z.enum(WORK_TASK_STATUSES),
    result: z.object({ lessonId: z.uuid().optional(), note: z.string().optional() }).nullable(),
    completedBy: named.nullable(),
    completedAt: timestamp.nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'WorkTask' });
export type WorkTaskView = z.output<typeof workTaskSchema>;
