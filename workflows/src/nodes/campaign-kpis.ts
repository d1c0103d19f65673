import { z } from 'zod';
import { lazily } from '../lazy.ts';
import { defineNode, type NodeResult } from './define.ts';
import { durationMs, durationSchema } from '../duration.ts';
import { quickActivity } from './resolve-people.ts';
import { compareCtr, metricValue, reallocateByRoi, type RawSums } from '../kpi.ts';
import { channelIssue } from '../metric-points.ts';
import type { ActivityName } from '../activities.ts';
import type { JsonValue } from '../json.ts';
import { schemaMessage } from '../problem-text.ts';

export const SUM_METRICS_ACTIVITY = 'sumCampaignMetrics' satisfies ActivityName;

/** The stored metrics of a campaign summed per channel over [from, to). */
export interface SumMetricsRequest {
  campaignId: string;
  from: number;
  to: number;
}
export interface ChannelSums {
  channel: string;
  sums: RawSums;
}

const channelName = lazily(() =>
  z.string().superRefine((v, ctx) => {
    const issue = channelIssue(v);
    if (issue) ctx.addIssue({ code: 'custom', message: issue });
  }),
);

function campaignOver(phases: readonly { startsAt?: string; endsAt?: string | null }[], now: number): boolean {
  const ends = phases.map((p) => Date.parse(p.endsAt ?? p.startsAt ?? '')).filter((t) => !Number.isNaN(t));
  return ends.length > 0 && Math.max(...ends) <= now;
}

/**
 * Reads the campaign's KPIs over the window that ends now, per channel, and judges them with the KPI
 * module: an A/B test of two channels' CTRs (the probability that B's CTR is the higher), or a budget
 * reallocation by channel ROI. The flow branches on the output with a condition node.
 */
export const campaignKpis = defineNode({
  type: 'campaign.kpis',
  family: 'campaign',
  configSchema: () =>
    z.strictObject({
      window: durationSchema().default('7d').meta({ description: 'The period judged: the last 48h, 7d, …' }),
      abTest: z
        .strictObject({ a: channelName(), b: channelName() })
        .refine((t) => t.a !== t.b, { message: schemaMessage('ab_differ'), path: ['b'] })
        .optional(),
      reallocate: z
        .strictObject({
          step: z.number().min(0).max(1).default(0.5).meta({ description: 'How far each week moves towards the ROI-weighted shares' }),
          reapproveAbove: z.number().min(0).max(10).default(0.2).meta({ description: 'A line changing by more than this fraction' }),
        })
        .optional(),
    }),
  handles: () => ['next'],
  hasInput: true,
  needsCampaign: () => "it reads the run's campaign's metrics",
  editor: { icon: '📊', color: '#0369a1', defaultConfig: { window: '7d' } },
  text: {
    en: {
      title: 'Campaign KPIs',
      description: "Reads the campaign's KPIs per channel over a recent window; optionally an A/B test of two CTRs or an ROI budget move.",
      fields: {
        window: { label: 'Window', help: 'For example 48h or 7d, ending now' },
        abTest: { label: 'A/B test of CTR', help: 'Two channels carrying the two creatives' },
        'abTest.a': { label: 'Creative A (channel)' },
        'abTest.b': { label: 'Creative B (channel)' },
        reallocate: { label: 'Budget reallocation by ROI' },
        'reallocate.step': { label: 'Step towards ROI shares', help: '0.5 moves half way each time' },
        'reallocate.reapproveAbove': { label: 'Re-approval above', help: 'A line changing by more than this (0.2 = 20 %)' },
      },
      handles: { next: 'next' },
    },
    'zh-CN': {
      title: '活动指标',
      description: '读取活动近一段时间内各渠道的指标；可选：两个素材点击率的 A/B 检验，或按 ROI 调整预算。',
      fields: {
        window: { label: '时间窗口', help: '例如 48h 或 7d，截至当前' },
        abTest: { label: '点击率 A/B 检验', help: '承载两个素材的两个渠道' },
        'abTest.a': { label: '素材 A（渠道）' },
        'abTest.b': { label: '素材 B（渠道）' },
        reallocate: { label: '按 ROI 调整预算' },
        'reallocate.step': { label: '向 ROI 份额移动的步长', help: '0.5 表示每次移动一半' },
        'reallocate.reapproveAbove': { label: '超过此幅度需重新审批', help: '某条预算变动超过该比例（0.2 = 20%）' },
      },
      handles: { next: '下一步' },
    },
  },
  docs:
    "Sums the stored metrics of each channel over `window` (ending at the node's time) and outputs each channel's sums, CTR " +
    'and ROI. `abTest`: `output.abTest.probabilityBBeatsA` is P(CTR_B > CTR_A) with Beta(1 + clicks, 1 + impressions − clicks) ' +
    'posteriors (exact for up to 10,000 clicks, a normal approximation above), with `winner` ("a" or "b"), `winnerChannel`, ' +
    "`loserChannel` and `probability` (the winner's). `reallocate`: `output.reallocation` proposes each budget line's new " +
    'share, moved `step` of the way towards shares weighted by ROI, and `needsApproval` when a line changes by more than ' +
    '`reapproveAbove`. Branch on these with a condition node.',
  async execute({ config, ports, scope }): Promise<NodeResult> {
    const campaign = scope.campaign as {
      id?: string;
      budget?: { lines?: { channel: string; amount: number }[] };
      phases?: { startsAt?: string; endsAt?: string | null }[];
    } | null;
    if (!campaign?.id) throw new Error('Campaign KPIs need the run to have a campaign');
    const to = ports.now();
    const from = to - durationMs(config.window);
    const request: SumMetricsRequest = { campaignId: campaign.id, from, to };
    const rows = await ports.callActivity(SUM_METRICS_ACTIVITY, [request], quickActivity);
    const sumsOf = (channel: string) => rows.find((r) => r.channel === channel)?.sums ?? {};
    const output: Record<string, JsonValue> = {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      // For a loop that runs while the campaign does: its last phase has ended.
      campaignOver: campaignOver(campaign.phases ?? [], to),
      channels: rows.map((r) => ({ channel: r.channel, sums: r.sums, ctr: metricValue('ctr', r.sums), roi: metricValue('roi', r.sums) })),
    };
    if (config.abTest) {
      const arm = (channel: string) => {
        const s = sumsOf(channel);
        return { channel, clicks: s.clicks ?? 0, impressions: s.impressions ?? 0, ctr: metricValue('ctr', s) };
      };
      const [a, b] = [arm(config.abTest.a), arm(config.abTest.b)];
      const { probabilityBBeatsA, method } = compareCtr(a, b);
      const winner = probabilityBBeatsA >= 0.5 ? 'b' : 'a';
      output.abTest = {
        a,
        b,
        probabilityBBeatsA,
        method,
        winner,
        winnerChannel: winner === 'b' ? b.channel : a.channel,
        loserChannel: winner === 'b' ? a.channel : b.channel,
        probability: winner === 'b' ? probabilityBBeatsA : 1 - probabilityBBeatsA,
      };
    }
    if (config.reallocate) {
      const lines = (campaign.budget?.lines ?? []).map((l) => ({ channel: l.channel, amount: l.amount, sums: sumsOf(l.channel) }));
      const r = reallocateByRoi(lines, { step: config.reallocate.step, threshold: config.reallocate.reapproveAbove });
      output.reallocation = { ...r, channels: r.channels.map((c) => ({ ...c })) };
    }
    return { handle: 'next', output };
  },
});
