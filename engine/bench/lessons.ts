/**
 * Part of npm run bench: knowledge-base search over 10,000 lessons (mixed Chinese and English), on the
 * embedded PostgreSQL. Target (issue 13): p99 < 50 ms. The lessons are generated from fixed fragments
 * with a seeded generator and bulk-loaded with the service's own search columns; each query of a fixed
 * set then runs ROUNDS times through LessonService.search (page, bounded count and highlight stems) and
 * over HTTP, as a global admin (every lesson visible: the widest scan) and as a department member.
 */
import { lessons } from '../src/db/schema.ts';
import { searchColumns } from '../src/services/lessons.ts';
import { lessonQuerySchema } from '../src/api/contracts/lessons.ts';
import { percentile, startBenchStack, writeBenchResult } from './stack.ts';

const LESSONS = Number(process.env.BENCH_LESSONS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_LESSON_ROUNDS ?? 10);
const TARGET_MS = 50;

let seed = 13;
const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;

const ZH = {
  fact: [
    '抖音投放预算超支',
    '小红书达人种草新客占比高',
    '天猫搜索转化率最好',
    '短信召回打开率偏低',
    '企业微信社群复购增长',
    '直播间流量价格上涨',
  ],
  cause: ['出价策略没有日预算上限', '达人内容同质化', '发送时间在深夜', '竞价激烈', '素材没有及时更换', '监控告警没有确认'],
  insight: ['大促期间流量更贵', '腰部达人性价比更高', '品牌搜索承接其他渠道的需求', '会员在午休时间更愿意阅读', '私域社群转化效率高'],
  action: ['设置日预算上限和超支告警', '准备两套达人素材', '调整发送时段', '预留应急预算', '把短信预算转给社群'],
};
const EN = {
  fact: [
    'Douyin spend ran over its budget',
    'KOL posts brought the most new customers',
    'Search campaigns converted best',
    'SMS open rates were low',
  ],
  cause: ['bids had no daily cap', 'creatives were not rotated', 'messages went out at night', 'the alert was not acknowledged'],
  insight: [
    'traffic costs rise during the burst',
    'brand search captures demand',
    'members read at lunchtime',
    'private groups convert well',
  ],
  action: [
    'cap daily budgets and alert on overspend',
    'rotate creatives every week',
    'move sends to lunchtime',
    'reserve contingency budget',
  ],
};
const CHANNELS = ['douyin_ads', 'xhs_kol', 'tmall_search', 'sms', 'wecom_groups'];
const KPIS = ['cpa', 'ctr', 'roi', 'revenue', 'cvr'];
const OUTCOMES = ['met', 'missed', 'mixed'] as const;

const stack = await startBenchStack('lessons', {
  pg: Number(process.env.BENCH_PG_PORT ?? 54435),
  temporal: Number(process.env.BENCH_TEMPORAL_PORT ?? 7335),
});
try {
  const { server } = stack;
  const admin = await stack.user('lessons@bench.local', 'Lessons', 'admin');
  const departments = await Promise.all(['D1', 'D2', 'D3', 'D4', 'D5'].map((n) => server.app.people.ensureDepartment(admin.actor, n)));
  const member = await server.app.people.createUser(admin.actor, {
    email: 'member@bench.local',
    name: 'Member',
    password: 'bench-password',
    departmentId: departments[0]!.id,
  });
  await server.app.people.grant(admin.actor, { userId: member.id, role: 'viewer', departmentId: departments[0]!.id });
  const memberActor = await server.app.people.actorFor((await server.app.people.userRow(member.id))!, 'system');

  const loadStart = performance.now();
  for (let i = 0; i < LESSONS; i += 500) {
    const rows = Array.from({ length: Math.min(500, LESSONS - i) }, (_, j) => {
      const zh = (i + j) % 2 === 0;
      const v = zh ? ZH : EN;
      const texts = {
        fact: `${pick(v.fact)}${zh ? '，' : ', '}${pick(v.fact)} #${i + j}`,
        cause: pick(v.cause),
        insight: pick(v.insight),
        action: pick(v.action),
        kpi: pick(KPIS),
        channel: pick(CHANNELS),
      };
      return {
        ...texts,
        ...searchColumns(texts),
        departmentId: pick(departments).id,
        outcome: pick(OUTCOMES),
        lang: zh ? ('zh-CN' as const) : ('en' as const),
        shared: rand() < 0.05,
      };
    });
    await server.db.db.insert(lessons).values(rows);
  }
  const loadMs = performance.now() - loadStart;
  await server.db.pool.query('ANALYZE lessons');

  const QUERIES = [
    'q=预算',
    'q=达人',
    'q=超支',
    'q=日预算上限',
    'q=budget',
    'q=campaigns',
    'q=daily budgets',
    'q=预算&channel=douyin_ads',
    'q=达人&outcome=met',
    'channel=sms',
    'kpi=roi&outcome=missed',
    'q=预算 budget',
    '',
  ];
  const parse = (qs: string) => lessonQuerySchema.parse(Object.fromEntries(new URLSearchParams(qs)));
  const service: number[] = [];
  const serviceMember: number[] = [];
  const http: number[] = [];
  const hits: Record<string, number> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const qs of QUERIES) {
      let t = performance.now();
      const res = await server.app.lessons.search(parse(qs), admin.actor);
      service.push(performance.now() - t);
      hits[qs] = res.total;
      t = performance.now();
      await server.app.lessons.search(parse(qs), memberActor);
      serviceMember.push(performance.now() - t);
      t = performance.now();
      await stack.api(admin.token, 'GET', `/api/lessons?${new URLSearchParams(Object.fromEntries(new URLSearchParams(qs)))}`);
      http.push(performance.now() - t);
    }
  }
  const stats = (xs: number[]) => ({ n: xs.length, p50: +percentile(xs, 50).toFixed(2), p99: +percentile(xs, 99).toFixed(2) });
  const result = {
    lessons: LESSONS,
    loadMs: Math.round(loadMs),
    targetP99Ms: TARGET_MS,
    serviceAdmin: stats(service),
    serviceMember: stats(serviceMember),
    httpAdmin: stats(http),
    matches: hits,
  };
  console.log(`lessons search over ${LESSONS} lessons (${QUERIES.length} queries × ${ROUNDS} rounds), target p99 < ${TARGET_MS} ms`);
  const line = (label: string, x: { p50: number; p99: number }) =>
    console.log(`  ${label}: p50 ${x.p50} ms  p99 ${x.p99} ms  (${(x.p99 / TARGET_MS).toFixed(2)} × target)`);
  line('service, admin ', result.serviceAdmin);
  line('service, member', result.serviceMember);
  line('HTTP, admin    ', result.httpAdmin);
  console.log(`  matches per query: ${JSON.stringify(hits)}`);
  writeBenchResult('lessons', result);
} finally {
  await stack.close();
}
