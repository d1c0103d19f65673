import { z } from 'zod';
import { renderText, templateExpressions } from '../templates.ts';
import { parseDuration } from '../duration.ts';
import { defineNode, type NodeExpression } from './define.ts';
import { quickActivity } from './resolve-people.ts';
import type { ActivityName } from '../activities.ts';
import { schemaMessage } from '../problem-text.ts';

export const CAMPAIGN_PHASES_ACTIVITY = 'readCampaignPhases' satisfies ActivityName;

export interface CampaignPhase {
  name: string;
  startsAt: string;
  endsAt?: string;
}

/** The key the server signals when a campaign's phases change, so waiting runs look again. */
export const campaignNoticeKey = (campaignId: string) => `campaign:${campaignId}`;

function phaseStart(phases: CampaignPhase[], name: string, moved: boolean): number {
  const phase = phases.find((p) => p.name === name);
  if (!phase) {
    const has = phases.map((p) => p.name).join(', ') || 'no campaign';
    throw new Error(
      moved
        ? `The campaign's phase "${name}" was removed while this run waited for it (it has: ${has})`
        : `The run's campaign has no phase "${name}" (it has: ${has})`,
    );
  }
  return Date.parse(phase.startsAt);
}

export const waitUntil = defineNode({
  type: 'control.wait_until',
  family: 'control',
  configSchema: () =>
    z
      .strictObject({
        phase: z.string().max(32).optional().meta({ description: "The start of this phase of the run's campaign, e.g. warm_up" }),
        at: z.string().max(200).optional().meta({ widget: 'template', description: 'An ISO 8601 time, or a template giving one' }),
        offset: z
          .string()
          .regex(/^-?(\d+(ms|s|m|h|d|w))+$/, schemaMessage('offset_like'))
          .optional()
          .meta({ description: 'Shift from that time, e.g. -1h to wake an hour before' }),
      })
      .refine((c) => (c.phase === undefined) !== (c.at === undefined), {
        message: schemaMessage('phase_or_time'),
        path: ['phase'],
      }),
  handles: () => ['next'],
  hasInput: true,
  editor: { icon: '⏰', color: '#7c3aed', defaultConfig: { phase: 'warm_up' } },
  text: {
    en: {
      title: 'Wait until',
      description:
        "Waits durably until a time, or until a phase of the run's campaign starts (weeks ahead is fine). " +
        'A time in the past goes on at once.',
      fields: { phase: { label: 'Campaign phase' }, at: { label: 'Time (ISO 8601)' }, offset: { label: 'Offset' } },
      handles: { next: 'next' },
    },
    'zh-CN': {
      title: '等待至',
      description: '持久等待到指定时间，或本次运行所属活动的某个阶段开始（数周之后也可靠）。时间已过则立即继续。',
      fields: { phase: { label: '活动阶段' }, at: { label: '时间 (ISO 8601)' }, offset: { label: '偏移' } },
      handles: { next: '下一步' },
    },
  },
  docs:
    'A durable timer to an absolute time. A phase start follows the campaign: when its dates are edited while the run waits, ' +
    'the server signals the run, which reads the phases again and waits for the new time (postponing a launch postpones it). ' +
    'The output lists each move. A time given with `at` is fixed when the node starts.',
  needsCampaign: (config) => (config.phase === undefined ? undefined : `it waits for the campaign's phase "${config.phase}"`),
  expressions: (config) =>
    config.at ? templateExpressions(config.at, ['at']).map((t): NodeExpression => ({ ...t, kind: 'template' })) : [],
  async execute({ config, ports, scope, setDetail }) {
    const offset = config.offset ? (config.offset.startsWith('-') ? -1 : 1) * (parseDuration(config.offset.replace(/^-/, '')) ?? 0) : 0;
    const startedAt = ports.now();
    const campaign = scope.campaign as { id?: string; phases?: CampaignPhase[] } | null;
    let target: number;
    if (config.phase === undefined) {
      const text = renderText(config.at!, scope);
      target = Date.parse(text);
      if (Number.isNaN(target)) throw new Error(`"${text}" is not a time`);
      target += offset;
      setDetail({ waitingUntil: new Date(target).toISOString() });
      if (target > startedAt) await ports.sleep(target - startedAt);
      return { handle: 'next', output: { until: new Date(target).toISOString(), waitedMs: Math.max(0, target - startedAt) } };
    }
    target = phaseStart(campaign?.phases ?? [], config.phase, false) + offset;
    const moves: { from: string; to: string; at: string }[] = [];
    const key = campaign?.id ? campaignNoticeKey(campaign.id) : undefined;
    // Edits that came while the run was still in earlier steps count too: the snapshot is that old.
    let seen = 0;
    let edited = key !== undefined && ports.noticeCount(key) > 0;
    for (;;) {
      if (edited) {
        // Counted before the read, so an edit that lands during it makes the loop read again.
        seen = ports.noticeCount(key!);
        const fresh = await ports.callActivity(CAMPAIGN_PHASES_ACTIVITY, [campaign!.id!], quickActivity);
        const next = phaseStart(fresh.phases, config.phase, true) + offset;
        if (next !== target)
          moves.push({ from: new Date(target).toISOString(), to: new Date(next).toISOString(), at: new Date(ports.now()).toISOString() });
        target = next;
      }
      if (target <= ports.now()) break;
      // What the run view shows while it waits: the wake-up time, and each move so far.
      setDetail({ waitingUntil: new Date(target).toISOString(), phase: config.phase, ...(moves.length ? { moved: moves } : {}) });
      if (key === undefined) {
        await ports.sleep(target - ports.now());
        break;
      }
      edited = await ports.waitForNotice(key, target - ports.now(), seen);
      if (!edited) break;
    }
    return {
      handle: 'next',
      output: { until: new Date(target).toISOString(), waitedMs: ports.now() - startedAt, ...(moves.length ? { moved: moves } : {}) },
    };
  },
});
