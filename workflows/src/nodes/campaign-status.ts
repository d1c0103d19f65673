import { z } from 'zod';
import { defineNode, type NodeResult } from './define.ts';
import { toRetryPolicy } from './retry.ts';
import type { ActivityName } from '../activities.ts';

export const CAMPAIGN_STATUS_ACTIVITY = 'setCampaignStatus' satisfies ActivityName;

export interface CampaignStatusRequest {
  campaignId: string;
  status: string;
  runId: string;
  nodeId: string;
}

export const campaignStatus = defineNode({
  type: 'campaign.status',
  family: 'campaign',
  configSchema: () =>
    z.strictObject({
      status: z.enum(['pending_approval', 'approved', 'scheduled', 'live', 'paused', 'completed', 'cancelled', 'draft']),
    }),
  handles: () => ['next', 'failed'],
  hasInput: true,
  editor: { icon: '⚑', color: '#9333ea', defaultConfig: { status: 'approved' } },
  text: {
    en: {
      title: 'Set campaign status',
      description: "Moves the run's campaign to a status (pending approval, approved, live, …); refused moves take the failed path.",
      fields: { status: { label: 'Status' } },
      handles: { next: 'next', failed: 'failed' },
    },
    'zh-CN': {
      title: '设置活动状态',
      description: '将本次运行所属活动改为指定状态（待审批、已批准、进行中……）；不允许的变更走失败分支。',
      fields: { status: { label: '状态' } },
      handles: { next: '下一步', failed: '失败' },
    },
  },
  docs: 'Needs a run started for a campaign. The change is audited with the run as its cause.',
  needsCampaign: () => "it changes the run's campaign's status",
  async execute({ config, ports, scope, node, hasEdge }): Promise<NodeResult> {
    const campaign = scope.campaign as { id?: string } | null;
    if (!campaign?.id) throw new Error('This run has no campaign; start it for a campaign');
    try {
      await ports.callActivity(
        CAMPAIGN_STATUS_ACTIVITY,
        [
          {
            campaignId: campaign.id,
            status: config.status,
            runId: (scope.run as { id: string }).id,
            nodeId: node.id,
          } satisfies CampaignStatusRequest,
        ],
        {
          startToCloseTimeoutMs: 30_000,
          retry: toRetryPolicy({ maximumAttempts: 5, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' }),
        },
      );
      return { handle: 'next', output: { status: config.status } };
    } catch (err) {
      if (hasEdge('failed')) return { handle: 'failed', output: { error: (err as Error).message } };
      throw err;
    }
  },
});
