import { z } from 'zod';
import { safeJsonSchema } from '../json.ts';
import { defineNode } from './define.ts';

export const manualTrigger = defineNode({
  type: 'trigger.manual',
  family: 'trigger',
  configSchema: () =>
    z.strictObject({
      sampleInput: safeJsonSchema().default({}).meta({ widget: 'json' }),
    }),
  handles: () => ['next'],
  hasInput: false,
  editor: { icon: '▶', color: '#2563eb', defaultConfig: { sampleInput: {} } },
  text: {
    en: {
      title: 'Manual trigger',
      description: 'Starts a run when someone presses Run or calls the API.',
      fields: { sampleInput: { label: 'Sample input', help: 'Prefills the Run dialog. Read in expressions as input.*' } },
      handles: { next: 'next' },
    },
    'zh-CN': {
      title: '手动触发',
      description: '有人点击“运行”或调用 API 时启动一次运行。',
      fields: { sampleInput: { label: '示例输入', help: '预填“运行”对话框，表达式中以 input.* 读取' } },
      handles: { next: '下一步' },
    },
  },
  docs: 'The run starts here. The run input is available to every expression as `input`.',
  async execute() {
    return { handle: 'next' };
  },
});
