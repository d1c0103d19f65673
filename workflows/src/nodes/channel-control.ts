import { z } from 'zod';
import { defineNode, type NodeResult } from './define.ts';
import { ActivityCallError } from '../interpreter/ports.ts';
import { quickActivity } from './resolve-people.ts';
import type { ActivityName } from '../activities.ts';
import { schemaMessage } from '../problem-text.ts';

export const CHANNEL_CONTROL_ACTIVITY = 'setChannelPaused' satisfies ActivityName;

export interface ChannelControlRequest {
  connectionId: string;
  paused: boolean;
  reason: string | null;
  runId: string;
  nodeId: string;
}

export const channelControl = defineNode({
  type: 'campaign.channel_control',
  family: 'campaign',
  configSchema: () =>
    z.strictObject({
      connection: z.uuid({ message: schemaMessage('choose_connection') }).meta({ widget: 'connection' }),
      action: z.enum(['pause', 'resume']).default('pause'),
      reason: z.string().max(500).optional(),
    }),
  handles: () => ['next', 'failed'],
  hasInput: true,
  editor: { icon: '⏯', color: '#9333ea', defaultConfig: { connection: '00000000-0000-4000-8000-000000000000', action: 'pause' } },
  text: {
    en: {
      title: 'Pause / resume channel',
      description: 'Pauses a channel connection (every run holds its messages for it) or resumes it (held messages go out).',
      fields: { connection: { label: 'Connection' }, action: { label: 'Action' }, reason: { label: 'Reason' } },
      handles: { next: 'next', failed: 'failed' },
    },
    'zh-CN': {
      title: '暂停 / 恢复渠道',
      description: '暂停某个渠道连接（所有运行暂存发往它的消息），或恢复它（暂存的消息随即发出）。',
      fields: { connection: { label: '连接' }, action: { label: '操作' }, reason: { label: '原因' } },
      handles: { next: '下一步', failed: '失败' },
    },
  },
  docs:
    'Pausing holds messages, it never drops them: runs waiting on the channel are signalled when it resumes and send then. ' +
    'The change is audited with this run as its cause; the Channels page can do the same by hand.',
  async execute({ config, ports, scope, node, hasEdge }): Promise<NodeResult> {
    const request: ChannelControlRequest = {
      connectionId: config.connection,
      paused: config.action === 'pause',
      reason: config.reason ?? null,
      runId: (scope.run as { id: string }).id,
      nodeId: node.id,
    };
    try {
      const result = await ports.callActivity(CHANNEL_CONTROL_ACTIVITY, [request], quickActivity);
      return { handle: 'next', output: result };
    } catch (err) {
      if (err instanceof ActivityCallError && hasEdge('failed')) return { handle: 'failed', output: { error: err.message } };
      throw err;
    }
  },
});
