import { campaignKpiWatch, type FlowDocumentInput, type Locale } from '@flightdeck/workflows';
import { APPROVAL_CHAIN_ZH, FINANCE_THRESHOLD, launchApprovalChain } from './approval-chain.ts';
import { CRISIS_LADDER, KPI_WATCH_ZH, kpiWatchGraph } from './monitoring-templates.ts';
import { e, inChinese, n } from './graph.ts';

/**
 * "618 launch": the whole lifecycle of the 618 scenario in one flow, made of the shipped parts rather than copies of
 * them: the launch approval chain, then the warm-up date and the launch, then the Campaign KPI watch with the 618
 * rules (its critical alerts on the crisis ladder), and the review (复盘) with the owner's lessons once the campaign
 * has ended and late data has settled.
 */

const TEXT = {
  en: {
    name: '618 launch',
    description:
      'The 618 campaign from approval to review. Brand and legal/compliance in parallel, then the department head, then the ' +
      `finance director when the budget is above ${FINANCE_THRESHOLD.toLocaleString('en')}. Once approved it goes live on the ` +
      'warm-up date and the KPI watch starts with the 618 rules: a CTR or CVR 10 % off its baseline for 3 days opens an ' +
      'optimisation review for the owner, CPA 20 % over its benchmark asks the department head to re-approve the spend, ' +
      'negative mentions 50 % up (and other critical alerts) climb the crisis ladder (owner, department head, admins, ' +
      'within 4 h), other warnings, such as 2 h without data, tell the owner. When the campaign has ended and late data ' +
      'has settled (48 h), the review is stored and the owner records the lessons within a week.',
  },
  'zh-CN': {
    name: '618 上线全流程',
    description:
      '618 活动从审批到复盘的完整流程。品牌与法务/合规并行审批，再由部门负责人审批；预算超过 ' +
      `${FINANCE_THRESHOLD.toLocaleString('en')} 时加财务总监审批。通过后在预热日上线，并按 618 规则开始 KPI 监控：` +
      '点击率或转化率连续 3 天偏离基线 10% 以上时为负责人创建优化复盘任务；单次转化成本超出基准 20% 时请部门负责人重新审批投放；' +
      '负面声量上升 50%（及其他严重告警）按危机升级链依次通知负责人、部门负责人、管理员（4 小时内）；其他警告（如 2 小时无数据）告知负责人。' +
      '活动结束且迟到数据沉淀 48 小时后保存复盘，并请负责人在一周内记录经验教训。',
  },
} satisfies Record<Locale, { name: string; description: string }>;

/** The labels in Chinese, by node id; in English the parts keep their own. */
const ZH_LABELS: Record<string, string> = {
  ...APPROVAL_CHAIN_ZH.labels,
  warm_up: '等待预热阶段',
  go_live: '上线并发布通知',
  launch_failed: '上线失败',
  ...KPI_WATCH_ZH.labels,
  monitor: '活动 KPI 监控（618 规则）',
  escalate: '危机升级链',
};

/**
 * An alert still firing unanswered is told again every 8 h, not every 4 h: each telling of a critical one climbs the
 * 4-hour crisis ladder, during which the flow is not watching, so a shorter repeat would leave no time to hear news.
 */
const REPEAT = '8h';

/** The watch starts right of the approval chain. */
const WATCH_DX = 2420;

function graph(lang: Locale): FlowDocumentInput {
  const watchNodes = kpiWatchGraph.nodes
    .filter((node) => node.id !== 'start')
    .map((node) => {
      const moved = { ...node, position: { x: (node.position?.x ?? 0) + WATCH_DX, y: node.position?.y ?? 0 } };
      if (node.id === 'monitor')
        return {
          ...moved,
          label: 'Campaign KPI watch (618 rules)',
          config: { ...campaignKpiWatch({ locale: lang }), grouping: { repeat: REPEAT } },
        };
      if (node.id === 'escalate') return { ...moved, label: 'Crisis ladder', config: { monitor: 'monitor', ...CRISIS_LADDER } };
      return moved;
    });
  const nodes = [
    ...launchApprovalChain.nodes,
    n('warm_up', 'control.wait_until', 'Wait for warm-up', { phase: 'warm_up' }, 2200, 200),
    n('go_live', 'campaign.launch', 'Go live and announce', { announce: [] }, 2440, 200),
    n('launch_failed', 'control.end', 'Launch problem', { status: 'failed', reason: 'The launch or its announcement failed' }, 2440, 420),
    ...watchNodes,
  ];
  return {
    schemaVersion: 1,
    nodes:
      lang === 'zh-CN'
        ? inChinese({ nodes }, { labels: ZH_LABELS, config: { ...APPROVAL_CHAIN_ZH.config, ...KPI_WATCH_ZH.config } }).nodes
        : nodes,
    edges: [
      ...launchApprovalChain.edges,
      e('launch', 'next', 'warm_up'),
      e('warm_up', 'next', 'go_live'),
      e('go_live', 'next', 'monitor'),
      e('go_live', 'failed', 'launch_failed'),
      ...kpiWatchGraph.edges.filter((edge) => edge.source !== 'start'),
    ],
  };
}

export const launch618 = {
  id: 'launch-618',
  name: TEXT.en.name,
  description: TEXT.en.description,
  zh: TEXT['zh-CN'],
  graph: graph('en'),
  graphFor: graph,
};
