import { z } from 'zod';
import { lazily } from '../lazy.ts';
import { durationMs, durationSchema, parseDuration } from '../duration.ts';
import type { JsonValue } from '../json.ts';
import { renderText, templateExpressions } from '../templates.ts';
import { approverRefSchema, refsNeedCampaign, type ConcreteApproverRef, type Person } from '../people.ts';
import { defineNode, type NodeExpression } from './define.ts';
import { concreteRefs, expressionRefs } from './resolve-people.ts';
import { awaitWorkTasks } from './work-tasks.ts';
import { schemaMessage } from '../problem-text.ts';

export const HUMAN_TASK_TYPE = 'human.task';

/** Reminders per task before it is due, so a config cannot turn one task into a stream of messages. */
export const MAX_REMINDERS = 100;

const hint = lazily(() => z.string().trim().min(1).max(64).optional());

const configSchema = lazily(() =>
  z
    .strictObject({
      title: z.string().min(1).max(200).default('Task').meta({ widget: 'template' }),
      instructions: z.string().max(4000).default('').meta({ widget: 'template' }),
      kind: z.enum(['task', 'lesson']).default('task'),
      assignees: z.array(approverRefSchema()).max(20).default([]),
      owner: z.boolean().default(false).meta({ description: "The campaign's owner" }),
      waitFor: z.enum(['any', 'all']).default('any'),
      due: durationSchema().default('3d'),
      remindEvery: durationSchema().optional(),
      kpi: hint().meta({ description: 'A lesson task: the KPI it is about' }),
      channel: hint().meta({ description: 'A lesson task: the channel it is about' }),
    })
    .refine((c) => c.owner || c.assignees.length > 0, {
      message: schemaMessage('task_who'),
      path: ['assignees'],
    })
    // Reminders are messages to people: a minute apart at the least, and at most MAX_REMINDERS before the due time.
    // Parsed leniently: a duration its own field refused must not throw here.
    .refine((c) => !c.remindEvery || (parseDuration(c.remindEvery) ?? Infinity) >= 60_000, {
      message: schemaMessage('remind_minute'),
      path: ['remindEvery'],
    })
    .refine((c) => !c.remindEvery || (parseDuration(c.due) ?? 0) / (parseDuration(c.remindEvery) ?? Infinity) <= MAX_REMINDERS, {
      message: schemaMessage('reminders_max', { max: MAX_REMINDERS }),
      path: ['remindEvery'],
    }),
);

type Config = z.output<ReturnType<typeof configSchema>>;

const templateRefs = (config: Config): NodeExpression[] =>
  (['title', 'instructions'] as const).flatMap((k) =>
    templateExpressions(config[k], [k]).map((t) => ({ ...t, kind: 'template' as const })),
  );

export const humanTask = defineNode({
  type: HUMAN_TASK_TYPE,
  family: 'approval',
  configSchema,
  handles: () => ['done', 'timed_out'],
  hasInput: true,
  editor: {
    icon: '📝',
    color: '#7c3aed',
    defaultConfig: { title: 'Optimisation review: {{ campaign.name }}', owner: true, due: '2d', remindEvery: '1d' },
  },
  text: {
    en: {
      title: 'Task for a person',
      description: 'Gives a person or a role a task in their inbox (or a lesson to record) and waits for it, with reminders until due.',
      fields: {
        title: { label: 'Title', help: 'May use {{ campaign.name }}' },
        instructions: { label: 'Instructions' },
        kind: { label: 'Kind', options: { task: 'task', lesson: 'lesson to record' } },
        assignees: { label: 'Assignees', help: 'Users, roles (anyone holding it may do it), department heads, or a CEL expression' },
        owner: { label: 'Campaign owner' },
        waitFor: { label: 'Done when', options: { any: 'anyone has done it', all: 'every assignee has' } },
        due: { label: 'Due after' },
        remindEvery: { label: 'Remind every' },
        kpi: { label: 'KPI (lesson)' },
        channel: { label: 'Channel (lesson)' },
      },
      handles: { done: 'done', timed_out: 'timed out' },
    },
    'zh-CN': {
      title: '人工任务',
      description: '给某人或某角色在待办中分配任务（或记录一条经验），并等待完成，截止前按时提醒。',
      fields: {
        title: { label: '标题', help: '可使用 {{ campaign.name }}' },
        instructions: { label: '说明' },
        kind: { label: '类型', options: { task: '任务', lesson: '记录经验' } },
        assignees: { label: '负责人', help: '用户、角色（持有该角色者均可处理）、部门负责人，或 CEL 表达式' },
        owner: { label: '活动负责人' },
        waitFor: { label: '完成条件', options: { any: '任一人完成', all: '所有负责人完成' } },
        due: { label: '截止时长' },
        remindEvery: { label: '提醒间隔' },
        kpi: { label: 'KPI（经验）' },
        channel: { label: '渠道（经验）' },
      },
      handles: { done: '已完成', timed_out: '已超时' },
    },
  },
  docs:
    'One task per assignee in the inbox, with its due time. A role task belongs to whoever holds the role (in the ' +
    'department, or everywhere) when they act. A lesson task asks for fact, cause, insight and action with the KPI, ' +
    'channel and outcome, and records the lesson when completed. Completion signals the run; reminders go under the ' +
    'bell on the workflow clock until due; at the due time open tasks close as timed out. Without a "timed_out" path ' +
    'a timeout fails the node.',
  expressions: (config) => [...templateRefs(config), ...expressionRefs(config.assignees, ['assignees'])],
  needsCampaign: (config) => (config.owner ? "it assigns the campaign's owner" : refsNeedCampaign(config.assignees)),
  outcomesThatFailUndrawn: () => ['timed_out'],
  async execute(ctx) {
    const { config, scope } = ctx;
    const assignees: ConcreteApproverRef[] = [];
    if (config.owner) {
      const owner = (scope.campaign as { owner?: Person | null } | null)?.owner;
      if (!owner) throw new Error("The run's campaign has no owner to assign");
      assignees.push({ kind: 'user', user: owner.id });
    }
    for (const ref of concreteRefs(scope, config.assignees))
      if (!assignees.some((a) => JSON.stringify(a) === JSON.stringify(ref))) assignees.push(ref);
    const result = await awaitWorkTasks(ctx, {
      kind: config.kind,
      title: renderText(config.title, scope),
      instructions: renderText(config.instructions, scope),
      assignees,
      dueMs: durationMs(config.due),
      ...(config.remindEvery ? { remindEveryMs: durationMs(config.remindEvery) } : {}),
      waitFor: config.waitFor,
      hints: { ...(config.kpi ? { kpi: config.kpi } : {}), ...(config.channel ? { channel: config.channel } : {}) },
    });
    if (result.outcome === 'timed_out' && !ctx.hasEdge('timed_out'))
      throw new Error(`No one completed "${renderText(config.title, scope)}" by ${result.dueAt}, and no "timed_out" path is drawn`);
    const output = {
      status: result.outcome,
      tasks: result.tasks.map((t) => ({ id: t.id, assignee: t.assignee, status: t.status, completedBy: t.completedBy, result: t.result })),
      lessons: result.tasks.flatMap((t) => {
        const id = (t.result as { lessonId?: unknown } | null)?.lessonId;
        return typeof id === 'string' ? [id] : [];
      }),
      reminders: result.reminders.length,
    };
    return { handle: result.outcome, output: output as unknown as JsonValue };
  },
});
