import { z } from 'zod';
import { safeJsonSchema } from '../json.ts';
import { durationSchema } from '../duration.ts';
import { defineNode } from './define.ts';
import { timeZoneSchema } from '../time.ts';
import { schemaMessage } from '../problem-text.ts';

const FIELD = /^(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?)*$/;

/** Five-field cron ("minute hour day-of-month month day-of-week"), or Temporal's "@every 10m" style. */
export function checkCron(text: string): string | undefined {
  const t = text.trim();
  if (/^@(yearly|annually|monthly|weekly|daily|hourly)$/.test(t) || /^@every \d+(ms|s|m|h|d)+$/.test(t)) return undefined;
  const fields = t.split(/\s+/);
  if (fields.length !== 5) return `A cron expression has 5 fields (minute hour day month weekday); this has ${fields.length}`;
  const bad = fields.findIndex((f) => !FIELD.test(f));
  return bad >= 0 ? `Field ${bad + 1} ("${fields[bad]}") is not valid cron` : undefined;
}

export const OVERLAP_POLICIES = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'] as const;

export const scheduleTrigger = defineNode({
  type: 'trigger.schedule',
  family: 'trigger',
  configSchema: () =>
    z.strictObject({
      cron: z
        .string()
        .min(1)
        .max(200)
        .refine((c) => checkCron(c) === undefined, { error: (iss) => checkCron(String(iss.input)) ?? schemaMessage('not_cron') }),
      timezone: timeZoneSchema().default('Asia/Shanghai'),
      overlap: z
        .enum(OVERLAP_POLICIES)
        .default('skip')
        .meta({ description: 'When the previous run is still going: skip, buffer one/all, cancel or terminate it, or allow all' }),
      catchupWindow: durationSchema().default('1h').meta({ description: 'After downtime, start missed runs from at most this far back' }),
      sampleInput: safeJsonSchema().default({}).meta({ widget: 'json' }),
    }),
  handles: () => ['next'],
  hasInput: false,
  editor: {
    icon: '🗓',
    color: '#2563eb',
    defaultConfig: { cron: '0 9 * * 1-5', timezone: 'Asia/Shanghai', overlap: 'skip', catchupWindow: '1h' },
  },
  text: {
    en: {
      title: 'Schedule',
      description:
        'Starts runs on a cron schedule in a time zone, ' +
        'as a Temporal Schedule created when the version is published and removed when the flow is unpublished.',
      fields: {
        cron: { label: 'Cron', help: 'minute hour day month weekday, e.g. 0 9 * * 1-5' },
        timezone: { label: 'Time zone' },
        overlap: {
          label: 'If the last run is still going',
          options: {
            skip: 'Skip',
            buffer_one: 'Buffer one',
            buffer_all: 'Buffer all',
            cancel_other: 'Cancel the other',
            terminate_other: 'Terminate the other',
            allow_all: 'Allow all',
          },
        },
        catchupWindow: { label: 'Catch up missed runs within' },
        sampleInput: { label: 'Input for each run' },
      },
      handles: { next: 'next' },
    },
    'zh-CN': {
      title: '定时',
      description: '按时区内的 cron 计划启动运行：发布版本时创建 Temporal Schedule，取消发布时删除。',
      fields: {
        cron: { label: 'Cron', help: '分 时 日 月 周，例如 0 9 * * 1-5' },
        timezone: { label: '时区' },
        overlap: {
          label: '上次运行未结束时',
          options: {
            skip: '跳过',
            buffer_one: '缓冲一次',
            buffer_all: '全部缓冲',
            cancel_other: '取消上一次',
            terminate_other: '终止上一次',
            allow_all: '全部允许',
          },
        },
        catchupWindow: { label: '补跑错过的运行（时间窗）' },
        sampleInput: { label: '每次运行的输入' },
      },
      handles: { next: '下一步' },
    },
  },
  docs:
    'Each scheduled run is pinned to the version that was published when the schedule was (re)created, ' +
    'and gets sampleInput as its input.',
  async execute() {
    return { handle: 'next' };
  },
});
