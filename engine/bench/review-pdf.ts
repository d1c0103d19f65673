/**
 * Part of npm run bench (alone: npx tsx engine/bench/review-pdf.ts): the review PDF of the 618
 * scenario (30 days hourly, 3 channels) printed by ReviewPdfRenderer from the built editor, as
 * GET /api/campaigns/:id/review.pdf does: the first render (launching Chromium), then warm renders
 * one after another, then four asked at once (they take turns: one browser, one page at a time).
 * Needs `npm run build` (editor/dist) and Chromium (CHROMIUM_PATH or /usr/bin/chromium).
 */
import { readFileSync } from 'node:fs';
import { computeReview, type MetricPoint, type ReviewCampaign } from '@flightdeck/workflows';
import { ReviewPdfRenderer } from '../src/services/review-pdf.ts';
import { EDITOR_DIST } from '../src/server/start-server.ts';
import { percentile, writeBenchResult } from './stack.ts';

const DIR = new URL('../seed/', import.meta.url);
const RUNS = Number(process.env.BENCH_REVIEW_PDF_RUNS ?? 5);

const file = JSON.parse(readFileSync(new URL('s618-new-product-launch.campaign.json', DIR), 'utf8'));
const campaign: ReviewCampaign = {
  id: file.id,
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
const review = computeReview(campaign, points, {}, { generatedAt: new Date().toISOString() });
const stored = {
  version: 1,
  computedAt: review.generatedAt!,
  trigger: 'flow',
  actor: 'bench',
  runId: null,
  points: review.points,
  watermark: null,
};

const renderer = new ReviewPdfRenderer({ editorDist: EDITOR_DIST });
const missing = renderer.missing();
if (missing) {
  console.log(`review PDF: not measured. ${missing}`);
  process.exit(1);
}
const render = (lang: 'en' | 'zh-CN') => renderer.render({ campaignId: file.id, review: { ...review, stored }, versions: [stored], lang });

try {
  let t = performance.now();
  const first = await render('zh-CN');
  const coldMs = performance.now() - t;
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    t = performance.now();
    await render(i % 2 ? 'en' : 'zh-CN');
    warm.push(performance.now() - t);
  }
  warm.sort((a, b) => a - b);
  t = performance.now();
  await Promise.all([1, 2, 3, 4].map(() => render('en')));
  const fourMs = performance.now() - t;
  const result = {
    bytes: first.length,
    coldMs: Math.round(coldMs),
    warmRuns: RUNS,
    warmP50Ms: Math.round(percentile(warm, 50)),
    warmMaxMs: Math.round(warm[warm.length - 1]!),
    fourAtOnceMs: Math.round(fourMs),
    fourAtOnceOverWarm: +(fourMs / percentile(warm, 50)).toFixed(2),
  };
  console.log(
    `review PDF of the 618 scenario (${(result.bytes / 1024).toFixed(0)} KB): first ${result.coldMs} ms (with Chromium's launch), ` +
      `then p50 ${result.warmP50Ms} ms, max ${result.warmMaxMs} ms over ${RUNS}; four at once ${result.fourAtOnceMs} ms ` +
      `(${result.fourAtOnceOverWarm}× one: they take turns)`,
  );
  writeBenchResult('review-pdf', result);
} finally {
  await renderer.close();
}
