import { z } from 'zod';
import { evaluateExpression, MAX_EXPRESSION_LENGTH } from '../expressions.ts';
import { defineNode } from './define.ts';

export const condition = defineNode({
  type: 'control.condition',
  family: 'control',
  configSchema: () =>
    z.strictObject({
      expression: z.string().min(1).max(MAX_EXPRESSION_LENGTH).meta({ widget: 'cel' }),
    }),
  handles: () => ['true', 'false'],
  hasInput: true,
  editor: { icon: '◇', color: '#d97706', defaultConfig: { expression: 'input.amount > 100' } },
  text: {
    en: {
      title: 'Condition',
      description: 'Takes the true or false path by a CEL expression over input, node outputs and run data.',
      fields: { expression: { label: 'Expression (CEL)', help: 'For example nodes.call_crm.output.status == 200' } },
      handles: { true: 'true', false: 'false' },
    },
    'zh-CN': {
      title: '条件',
      description: '根据 CEL 表达式（可读取输入、节点输出和运行数据）走“是”或“否”分支。',
      fields: { expression: { label: '表达式 (CEL)', help: '例如 nodes.call_crm.output.status == 200' } },
      handles: { true: '是', false: '否' },
    },
  },
  docs: 'The expression must yield a bool. Variables: `input`, `nodes.<id>.output`, `run`.',
  expressions: (config) => [{ path: ['expression'], source: config.expression, kind: 'cel' }],
  async execute({ config, scope }) {
    const result = evaluateExpression(config.expression, scope);
    if (typeof result !== 'boolean') {
      throw new Error(`Condition "${config.expression}" gave ${JSON.stringify(result)}, not true or false`);
    }
    return { handle: String(result), output: { result } };
  },
});
