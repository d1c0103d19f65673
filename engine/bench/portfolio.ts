/**
 * Part of npm run bench: the portfolio (GET /api/portfolio) over 100 campaigns × 30 days hourly (3 channels × 7
 * metrics: 15,120 points each, 1.5 M in all), on the embedded PostgreSQL. Printed: the service's and the HTTP
 * route's latency (p50, p99), the comparison route's, and, as the baseline the one grouped query replaces, the
 * time to compute the review of every campaign one by one (ReviewService.review: a per-campaign read of hourly sums).
 * Run: npx tsx engine/bench/portfolio.ts (BENCH_PORTFOLIO_CAMPAIGNS, BENCH_PORTFOLIO_ROUNDS to change the size).
 */
import { sql } from 'drizzle-orm';
import { RAW_METRICS } from '@flightdeck/workflows';
import { portfolioQuerySchema } from '../src/api/contracts/portfolio.ts';
import { PortfolioService } from '../src/services/portfolio.ts';
import { ReviewService } from '../src/services/reviews.ts';
import { percentile, startBenchStack, writeBenchResult } from './stack.ts';

const CAMPAIGNS = Number(process.env.BENCH_PORTFOLIO_CAMPAIGNS ?? 100);
const ROUNDS = Number(process.env.BENCH_PORTFOLIO_ROUNDS ?? 20);
const CHANNELS = ['douyin_ads', 'xhs_kol', 'tmall_search', 'sms', 'wecom_groups'];
const START = '2026-05-20T00:00:00Z';

const stack = await startBenchStack('portfolio', {
  pg: Number(process.env.BENCH_PG_PORT ?? 54437),
  temporal: Number(process.env.BENCH_TEMPORAL_PORT ?? 7337),
});
try {
  const { server } = stack;
  const admin = await stack.user('portfolio@bench.local', 'Portfolio', 'admin');
  const departments = await Promise.all(['D1', 'D2', 'D3', 'D4'].map((n) => server.app.people.ensureDepartment(admin.actor, n)));
  const ids: string[] = [];
  for (let i = 0; i < CAMPAIGNS; i++) {
    const channels = [0, 1, 2].map((k) => CHANNELS[(i + k) % CHANNELS.length]!);
    const c = await server.app.campaigns.create(admin.actor, {
      name: `Campaign ${String(i).padStart(3, '0')}`,
      departmentId: departments[i % departments.length]!.id,
      timezone: 'Asia/Shanghai',
      goals: [
        { kpi: 'revenue', target: 5_000_000, unit: 'CNY' },
        { kpi: 'cpa', target: 45, unit: 'CNY', direction: 'max' },
        { kpi: 'roi', target: 3, unit: 'ratio' },
        { kpi: 'ctr', target: 0.025, unit: 'ratio' },
      ],
      budget: {
        total: 1_200_000,
        currency: 'CNY',
        contingencyRatio: 0.1,
        lines: channels.map((channel) => ({ channel, amount: 300_000 })),
      },
      phases: [
        { name: 'warm_up', startsAt: START, endsAt: '2026-05-27T00:00:00Z' },
        { name: 'burst', startsAt: '2026-05-27T00:00:00Z', endsAt: '2026-06-19T00:00:00Z' },
      ],
      channels: channels.map((name) => ({ name })),
    });
    ids.push(c.id);
    // 30 days hourly of every raw metric on each of its channels, generated in the database.
    await server.db.db.execute(sql`
      INSERT INTO metric_points (campaign_id, channel, metric, ts, value)
      SELECT ${c.id}::uuid, ch, m, ts, (100 + 50 * sin(extract(epoch FROM ts) / 3600 + length(ch) + length(m)))::float8
      FROM unnest(${sql.param(channels)}::text[]) ch, unnest(${sql.param([...RAW_METRICS])}::text[]) m,
        generate_series(${START}::timestamptz, ${START}::timestamptz + interval '719 hours', interval '1 hour') ts`);
  }
  await server.db.pool.query('ANALYZE metric_points');
  const [{ n } = { n: 0 }] = (await server.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM metric_points')).rows;

  const portfolio = new PortfolioService(server.db.db, server.app.campaigns);
  const query = portfolioQuerySchema.parse({ sort: 'attainment' });
  const service: number[] = [];
  const http: number[] = [];
  const comparison: number[] = [];
  let rows = 0;
  for (let r = 0; r < ROUNDS; r++) {
    let t = performance.now();
    rows = (await portfolio.portfolio(admin.actor, query)).items.length;
    service.push(performance.now() - t);
    t = performance.now();
    await stack.api(admin.token, 'GET', '/api/portfolio?sort=attainment');
    http.push(performance.now() - t);
    t = performance.now();
    await stack.api(admin.token, 'GET', `/api/campaigns/${ids[r % ids.length]}/comparison`);
    comparison.push(performance.now() - t);
  }
  const reviews = new ReviewService(server.db.db, server.app.campaigns);
  const t = performance.now();
  for (const id of ids) await reviews.review(id);
  const reviewsMs = performance.now() - t;

  const stats = (xs: number[]) => ({ n: xs.length, p50: +percentile(xs, 50).toFixed(1), p99: +percentile(xs, 99).toFixed(1) });
  const result = {
    campaigns: CAMPAIGNS,
    points: n,
    rows,
    serviceMs: stats(service),
    httpMs: stats(http),
    comparisonHttpMs: stats(comparison),
    reviewEachCampaignMs: Math.round(reviewsMs),
    ratio: +(reviewsMs / percentile(http, 50)).toFixed(1),
  };
  console.log(`portfolio: ${CAMPAIGNS} campaigns, ${n} points (30 days hourly, 3 channels × 7 metrics each)`);
  console.log(`  service       p50 ${result.serviceMs.p50} ms  p99 ${result.serviceMs.p99} ms`);
  console.log(`  GET /api/portfolio  p50 ${result.httpMs.p50} ms  p99 ${result.httpMs.p99} ms`);
  console.log(`  GET /api/campaigns/:id/comparison  p50 ${result.comparisonHttpMs.p50} ms  p99 ${result.comparisonHttpMs.p99} ms`);
  console.log(`  baseline: a review per campaign, one by one: ${result.reviewEachCampaignMs} ms (${result.ratio}× the portfolio's p50)`);
  writeBenchResult('portfolio', result);
} finally {
  await stack.close();
}
