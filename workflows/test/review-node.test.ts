import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { simulateFlow, validateFlow, getNodeType } from '../src/index.ts';
import { DELIVER_ACTIVITY } from '../src/nodes/deliver.ts';
import type { SimulatedActivities } from '../src/simulator.ts';
import type { ReviewHeadline } from '../src/review/headline.ts';
import type { OpenWorkTasksRequest, WorkTaskStatus } from '../src/nodes/work-tasks.ts';
import { flowWarnings } from '../src/flow-warnings.ts';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 4, 1);
const graph = (config: Record<string, unknown>, before?: { type: string; config: Record<string, unknown> }) => ({
  schemaVersion: 1,
  nodes: [
    { id: 'start', type: 'trigger.manual', config: {}, position: { x: 0, y: 0 } },
    ...(before ? [{ id: 'before', ...before, position: { x: 1, y: 0 } }] : []),
    { id: 'review', type: 'campaign.review', config, position: { x: 2, y: 0 } },
    { id: 'done', type: 'control.end', config: {}, position: { x: 3, y: 0 } },
  ],
  edges: [
    { id: 'a', source: 'start', sourceHandle: 'next', target: before ? 'before' : 'review' },
    ...(before ? [{ id: 'a2', source: 'before', sourceHandle: 'next', target: 'review' }] : []),
    { id: 'b', source: 'review', sourceHandle: 'next', target: 'done' },
  ],
});
const phases = [
  { name: 'warm_up', startsAt: '2026-05-20T00:00:00Z', endsAt: '2026-05-31T16:00:00Z' },
  { name: 'burst', startsAt: '2026-05-31T16:00:00Z', endsAt: '2026-06-18T16:00:00Z' },
  { name: 'return', startsAt: '2026-06-18T16:00:00Z', endsAt: '2026-06-20T16:00:00Z' },
];
const campaign = {
  id: 'c-618',
  name: '618',
  timezone: 'Asia/Shanghai',
  goals: [{ kpi: 'roi', target: 3, unit: 'ratio' }],
  phases,
};
const END = Date.parse('2026-06-20T16:00:00Z');

describe('campaign.review on virtual time', () => {
  it("waits for the campaign's last phase to end plus 48 h, then stores a review and goes on by next", async () => {
    const r = await simulateFlow(graph({}), { startAt: START, campaign });
    expect(r.state?.status).toBe('completed');
    expect(START + r.virtualMs).toBe(END + 48 * HOUR);
    const stores = r.calls.filter((c) => c.name === 'storeCampaignReview');
    expect(stores).toHaveLength(1);
    expect(stores[0]!.at).toBe(END + 48 * HOUR);
    expect(stores[0]!.args[0]).toMatchObject({ campaignId: 'c-618', nodeId: 'review', at: END + 48 * HOUR });
    const out = r.state?.nodes.review?.output as Record<string, unknown>;
    expect(out).toMatchObject({
      version: 1,
      campaignEndsAt: '2026-06-20T16:00:00.000Z',
      waitedMs: END + 48 * HOUR - START,
      headline: { noData: true, goals: [], missed: [] },
    });
    expect(out.reviewId).toMatch(/^simulated:/);
    expect(r.state?.nodes.done?.status).toBe('completed');
  });

  it('follows a phase date edit made while it waits: the end moves, the review waits for the new end plus the settle time', async () => {
    const later = phases.map((p) => (p.name === 'return' ? { ...p, endsAt: '2026-06-25T16:00:00Z' } : p));
    const r = await simulateFlow(graph({ settle: '3d' }), {
      startAt: START,
      campaign,
      // Thirty days in, the return phase is extended by five days; the server signals the run.
      notices: [{ atMs: 30 * 24 * HOUR, key: 'campaign:c-618' }],
      activities: { readCampaignPhases: () => ({ phases: later }) },
    });
    expect(r.state?.status).toBe('completed');
    const newEnd = Date.parse('2026-06-25T16:00:00Z');
    expect(START + r.virtualMs).toBe(newEnd + 72 * HOUR);
    expect(r.calls.find((c) => c.name === 'storeCampaignReview')!.at).toBe(newEnd + 72 * HOUR);
    expect(r.state?.nodes.review?.output).toMatchObject({
      campaignEndsAt: '2026-06-25T16:00:00.000Z',
      moved: [{ from: '2026-06-20T16:00:00.000Z', to: '2026-06-25T16:00:00.000Z', at: '2026-05-31T00:00:00.000Z' }],
    });
  });

  it('an edit made in an earlier step is read when the wait starts; a shortened campaign reviews sooner', async () => {
    const sooner = phases.map((p) => (p.name === 'return' ? { ...p, endsAt: '2026-06-19T16:00:00Z' } : p));
    const r = await simulateFlow(graph({}, { type: 'control.delay', config: { duration: '2d' } }), {
      startAt: START,
      campaign,
      notices: [{ atMs: 24 * HOUR, key: 'campaign:c-618' }],
      activities: { readCampaignPhases: () => ({ phases: sooner }) },
    });
    expect(START + r.virtualMs).toBe(Date.parse('2026-06-19T16:00:00Z') + 48 * HOUR);
    expect(r.calls.filter((c) => c.name === 'readCampaignPhases')).toHaveLength(1);
  });

  it('parks its wait: continued as new mid-wait, the next run waits only what is left and still follows an edit', async () => {
    const later = phases.map((p) => (p.name === 'return' ? { ...p, endsAt: '2026-06-22T16:00:00Z' } : p));
    const r = await simulateFlow(graph({}), {
      startAt: START,
      campaign,
      handOverWhenParked: true,
      notices: [{ atMs: 40 * 24 * HOUR, key: 'campaign:c-618' }],
      activities: { readCampaignPhases: () => ({ phases: later }) },
    });
    expect(r.state?.status).toBe('completed');
    expect(r.handovers).toBeGreaterThan(0);
    expect(START + r.virtualMs).toBe(Date.parse('2026-06-22T16:00:00Z') + 48 * HOUR);
    expect(r.calls.filter((c) => c.name === 'storeCampaignReview')).toHaveLength(1);
    expect(r.state?.nodes.review?.output).toMatchObject({ waitedMs: Date.parse('2026-06-22T16:00:00Z') + 48 * HOUR - START });
  });

  it('a given time instead of the campaign end; a time already past plus the settle period that has passed reviews at once', async () => {
    const r = await simulateFlow(graph({ at: '{{ input.when }}', settle: '1h' }), {
      startAt: START,
      campaign,
      input: { when: '2026-05-02T08:00:00+08:00' },
    });
    expect(START + r.virtualMs).toBe(Date.parse('2026-05-02T00:00:00Z') + HOUR);
    const past = await simulateFlow(graph({ at: '2020-01-01T00:00:00Z' }), { startAt: START, campaign });
    expect(past.virtualMs).toBe(0);
    expect(past.state?.nodes.review?.output).toMatchObject({ waitedMs: 0, version: 1 });
  });

  it('a retried store is one call per attempt with the same execution key (the service keys its version on it)', async () => {
    const r = await simulateFlow(graph({ settle: '0s' }), {
      startAt: END,
      campaign,
      activities: {
        storeCampaignReview: ([req], attempt) => {
          if (attempt < 3) throw { message: 'database restarting' };
          return { reviewId: 'r1', version: 7, computedAt: new Date(req.at).toISOString(), headline: null as never };
        },
      },
    });
    const stores = r.calls.filter((c) => c.name === 'storeCampaignReview');
    expect(stores.map((c) => c.outcome)).toEqual(['error', 'error', 'ok']);
    expect(new Set(stores.map((c) => (c.args[0] as { executionKey: string }).executionKey)).size).toBe(1);
    expect(r.state?.nodes.review?.output).toMatchObject({ reviewId: 'r1', version: 7 });
  });

  it('without a campaign the flow is refused before it runs; a campaign without phases fails the node saying why', async () => {
    const none = await simulateFlow(graph({}), { startAt: START });
    expect(none.state?.status ?? 'failed').not.toBe('completed');
    const bare = await simulateFlow(graph({}), { startAt: START, campaign: { id: 'c-1', timezone: 'UTC', phases: [] } });
    expect(bare.state?.status).toBe('failed');
    expect(JSON.stringify(bare.state)).toContain('no phases');
  });

  it('handles: next and timed_out exist; defaults validate; hostile configs are refused by the schema, never thrown', () => {
    const def = getNodeType('campaign.review')!;
    expect(def.handles(def.configSchema.parse({}))).toEqual(['next', 'timed_out']);
    expect(def.configSchema.parse({})).toEqual({ settle: '48h' });
    expect(validateFlow(graph({})).ok).toBe(true);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ settle: fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.constant(null)) }),
          fc.record({ at: fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.constant({})) }),
          fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue()),
        ),
        (config) => {
          const parsed = def.configSchema.safeParse(config);
          if (parsed.success) {
            expect(typeof (parsed.data as { settle: unknown }).settle).toBe('string');
            expect(validateFlow(graph(config as Record<string, unknown>)).ok).toBeTypeOf('boolean');
          } else expect(parsed.error.issues.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
    expect(def.configSchema.safeParse({ settle: '2y' }).success).toBe(false);
    expect(def.configSchema.safeParse({ settle: '400d' }).success).toBe(false);
  });
});

describe('campaign.review lesson tasks on virtual time', () => {
  const KEY = 'simulation/review/1/lessons';
  const owner = { id: 'owner-1', name: 'Evan Zhou', email: 'evan@example.com' };
  const withOwner = { ...campaign, owner, department: 'E-commerce' };
  const REVIEWED = END + 48 * HOUR;
  const headline: ReviewHeadline = {
    noData: false,
    points: 10,
    goals: [
      { kpi: 'roi', target: 3, actual: 3.4, rate: 1.13, status: 'over', met: true },
      { kpi: 'cpa', target: 44, actual: 52, rate: 44 / 52, status: 'at_risk', met: false },
    ],
    revenue: 100,
    spend: 30,
    roi: 3.4,
    budget: { total: 25, actual: 30, overspent: true, currency: 'CNY' },
    missed: ['cpa'],
    overspentLines: ['douyin_ads/burst'],
  };
  /** The task table on the virtual clock: slot → hours after the review at which its assignee records a lesson. */
  function table(doneAfter: Record<number, number>, reviewed: ReviewHeadline = headline) {
    const rows = new Map<
      string,
      { id: string; slot: number; status: WorkTaskStatus; result: { lessonId: string } | null; completedBy: string | null }
    >();
    let opened: OpenWorkTasksRequest | undefined;
    const settle = (now: number) => {
      for (const r of rows.values())
        if (r.status === 'open' && doneAfter[r.slot] !== undefined && REVIEWED + doneAfter[r.slot]! * HOUR <= now)
          Object.assign(r, { status: 'done', completedBy: `u${r.slot}`, result: { lessonId: `lesson-${r.slot}` } });
    };
    const view = (ids: string[]) =>
      ids.map((id) => {
        const r = rows.get(id)!;
        return { ...r, assignee: `slot ${r.slot}`, notify: [{ id: `u${r.slot}`, name: `U${r.slot}`, email: `u${r.slot}@example.com` }] };
      });
    const activities: SimulatedActivities = {
      storeCampaignReview: ([req]) => ({ reviewId: 'r-1', version: 2, computedAt: new Date(req.at).toISOString(), headline: reviewed }),
      openWorkTasks: ([req]) => {
        opened = req;
        const ids = req.assignees.map((_, slot) => `${req.executionKey}/${slot}`);
        ids.forEach((id, slot) => rows.has(id) || rows.set(id, { id, slot, status: 'open', result: null, completedBy: null }));
        return view(ids);
      },
      readWorkTasks: ([req], _a, now) => (settle(now), view(req.ids)),
      closeWorkTasks: ([req], _a, now) => {
        settle(now);
        for (const id of req.ids) if (rows.get(id)!.status === 'open') rows.get(id)!.status = req.status;
        return view(req.ids);
      },
    };
    return { activities, rows, opened: () => opened! };
  }
  const lessonGraph = (lessons: Record<string, unknown>, late = true) => {
    const g = graph({ lessons });
    if (!late) return g;
    g.nodes.push({ id: 'late', type: 'control.end', config: {}, position: { x: 3, y: 1 } });
    g.edges.push({ id: 'c', source: 'review', sourceHandle: 'timed_out', target: 'late' });
    return g;
  };
  const run = (lessons: Record<string, unknown>, doneAfter: Record<number, number>, opts: { late?: boolean; signal?: boolean } = {}) => {
    const t = table(doneAfter);
    return simulateFlow(lessonGraph(lessons, opts.late ?? true), {
      startAt: START,
      campaign: withOwner,
      activities: t.activities,
      notices:
        opts.signal === false ? [] : Object.values(doneAfter).map((h) => ({ atMs: REVIEWED + h * HOUR - START, key: `worktasks:${KEY}` })),
    }).then((r) => ({ r, t }));
  };
  const messages = (r: Awaited<ReturnType<typeof simulateFlow>>) =>
    r.calls
      .filter((c) => c.name === DELIVER_ACTIVITY && c.outcome === 'ok')
      .map((c) => [(c.at - REVIEWED) / HOUR, (c.args[0] as { keyPrefix: string }).keyPrefix.split('/').pop()]);

  it("the owner's lesson is recorded: next at that moment, with the lesson's id; the task is pre-filled from the review", async () => {
    const { r, t } = await run({}, { 0: 30 });
    expect(r.state?.status, JSON.stringify(r.state?.nodes.review)).toBe('completed');
    expect(r.state?.nodes.review).toMatchObject({ handle: 'next', endedAt: REVIEWED + 30 * HOUR });
    expect(r.state?.nodes.done?.status).toBe('completed');
    expect(r.state?.nodes.review?.output).toMatchObject({ reviewId: 'r-1', version: 2, lessons: ['lesson-0'] });
    const opened = t.opened();
    expect(opened).toMatchObject({
      kind: 'lesson',
      executionKey: KEY,
      title: 'Lessons from 618',
      assignees: [{ kind: 'user', user: 'owner-1' }],
      campaignId: 'c-618',
      dueAt: new Date(REVIEWED + 7 * 24 * HOUR).toISOString(),
      remindEveryMs: 2 * 24 * HOUR,
      hints: { kpi: 'cpa', channel: 'douyin_ads', outcome: 'mixed' },
    });
    expect(opened.instructions).toContain('- CPA missed by 18 % on douyin_ads');
    expect(opened.instructions).toContain('- douyin_ads/burst over its budget');
  });

  it('nobody records one by the due time: reminders every 2 days, then timed_out, the task closed', async () => {
    const { r, t } = await run({}, {});
    expect(r.state?.nodes.review).toMatchObject({ handle: 'timed_out', endedAt: REVIEWED + 7 * 24 * HOUR });
    expect(r.state?.nodes.late?.status).toBe('completed');
    expect(r.state?.nodes.done?.status).toBe('skipped');
    expect(messages(r)).toEqual([
      [0, 'opened'],
      [48, 'remind-1'],
      [96, 'remind-2'],
      [144, 'remind-3'],
    ]);
    expect([...t.rows.values()].map((x) => x.status)).toEqual(['timed_out']);
    expect(r.state?.nodes.review?.output).toMatchObject({ lessons: [], lessonTasks: { status: 'timed_out', reminders: 3 } });
  });

  it('without a timed_out path an overdue lesson fails the node, saying so; the validator warns of it beforehand', async () => {
    const doc = lessonGraph({ due: '1d', remindEvery: '12h' }, false);
    const checked = validateFlow(doc);
    expect(checked.ok && flowWarnings(checked.flow).filter((w) => w.code === 'unhandled_outcome')).toMatchObject([
      { nodeId: 'review', handle: 'timed_out' },
    ]);
    // Without lessons, nothing can time out, so nothing is warned of.
    const plain = validateFlow(graph({}));
    expect(plain.ok && flowWarnings(plain.flow).filter((w) => w.code === 'unhandled_outcome')).toEqual([]);
    const { r } = await run({ due: '1d', remindEvery: '12h' }, {}, { late: false });
    expect(r.state?.nodes.review?.status).toBe('failed');
    expect(r.state?.nodes.review?.error).toContain('no "timed_out" path is drawn');
  });

  it('roles as well as the owner, waitFor all: next only once both are in; a lost signal is found at the hourly look', async () => {
    const lessons = {
      assignees: [{ kind: 'role', role: 'analyst', department: 'E-commerce' }],
      waitFor: 'all',
      due: '3d',
      remindEvery: '1d',
    };
    const { r, t } = await run(lessons, { 0: 5, 1: 30 }, { signal: false });
    expect(t.opened().assignees).toEqual([
      { kind: 'user', user: 'owner-1' },
      { kind: 'role', role: 'analyst', department: 'E-commerce' },
    ]);
    expect(r.state?.nodes.review).toMatchObject({ handle: 'next', endedAt: REVIEWED + 30 * HOUR });
    expect(r.state?.nodes.review?.output).toMatchObject({ lessons: ['lesson-0', 'lesson-1'] });
    // One reminder at 24 h, to the role's holder who had not written theirs.
    expect(messages(r).map(([, k]) => k)).toEqual(['opened', 'remind-1']);
  });

  it('a review with nothing missed still asks, saying so, with outcome "met" and no KPI', async () => {
    const t = table({}, { ...headline, goals: [headline.goals[0]!], missed: [], overspentLines: [], budget: null });
    const r = await simulateFlow(lessonGraph({ owner: true, due: '1d', remindEvery: '1d' }), {
      startAt: START,
      campaign: withOwner,
      activities: t.activities,
    });
    expect(r.state?.nodes.review?.handle).toBe('timed_out');
    expect(t.opened().hints).toEqual({ outcome: 'met' });
    expect(t.opened().instructions).toContain('no missed goal');
  });

  it('the lessons config: owner or assignees needed, reminders bounded, hostile values refused as issues', () => {
    const def = getNodeType('campaign.review')!;
    expect(def.configSchema.parse({ lessons: {} })).toMatchObject({
      lessons: { owner: true, assignees: [], waitFor: 'any', due: '7d', remindEvery: '2d' },
    });
    expect(validateFlow(lessonGraph({})).ok).toBe(true);
    expect(validateFlow(lessonGraph({ owner: false })).ok).toBe(false);
    expect(validateFlow(lessonGraph({ due: '7d', remindEvery: '30s' })).ok).toBe(false);
    expect(validateFlow(lessonGraph({ due: '52w', remindEvery: '1h' })).ok).toBe(false);
    const text = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('{{ ', '{{ campaign.name }}', 'x'.repeat(5000), '\u0000'));
    const ref = fc.oneof(
      fc.record({ kind: fc.constant('user'), user: text }),
      fc.record(
        { kind: fc.constant('role'), role: fc.constantFrom('analyst', 'wizard'), department: text },
        { requiredKeys: ['kind', 'role'] },
      ),
      fc.record({ kind: fc.constant('expression'), expression: fc.constantFrom('"user:a@b.c"', '1 +', 'input.who') }),
      fc.jsonValue({ maxDepth: 1 }),
    );
    const lessons = fc.oneof(
      fc.record(
        {
          owner: fc.oneof(fc.boolean(), fc.constant('yes')),
          assignees: fc.oneof(fc.array(ref, { maxLength: 3 }), fc.constant('everyone')),
          waitFor: fc.constantFrom('any', 'all', 'most', 1),
          due: fc.constantFrom('1h', '7d', 'soon', '', '999999w', 5, null),
          remindEvery: fc.constantFrom('15m', '2d', 'often', '0s', '1s'),
          instructions: text,
          extra: fc.jsonValue({ maxDepth: 1 }),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 2 }),
    );
    fc.assert(
      fc.property(lessons, (l) => {
        const checked = validateFlow(lessonGraph(l as Record<string, unknown>));
        const parsed = def.configSchema.safeParse({ lessons: l });
        // A config the schema refuses never validates; one it takes fails only on an expression that does not parse
        // (the validator reads expressions, the schema does not).
        if (!parsed.success) expect(checked.ok).toBe(false);
        else if (!checked.ok) expect(checked.issues.map((i) => i.code)).toEqual(checked.issues.map(() => 'expression'));
        if (!checked.ok) expect(checked.issues.some((i) => JSON.stringify(i).includes('lessons'))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
