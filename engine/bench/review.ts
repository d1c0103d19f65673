/**
 * Part of npm run bench: computeReview (the post-campaign review, timeline included) on the 618
 * scenario (30 days hourly, 3 channels, 15,120 points) and on the same campaign with two more
 * channels (5 channels, 25,200 points: wecom_groups and sms, copies of xhs_kol and tmall_search at
 * half the volume), with 500 alerts of 4 events each and 20 approvals. Target: < 1 s for the 5-channel case.
 * Pure computation, no stack: the engine's route adds one grouped SQL read of the hourly sums.
 */
import { readFileSync } from 'node:fs';
import { computeReview, reviewCsv, type MetricPoint, type ReviewCampaign, type ReviewRecords } from '@flightdeck/workflows';
import { percentile, writeBenchResult } from './stack.ts';

const DIR = new URL('../seed/', import.meta.url);
const RUNS = Number(process.env.BENCH_REVIEW_RUNS ?? 7);
const TARGET_MS = 1000;

const file = JSON.parse(readFileSync(new URL('s618-new-product-launch.campaign.json', DIR), 'utf8'));
const campaign: ReviewCampaign = {
  name: file.name,
  timezone: 'Asia/Shanghai',
  goals: file.goals,
  budget: {
    total: file.budget.total,
    currency: file.budget.currency,
    contingencyRatio: file.budget.contingency_ratio,
    lines: file.budget.lines,
  },
  phases: file.phases.map((p: { name: string; starts_at: string; ends_at: string }) => ({
    name: p.name,
    startsAt: p.starts_at,
    endsAt: p.ends_at,
  })),
  channels: file.channels,
};
const points: MetricPoint[] = readFileSync(new URL('s618-new-product-launch.metrics.csv', DIR), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [ts, channel, metric, value] = line.split(',') as [string, string, string, string];
    return { ts, channel, metric, value: Number(value) };
  });
const copies: Record<string, string> = { xhs_kol: 'wecom_groups', tmall_search: 'sms' };
const fiveChannels = [
  ...points,
  ...points.filter((p) => copies[p.channel]).map((p) => ({ ...p, channel: copies[p.channel]!, value: p.value / 2 })),
];

const start = Date.parse('2026-05-20T00:00:00Z');
const at = (ms: number) => new Date(start + ms).toISOString();
const records: ReviewRecords = {
  approvals: Array.from({ length: 20 }, (_, i) => ({
    taskId: `t${i}`,
    title: `Approval ${i}`,
    status: 'approved',
    openedAt: at(-86_400_000 + i * 60_000),
    closedAt: at(-43_200_000 + i * 60_000),
    votes: [{ name: 'Bella', decision: 'approve', at: at(-43_200_000 + i * 60_000) }],
  })),
  launch: { at: at(0) },
  alerts: Array.from({ length: 500 }, (_, i) => ({
    id: `a${i}`,
    ruleId: `rule_${i % 7}`,
    channel: ['douyin_ads', 'xhs_kol', 'tmall_search', 'wecom_groups', 'sms'][i % 5]!,
    severity: i % 3 ? 'warning' : 'critical',
    firedAt: at(i * 3_600_000),
    openedAt: at(i * 3_600_000 + 60_000),
    events: [
      { kind: 'fired', at: at(i * 3_600_000 + 60_000) },
      { kind: 'escalated', at: at(i * 3_600_000 + 900_000) },
      { kind: 'acknowledged', at: at(i * 3_600_000 + 1_200_000), actor: 'Dana' },
      { kind: 'resolved', at: at(i * 3_600_000 + 7_200_000) },
    ],
  })),
};

function time(pts: MetricPoint[]) {
  const ms: number[] = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const review = computeReview(campaign, pts, records);
    rows = reviewCsv(review).split('\r\n').length;
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { points: pts.length, runs: RUNS, p50Ms: +percentile(ms, 50).toFixed(1), maxMs: +ms[ms.length - 1]!.toFixed(1), csvRows: rows };
}

const three = time(points);
const five = time(fiveChannels);
console.log(`review of the 618 scenario (3 channels, ${three.points} points): p50 ${three.p50Ms} ms, max ${three.maxMs} ms (review + CSV)`);
console.log(
  `review, 30 days hourly × 5 channels (${five.points} points, 500 alerts): p50 ${five.p50Ms} ms, max ${five.maxMs} ms; ` +
    `target < ${TARGET_MS} ms`,
);
writeBenchResult('review', { targetMs: TARGET_MS, threeChannels: three, fiveChannels: five, pass: five.maxMs < TARGET_MS });
if (five.maxMs >= TARGET_MS) process.exitCode = 1;
