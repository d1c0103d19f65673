import { z } from 'zod';
import { defineNode } from './define.ts';

export const end = defineNode({
  type: 'control.end',
  family: 'control',
  configSchema: () =>
    z.strictObject({
      status: z.enum(['completed', 'failed', 'cancelled']).default('completed'),
      reason: z.string().max(500).optional(),
    }),
  handles: () => [],
  hasInput: true,
  editor: { icon: '■', color: '#475569', defaultConfig: { status: 'completed' } },
  text: {
    en: {
      title: 'End',
      description: 'Ends the run as completed, failed or cancelled.',
      fields: { status: { label: 'Outcome' }, reason: { label: 'Reason', help: 'Shown on the run when it ends here' } },
    },
    'zh-CN': {
      title: '结束',
      description: '以完成、失败或取消结束本次运行。',
      fields: { status: { label: '结果' }, reason: { label: '原因', help: '运行在此结束时显示' } },
    },
  },
  docs: 'Reaching an end node stops the run with its outcome.',
  async execute({ config }) {
    return { endRun: { status: config.status, reason: config.reason }, output: { status: config.status } };
  },
});
