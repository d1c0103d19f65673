import { z } from 'zod';
import { renderText, templateExpressions } from '../templates.ts';
import { parseDuration } from '../duration.ts';
import { defineNode, type NodeExpression } from './define.ts';

export const waitUntil = defineNode({
  type: 'control.wait_until',
  family: 'control',
  configSchema: z
    .strictObject({
      phase: z.string().max(32).optional().meta({ description: "The start of this phase of the run's campaign, e.g. warm_up" }),
      at: z.string().max(200).optional().meta({ widget: 'template', description: 'An ISO 8601 time, or a template giving one' }),
      offset: z
        .string()
        .regex(/^-?(\d+(ms|s|m|h|d|w))+$/, 'Like "-1h" or "30m"')
        .optional()
        .meta({ description: 'Shift from that time, e.g. -1h to wake an hour before' }),
    })
    .refine((c) => (c.phase === undefined) !== (c.at === undefined), { message: 'Give either a campaign phase or a time', path: ['phase'] }),
  handles: () => ['next'],
  hasInput: true,
  editor: { icon: '⏰', color: '#7c3aed', defaultConfig: { phase: 'warm_up' } },
  text: {
    en: {
      title: 'Wait until',
      description: "Waits durably until a time, or until a phase of the run's campaign starts (weeks ahead is fine). A time in the past goes on at once.",
      fields: { phase: { label: 'Campaign phase' }, at: { label: 'Time (ISO 8601)' }, offset: { label: 'Offset' } },
      handles: { next: 'next' },
    },
    'zh-CN': {
      title: '等待至',
      description: '持久等待到指定时间，或本次运行所属活动的某个阶段开始（数周之后也可靠）。时间已过则立即继续。',
      fields: { phase: { label: '活动阶段' }, at: { label: '时间 (ISO 8601)' }, offset: { label: '偏移' } },
      handles: { next: '下一步' },
    },
  },
  docs: 'A durable timer to an absolute time. Phases come from the campaign snapshot the run carries, so a later edit to the campaign does not move a waiting run.',
  expressions: (config) => (config.at ? templateExpressions(config.at, ['at']).map((t): NodeExpression => ({ ...t, kind: 'template' })) : []),
  async execute({ config, ports, scope }) {
    let target: number;
    if (config.phase !== undefined) {
      const phases = ((scope.campaign as { phases?: { name: string; startsAt: string }[] } | null)?.phases ?? []);
      const phase = phases.find((p) => p.name === config.phase);
      if (!phase) throw new Error(`The run's campaign has no phase "${config.phase}" (it has: ${phases.map((p) => p.name).join(', ') || 'no campaign'})`);
      target = Date.parse(phase.startsAt);
    } else {
      const text = renderText(config.at!, scope);
      target = Date.parse(text);
      if (Number.isNaN(target)) throw new Error(`"${text}" is not a time`);
    }
    if (config.offset) {
      const sign = config.offset.startsWith('-') ? -1 : 1;
      target += sign * (parseDuration(config.offset.replace(/^-/, '')) ?? 0);
    }
    const waitMs = Math.max(0, target - ports.now());
    if (waitMs > 0) await ports.sleep(waitMs);
    return { handle: 'next', output: { until: new Date(target).toISOString(), waitedMs: waitMs } };
  },
});
