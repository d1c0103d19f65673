import { z } from 'zod';
import { renderText, templateExpressions } from '../templates.ts';
import { durationMs, durationSchema } from '../duration.ts';
import { toRetryPolicy } from './retry.ts';
import { defineNode, type NodeExpression } from './define.ts';
import { expressionRefs, quickActivity } from './resolve-people.ts';
import { CAMPAIGN_PHASES_ACTIVITY, campaignNoticeKey, type CampaignPhase } from './wait-until.ts';
import type { ActivityName } from '../activities.ts';
import type { ActivityCallOptions } from '../interpreter/ports.ts';
import type { JsonValue } from '../json.ts';
import type { ReviewHeadline } from '../review/headline.ts';
import { askForLessons, reviewLessonsSchema } from './review-lessons.ts';

export const STORE_REVIEW_ACTIVITY = 'storeCampaignReview' satisfies ActivityName;

export interface StoreReviewRequest {
  campaignId: string;
  /** The run's workflow id (scope `run.id`); the stored version names the run it belongs to. */
  workflowId: string;
  nodeId: string;
  /** One stored version per node execution: a retried call finds the version the first attempt stored. */
  executionKey: string;
  /** Workflow time, stamped on the version (computedAt, generatedAt), so a replayed or time-skipped run says when it reviewed. */
  at: number;
}

export interface StoredReviewResult {
  reviewId: string;
  version: number;
  computedAt: string;
  headline: ReviewHeadline;
}

/** A review reads every hourly figure of the campaign: longer than the quick lookups, and worth a few tries. */
const reviewActivity: ActivityCallOptions = {
  startToCloseTimeoutMs: 5 * 60_000,
  retry: toRetryPolicy({ maximumAttempts: 5, initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '2m' }),
};

/** Where a parked review wait stands: enough for the run after a continue-as-new to wait only what is left. */
interface Position {
  startedAt: number;
  end: number;
  seen: number;
  moves: { from: string; to: string; at: string }[];
}

/** The campaign's end: the latest end among its phases (a phase without one ends where it starts). */
function campaignEnd(phases: readonly CampaignPhase[], moved: boolean): number {
  const ends = phases.map((p) => Date.parse(p.endsAt ?? p.startsAt)).filter((t) => !Number.isNaN(t));
  if (!ends.length)
    throw new Error(
      moved
        ? "The campaign's phases were removed while this run waited for its end"
        : "The run's campaign has no phases, so it has no end to review after; give a time instead",
    );
  return Math.max(...ends);
}

export const review = defineNode({
  type: 'campaign.review',
  family: 'review',
  configSchema: () =>
    z.strictObject({
      at: z
        .string()
        .max(200)
        .optional()
        .meta({ widget: 'template', description: "An ISO 8601 time, or a template giving one; by default the campaign's end" }),
      settle: durationSchema().default('48h').meta({ description: 'Extra wait for late metrics before the review is computed' }),
      lessons: reviewLessonsSchema().optional().meta({ description: 'Lesson tasks after the review; none when left out' }),
    }),
  // `timed_out` belongs to the lesson tasks that follow the computation (assignees who do not write theirs in time);
  // with none configured the node always goes on by `next`.
  handles: () => ['next', 'timed_out'],
  outcomesThatFailUndrawn: (config) => (config.lessons ? ['timed_out'] : []),
  hasInput: true,
  editor: { icon: '📝', color: '#0f766e', defaultConfig: { settle: '48h' } },
  text: {
    en: {
      title: 'Post-campaign review',
      description:
        "Waits until the run's campaign has ended (its last phase's end, following date edits) plus a settling time for late data, " +
        'then computes the review (复盘) and stores it as a new version; optionally asks the owner or roles to record lessons.',
      fields: {
        at: { label: 'Review after (ISO 8601)', help: "Leave empty to wait for the campaign's end" },
        settle: { label: 'Settling time for late data', help: 'For example 48h or 3d' },
        lessons: { label: 'Lesson tasks', help: 'Ask for lessons (fact, cause, insight, action) once the review is stored' },
        'lessons.owner': { label: 'Campaign owner records them' },
        'lessons.assignees': { label: 'Also assign', help: 'Users, roles (anyone holding it may do it), department heads' },
        'lessons.waitFor': { label: 'Done when', options: { any: 'anyone has recorded one', all: 'every assignee has' } },
        'lessons.due': { label: 'Due after the review', help: 'For example 7d' },
        'lessons.remindEvery': { label: 'Remind every', help: 'For example 2d' },
        'lessons.instructions': { label: 'Extra instructions', help: "Added after the review's findings" },
      },
      handles: { next: 'next', timed_out: 'lessons overdue' },
    },
    'zh-CN': {
      title: '活动复盘',
      description:
        '等待本次运行所属活动结束（最后一个阶段的结束时间，日期修改后随之调整），再等待迟到数据的沉淀期，然后计算复盘并保存为新版本；' +
        '可选：请负责人或相关角色记录经验教训。',
      fields: {
        at: { label: '复盘时间 (ISO 8601)', help: '留空则等待活动结束' },
        settle: { label: '迟到数据沉淀期', help: '例如 48h 或 3d' },
        lessons: { label: '经验教训任务', help: '复盘保存后请相关人员记录经验（事实、原因、洞察、行动）' },
        'lessons.owner': { label: '由活动负责人记录' },
        'lessons.assignees': { label: '另行指派', help: '用户、角色（持有该角色者均可处理）、部门负责人' },
        'lessons.waitFor': { label: '完成条件', options: { any: '任一人已记录', all: '所有负责人已记录' } },
        'lessons.due': { label: '复盘后截止时长', help: '例如 7d' },
        'lessons.remindEvery': { label: '提醒间隔', help: '例如 2d' },
        'lessons.instructions': { label: '补充说明', help: '附在复盘发现之后' },
      },
      handles: { next: '下一步', timed_out: '经验教训逾期' },
    },
  },
  docs:
    "A durable wait until the campaign's end (the latest end among its phases) plus `settle` (48 h by default), so metrics " +
    "reported late are in. When the campaign's dates are edited while the run waits, the server signals the run, which reads " +
    'the phases again and waits for the new end; `at` fixes the time instead. Then the review is computed from what is stored ' +
    'and kept as the campaign\'s next version (trigger "flow"; a retried step stores no second version). The output carries ' +
    '`reviewId`, `version` and `headline` (goals with attainment and status, revenue, spend, ROI, budget, missed goals). ' +
    'With `lessons`, the node then gives the campaign owner (and/or the people and roles named) a lesson task each: fact, ' +
    'cause, insight and action, the KPI and channel pre-filled from the goal missed by most and the line over budget, the ' +
    "review's findings in the instructions. It waits for any or all of them, reminding every `remindEvery` until `due` " +
    '(7 d and 2 d by default): done → `next` with `lessons` (the recorded lesson ids) in the output; due → `timed_out`, ' +
    'which fails the node when not drawn. Without `lessons` the node goes on by `next` once the review is stored.',
  needsCampaign: () => "it reviews the run's campaign",
  expressions: (config) => [
    ...(config.at ? templateExpressions(config.at, ['at']).map((t): NodeExpression => ({ ...t, kind: 'template' })) : []),
    ...(config.lessons ? expressionRefs(config.lessons.assignees, ['lessons', 'assignees']) : []),
  ],
  async execute(ctx) {
    const { config, ports, scope, node, executionKey, setDetail, park, unpark, resume } = ctx;
    const campaign = scope.campaign as { id?: string; phases?: CampaignPhase[] } | null;
    if (!campaign?.id) throw new Error("A review node reviews the run's campaign; this run has none");
    const workflowId = (scope.run as { id: string }).id;
    const settle = durationMs(config.settle);
    const parked = resume as Partial<Position> | undefined;
    const resumed = typeof parked?.end === 'number' && typeof parked.startedAt === 'number';
    const startedAt = resumed ? parked.startedAt! : ports.now();
    const moves: Position['moves'] = resumed && Array.isArray(parked.moves) ? parked.moves : [];
    // With `at`, the time is fixed when the node starts; otherwise the campaign's end, followed through its edits.
    const key = config.at === undefined ? campaignNoticeKey(campaign.id) : undefined;
    let end: number;
    if (resumed) end = parked.end!;
    else if (config.at !== undefined) {
      const text = renderText(config.at, scope);
      end = Date.parse(text);
      if (Number.isNaN(end)) throw new Error(`"${text}" is not a time`);
    } else end = campaignEnd(campaign.phases ?? [], false);
    let seen = resumed && typeof parked.seen === 'number' ? parked.seen : 0;
    // Edits made before this node started count too (the snapshot is that old); after a hand-over, those since the park.
    let edited = key !== undefined && ports.noticeCount(key) > seen;
    for (;;) {
      if (edited) {
        // Counted before the read, so an edit that lands during it makes the loop read again.
        seen = ports.noticeCount(key!);
        const fresh = await ports.callActivity(CAMPAIGN_PHASES_ACTIVITY, [campaign.id], quickActivity);
        const next = campaignEnd(fresh.phases, true);
        if (next !== end)
          moves.push({ from: new Date(end).toISOString(), to: new Date(next).toISOString(), at: new Date(ports.now()).toISOString() });
        end = next;
      }
      const target = end + settle;
      if (target <= ports.now()) break;
      setDetail({
        campaignEndsAt: new Date(end).toISOString(),
        waitingUntil: new Date(target).toISOString(),
        ...(moves.length ? { moved: moves } : {}),
      });
      // The wait is the hand-over point of a continue-as-new: the next run waits only what is left, and reads edits since `seen`.
      park({ startedAt, end, seen, moves } satisfies Position);
      if (key === undefined) {
        await ports.sleep(target - ports.now());
        unpark();
        break;
      }
      edited = await ports.waitForNotice(key, target - ports.now(), seen);
      unpark();
      if (!edited) break;
    }
    const waitedMs = ports.now() - startedAt;
    setDetail({ computing: true });
    const request: StoreReviewRequest = { campaignId: campaign.id, workflowId, nodeId: node.id, executionKey, at: ports.now() };
    const stored = await ports.callActivity(STORE_REVIEW_ACTIVITY, [request], reviewActivity);
    if (typeof stored?.reviewId !== 'string') throw new Error('The review service stored no review');
    // Lesson tasks, when configured, open once the review is stored (a retry of the store finds the same version).
    const asked = config.lessons
      ? await askForLessons(ctx, config.lessons, String((campaign as { name?: unknown }).name ?? 'the campaign'), stored.headline ?? null)
      : undefined;
    if (asked?.outcome === 'timed_out' && !ctx.hasEdge('timed_out'))
      throw new Error(`No lesson was recorded by ${asked.dueAt}, and no "timed_out" path is drawn`);
    return {
      handle: asked?.outcome === 'timed_out' ? 'timed_out' : 'next',
      output: {
        reviewId: stored.reviewId,
        version: stored.version,
        computedAt: stored.computedAt,
        campaignEndsAt: new Date(end).toISOString(),
        waitedMs,
        headline: stored.headline,
        ...(moves.length ? { moved: moves } : {}),
        ...(asked
          ? { lessons: asked.lessonIds, lessonTasks: { status: asked.outcome, tasks: asked.tasks, reminders: asked.reminders } }
          : {}),
      } as unknown as JsonValue,
    };
  },
});
