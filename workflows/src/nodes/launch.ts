import { z } from 'zod';
import { defineNode, type NodeResult } from './define.ts';
import { retrySchema } from './retry.ts';
import { ActivityCallError } from '../interpreter/ports.ts';
import type { JsonValue } from '../json.ts';
import { deliverAll, message, messageExpressions, type DeliverySummary } from './deliver.ts';
import { quickActivity } from './resolve-people.ts';
import type { ActivityName } from '../activities.ts';

export const LAUNCH_ACTIVITY = 'launchCampaign' satisfies ActivityName;

export interface LaunchRequest {
  campaignId: string;
  runId: string;
  nodeId: string;
}

export interface LaunchResult {
  status: 'live';
  /** When the campaign first went live; a repeated launch keeps the first time. */
  launchedAt: string;
  alreadyLive: boolean;
}

export const launch = defineNode({
  type: 'campaign.launch',
  family: 'campaign',
  configSchema: () =>
    z.strictObject({
      announce: z
        .array(z.uuid().meta({ widget: 'connection' }))
        .max(10)
        .default([])
        .meta({ description: 'Channel connections that announce the launch (team groups)' }),
      title: message(200).default('🚀 {{ campaign.name }} is live'),
      text: message(4000).default('{{ campaign.name }} went live at {{ launch.at }} (owner: {{ campaign.owner.name }}).'),
      notifyOwner: z.boolean().default(true).meta({ description: "Put the launch under the owner's bell" }),
      retry: retrySchema().default({ maximumAttempts: 5, initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m' }),
    }),
  handles: () => ['next', 'failed'],
  hasInput: true,
  editor: { icon: '🚀', color: '#9333ea', defaultConfig: { announce: [] } },
  text: {
    en: {
      title: 'Launch campaign',
      description: "Sets the run's campaign live, records the launch time and announces it on the team's channels.",
      fields: {
        announce: { label: 'Announce on' },
        title: { label: 'Announcement title' },
        text: { label: 'Announcement' },
        notifyOwner: { label: 'Notify the owner in the app' },
        retry: { label: 'Retry policy' },
      },
      handles: { next: 'next', failed: 'failed' },
    },
    'zh-CN': {
      title: '上线活动',
      description: '将本次运行所属活动设为进行中，记录上线时间，并在团队渠道发布上线通知。',
      fields: {
        announce: { label: '通知渠道' },
        title: { label: '通知标题' },
        text: { label: '通知正文' },
        notifyOwner: { label: '站内通知负责人' },
        retry: { label: '重试策略' },
      },
      handles: { next: '下一步', failed: '失败' },
    },
  },
  docs:
    'The campaign must be approved, scheduled or paused; anything else takes the failed path with the reason. ' +
    'The launch time is kept from the first launch. ' +
    'Announcements are Liquid templates with `launch.at` besides the usual variables, ' +
    'sent exactly once per channel (quiet hours and rate limits apply). ' +
    'A failed announcement takes the failed path after the campaign is live; the output says which channel failed.',
  expressions: (config) => messageExpressions(config, ['title', 'text']),
  needsCampaign: () => "it launches the run's campaign",
  async execute(ctx): Promise<NodeResult> {
    const { config, ports, scope, node, hasEdge } = ctx;
    const campaign = scope.campaign as { id?: string; owner?: { id: string } | null; timezone?: string } | null;
    if (!campaign?.id) throw new Error('This run has no campaign; start it for a campaign');
    let launched: LaunchResult;
    try {
      launched = await ports.callActivity(
        LAUNCH_ACTIVITY,
        [{ campaignId: campaign.id, runId: (scope.run as { id: string }).id, nodeId: node.id } satisfies LaunchRequest],
        quickActivity,
      );
    } catch (err) {
      if (err instanceof ActivityCallError && hasEdge('failed')) return { handle: 'failed', output: { error: err.message } };
      throw err;
    }
    const variables = {
      launch: { at: launched.launchedAt },
      campaign: { ...(scope.campaign as object), status: 'live', launchedAt: launched.launchedAt },
    };
    const announcements: Record<string, unknown>[] = [];
    const failures: string[] = [];
    const sends: { key: string; run: () => Promise<DeliverySummary> }[] = config.announce.map((connectionId) => ({
      key: connectionId,
      run: () =>
        deliverAll(ctx, {
          target: { connectionId },
          templates: { title: config.title, text: config.text },
          recipients: [],
          timeout: '30s',
          retry: config.retry,
          keySuffix: connectionId,
          variables,
        }),
    }));
    if (config.notifyOwner && campaign.owner) {
      sends.push({
        key: 'in-app',
        run: () =>
          deliverAll(ctx, {
            target: { builtin: 'in-app' },
            templates: { title: config.title, text: config.text },
            recipients: [{ userId: campaign.owner!.id }],
            timeout: '30s',
            retry: config.retry,
            keySuffix: 'owner',
            variables,
          }),
      });
    }
    for (const s of sends) {
      try {
        const summary = await s.run();
        announcements.push({
          target: s.key,
          channel: summary.kind,
          sent: summary.sent,
          failed: summary.failed,
          deliveries: summary.outcomes as unknown as JsonValue,
        });
        if (summary.failed) failures.push(`${summary.kind}: ${summary.outcomes.find((o) => o.status === 'failed')?.error ?? 'failed'}`);
      } catch (err) {
        if (!(err instanceof ActivityCallError)) throw err;
        announcements.push({ target: s.key, error: err.message });
        failures.push(err.message);
      }
    }
    const output = {
      status: 'live',
      launchedAt: launched.launchedAt,
      alreadyLive: launched.alreadyLive,
      announcements,
    } as unknown as JsonValue;
    if (!failures.length) return { handle: 'next', output };
    if (hasEdge('failed')) return { handle: 'failed', output: { ...(output as object), error: failures.join('; ') } as JsonValue };
    throw new Error(`The campaign is live, but announcing failed: ${failures.join('; ')}`);
  },
});
