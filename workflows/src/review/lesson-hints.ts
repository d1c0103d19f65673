import type { ReviewHeadline } from './headline.ts';

/** What a lesson task starts with after a review: the form's KPI, channel and outcome, and the findings to write about. */
export interface ReviewLessonHints {
  kpi?: string;
  channel?: string;
  outcome?: 'met' | 'missed' | 'mixed';
  /** One line per finding, e.g. "CPA missed by 18 % on douyin_ads"; the most missed goal first. */
  findings: string[];
}

/** Findings listed in a task's instructions: enough to start from, short enough to read. */
const MAX_FINDINGS = 8;

const kpiName = (kpi: string) => (kpi.length <= 4 ? kpi.toUpperCase() : kpi[0]!.toUpperCase() + kpi.slice(1));
const percentOff = (target: number, actual: number) => Math.round((Math.abs(actual - target) / Math.abs(target)) * 100);

/**
 * Pre-fills lesson tasks from a review's headline. The KPI is the goal missed by most, the channel the first line over
 * its budget (a line is "channel" or "channel/phase"); a missed goal names that channel when one line overspent, since
 * the headline's goals are the campaign's and one overspent channel is where to look first.
 */
export function lessonHintsFromHeadline(headline: ReviewHeadline | null | undefined): ReviewLessonHints {
  if (!headline) return { findings: [] };
  const judged = headline.goals.filter((g) => g.met !== null);
  const missed = judged
    .filter((g) => g.met === false)
    .sort((a, b) => (a.rate ?? Infinity) - (b.rate ?? Infinity) || a.kpi.localeCompare(b.kpi));
  const channels = [...new Set(headline.overspentLines.map((l) => l.split('/')[0]!))];
  const where = channels.length === 1 ? ` on ${channels[0]}` : '';
  const findings = missed.map((g) =>
    g.actual !== null && g.target !== 0
      ? `${kpiName(g.kpi)} missed by ${percentOff(g.target, g.actual)} %${where}`
      : `${kpiName(g.kpi)} missed${where}`,
  );
  for (const line of headline.overspentLines) findings.push(`${line} over its budget`);
  const outcome = !judged.length ? undefined : !missed.length ? 'met' : missed.length === judged.length ? 'missed' : 'mixed';
  return {
    ...(missed[0] ? { kpi: missed[0].kpi } : {}),
    ...(channels[0] ? { channel: channels[0] } : {}),
    ...(outcome ? { outcome } : {}),
    findings: findings.slice(0, MAX_FINDINGS),
  };
}
