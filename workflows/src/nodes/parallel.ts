import { z } from 'zod';
import { lazily } from '../lazy.ts';
import { defineNode } from './define.ts';
import { schemaMessage } from '../problem-text.ts';

/** Why an approval or task of a branch that lost a join's race was closed: the inbox and the run view show it. */
export const SLOWER_BRANCH_REASON = 'another branch finished first';

const branchName = lazily(() => z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, schemaMessage('branch_name')));

export const parallelSplit = defineNode({
  type: 'control.parallel',
  family: 'control',
  configSchema: () =>
    z.strictObject({
      branches: z
        .array(branchName())
        .min(2, schemaMessage('two_branches'))
        .max(8)
        .refine((b) => new Set(b).size === b.length, schemaMessage('branches_differ'))
        .default(['a', 'b']),
    }),
  handles: (config) => config.branches ?? [],
  hasInput: true,
  editor: { icon: '⑃', color: '#0891b2', defaultConfig: { branches: ['legal', 'brand'] }, dynamicHandles: true },
  text: {
    en: {
      title: 'Parallel split',
      description: 'Starts every branch at once, for example legal and brand review side by side. Meet them again with a join.',
      fields: { branches: { label: 'Branches', help: 'One handle per name' } },
    },
    'zh-CN': {
      title: '并行分支',
      description: '同时启动所有分支，例如法务与品牌并行审核；用“汇合”节点合并。',
      fields: { branches: { label: '分支', help: '每个名称对应一个出口' } },
    },
  },
  docs: "Each branch gets its own token; outputs are per node, so branches never overwrite each other's data.",
  async execute({ config }) {
    return { handles: config.branches, output: { branches: config.branches } };
  },
});

export const join = defineNode({
  type: 'control.join',
  family: 'control',
  configSchema: () =>
    z
      .strictObject({
        mode: z.enum(['all', 'any', 'count']).default('all'),
        count: z.number().int().min(1).max(8).optional(),
        cancelOthers: z.boolean().default(true).describe('When it goes on before every branch arrived, cancel the branches still running'),
      })
      .refine((c) => c.mode !== 'count' || c.count !== undefined, { message: schemaMessage('join_count'), path: ['count'] }),
  handles: () => ['next'],
  hasInput: true,
  editor: { icon: '⑂', color: '#0891b2', defaultConfig: { mode: 'all' } },
  text: {
    en: {
      title: 'Join',
      description: 'Waits for all, any, or N of the incoming branches, then continues once: never twice.',
      fields: {
        mode: { label: 'Wait for' },
        count: { label: 'How many (N of M)' },
        cancelOthers: {
          label: 'Cancel the slower branches',
          help: 'Any or N of M: once it goes on, branches still running stop, and their approvals and tasks close',
        },
      },
      handles: { next: 'next' },
    },
    'zh-CN': {
      title: '汇合',
      description: '等待全部、任一或 N 个分支到达后继续，且只继续一次。',
      fields: {
        mode: { label: '等待' },
        count: { label: '数量 (M 取 N)' },
        cancelOthers: { label: '取消较慢的分支', help: '任一或 M 取 N：继续后，仍在运行的分支停止，其审批与任务随之关闭' },
      },
      handles: { next: '下一步' },
    },
  },
  docs:
    'An explicit join, so a step after two branches runs exactly once. ' +
    "Branches that were not taken (a condition's other side) count as settled: " +
    '"all" continues when every incoming edge has either arrived or died; if none can arrive, the join is skipped. ' +
    'In "any" or "count" mode the branches still running when it goes on are cancelled (`cancelOthers`, on by default): ' +
    'their open approvals and tasks close with the reason "another branch finished first", and leave the inbox.',
  cancelsSlowerBranches: (config) => (config.mode !== 'all' && config.cancelOthers !== false ? SLOWER_BRANCH_REASON : undefined),
  gate(config, { arrived, dead, total }) {
    const need = config.mode === 'all' ? total - dead : config.mode === 'any' ? 1 : (config.count ?? 1);
    if (arrived >= Math.max(1, need)) return 'fire';
    // Not enough branches are left alive to ever reach the requirement.
    if (arrived + (total - arrived - dead) < Math.max(1, need)) return 'skip';
    return 'wait';
  },
  async execute() {
    return { handle: 'next' };
  },
});
