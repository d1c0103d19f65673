import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  buildTimeline,
  checkAnomaly,
  compareSummaries,
  injectAnomaly,
  nodesReachedBy,
  scenarioPoints,
  simulateWhatIf,
  summarise,
  WhatIfInputError,
  type TimelineEntry,
  type WhatIfOptions,
} from '../src/whatif/index.ts';
import { loadScenario } from './support/scenarios.ts';
import { simulateFlow } from '../src/simulator.ts';

const SEED = fileURLToPath(new URL('../../engine/seed', import.meta.url));
const s618 = loadScenario('s618-new-product-launch');
const csv = readFileSync(`${SEED}/s618-new-product-launch.metrics.csv`, 'utf8');

/** The crisis-response shape: a negative-mentions spike escalates over two levels, then the watch goes on. */
const crisisFlow = {
  schemaVersion: 1,
  nodes: [
    { id: 'start', type: 'trigger.manual', position: { x: 0, y: 0 }, config: {} },
    {
      id: 'monitor',
      type: 'monitoring.monitor',
      position: { x: 0, y: 0 },
      config: {
        every: '1h',
        rules: [
          {
            id: 'negative_spike',
            kind: 'deviation',
            metric: 'negative_mentions',
            per: 'campaign',
            by: 0.5,
            direction: 'up',
            baseline: 'same_time',
            days: 14,
            ignoreBelow: 10,
            keepFiringFor: '2h',
            severity: 'critical',
          },
        ],
      },
    },
    {
      id: 'escalate',
      type: 'monitoring.escalate',
      position: { x: 0, y: 0 },
      config: {
        monitor: 'monitor',
        levels: [
          { owner: true, ackWithin: '1h' },
          { people: [{ kind: 'role', role: 'admin' }], ackWithin: '1h' },
        ],
      },
    },
    { id: 'again', type: 'control.delay', position: { x: 0, y: 0 }, config: { duration: '1s' } },
    { id: 'done', type: 'control.end', position: { x: 0, y: 0 }, config: { status: 'completed' } },
  ],
  edges: [
    { id: 'e1', source: 'start', sourceHandle: 'next', target: 'monitor' },
    { id: 'e2', source: 'monitor', sourceHandle: 'negative_spike', target: 'escalate' },
    { id: 'e3', source: 'monitor', sourceHandle: 'ended', target: 'done' },
    { id: 'e4', source: 'escalate', sourceHandle: 'acknowledged', target: 'again' },
    { id: 'e5', source: 'escalate', sourceHandle: 'resolved', target: 'again' },
    { id: 'e6', source: 'escalate', sourceHandle: 'exhausted', target: 'again' },
    { id: 'e7', source: 'again', sourceHandle: 'next', target: 'monitor' },
  ],
};
const types = Object.fromEntries(crisisFlow.nodes.map((n) => [n.id, n.type]));
const campaign: WhatIfOptions['campaign'] = { ...s618.campaign, id: 'c618', name: '618 launch', owner: { id: 'u1', name: 'Olivia' } };

const HOUR = 3_600_000;
const hourOf = (iso: string) => (Date.parse(iso) - s618.start) / HOUR;
const node = (id: string, type: string, config: Record<string, unknown> = {}) => ({ id, type, position: { x: 0, y: 0 }, config });
const link = (source: string, sourceHandle: string, target: string) => ({ id: `${source}-${sourceHandle}`, source, sourceHandle, target });

/** Approval, then a webhook, then the launch: the human and outside steps a what-if scripts. */
const launchFlow = {
  schemaVersion: 1,
  nodes: [
    node('start', 'trigger.manual'),
    node('ok', 'approval.request', { title: 'Go?', approvers: [{ kind: 'user', user: 'u1' }], due: '1d', onTimeout: 'branch' }),
    node('hook', 'channel.webhook', { url: 'https://example.com/hook', retry: { maximumAttempts: 2 } }),
    node('launch', 'campaign.launch'),
    node('done', 'control.end', { status: 'completed' }),
    node('stop', 'control.end', { status: 'failed' }),
  ],
  edges: [
    link('start', 'next', 'ok'),
    link('ok', 'approved', 'hook'),
    link('ok', 'rejected', 'stop'),
    link('ok', 'timed_out', 'stop'),
    link('hook', 'sent', 'launch'),
    link('hook', 'failed', 'stop'),
    link('launch', 'next', 'done'),
  ],
};
const launchTypes = Object.fromEntries(launchFlow.nodes.map((n) => [n.id, n.type]));

describe('what-if against the 618 scenario', () => {
  it('hands the negative-mentions spike (hours 494–506) to the flow and escalates it to level 2', async () => {
    const r = await simulateWhatIf(crisisFlow, { campaign, points: scenarioPoints(csv) });
    expect(r.simulation.issues).toBeUndefined();
    expect(r.simulation.state?.status).toBe('completed');
    const timeline = buildTimeline(r, types);
    // One alert, told when it opened and again at each 4 h repeat while nobody acknowledges it (nobody does here).
    const alerts = timeline.filter((e) => e.kind === 'alert');
    expect(alerts.map((e) => (e.output as { group: { reason: string } }).group.reason)).toEqual(['new', 'repeat', 'repeat', 'repeat']);
    const firedAt = (alerts[0]!.output as { alert: { firedAt: string } }).alert.firedAt;
    expect(hourOf(firedAt)).toBeGreaterThanOrEqual(494);
    expect(hourOf(firedAt)).toBeLessThan(506);
    // Known once its hour has closed, never before the data says so.
    expect(alerts[0]!.at).toBe(Date.parse(firedAt) + HOUR);
    const summary = summarise(r, timeline);
    expect(summary).toMatchObject({ alerts: 1, repeats: 3, notifications: 4, escalationsByLevel: { 2: 4 }, messages: 8, launchAt: null });
    // The watch ends with the campaign's last phase.
    expect(r.startAt + r.simulation.virtualMs).toBe(Date.parse('2026-06-19T00:00:00Z'));
    // Every node execution has its input and output: the escalation read the monitor's alert.
    const esc = timeline.find((e) => e.nodeId === 'escalate' && e.kind === 'step')!;
    expect((esc.input as { monitor: { alert: { firedAt: string } } }).monitor.alert.firedAt).toBe(firedAt);
    expect(esc.label).toBe('exhausted');
    // In the order it happened: the alert, the escalation step it started, then the messages and escalations inside it.
    const at = timeline.filter((e) => e.at === alerts[0]!.at).map((e) => e.kind);
    expect(at.slice(0, 2)).toEqual(['alert', 'step']);
    expect(at.indexOf('escalation')).toBeGreaterThan(1);
  });

  it('an injected anomaly adds the alerts the base series does not have', async () => {
    const base = scenarioPoints(csv);
    const anomaly = checkAnomaly({
      channel: '*',
      metric: 'negative',
      factor: '15',
      from: '2026-06-01T00:00:00Z',
      to: '2026-06-01T06:00:00Z',
    });
    const spiked = injectAnomaly(base, anomaly);
    expect(spiked.filter((p, i) => p !== base[i]).length).toBeGreaterThan(0);
    const r = await simulateWhatIf(crisisFlow, { campaign, points: spiked });
    const alerts = buildTimeline(r, types).filter((e) => e.kind === 'alert');
    expect(alerts.length).toBeGreaterThanOrEqual(2);
    const first = (alerts[0]!.output as { alert: { firedAt: string } }).alert.firedAt;
    expect(Date.parse(first)).toBeGreaterThanOrEqual(anomaly.from);
    expect(Date.parse(first)).toBeLessThan(anomaly.to);
  });

  it('the scrubber lights up the nodes started by a virtual time', async () => {
    const r = await simulateWhatIf(crisisFlow, { campaign, points: scenarioPoints(csv) });
    const timeline = buildTimeline(r, types);
    const alertAt = timeline.find((e) => e.kind === 'alert')!.at;
    expect([...nodesReachedBy(timeline, r.startAt)].sort()).toEqual(['monitor', 'start']);
    expect(nodesReachedBy(timeline, alertAt - 1).has('escalate')).toBe(false);
    expect(nodesReachedBy(timeline, alertAt).has('escalate')).toBe(true);
    expect(nodesReachedBy(timeline, r.startAt + r.simulation.virtualMs).has('done')).toBe(true);
  });
});

describe('scripted responses', () => {
  const run = (responses: Parameters<typeof simulateWhatIf>[1]['responses']) =>
    simulateWhatIf(launchFlow, { campaign, points: [], responses }).then((r) => ({ r, t: buildTimeline(r, launchTypes) }));

  it('by default the approver approves 3 h after being asked, the webhook answers 200 and the launch follows', async () => {
    const { r, t } = await run(undefined);
    expect(r.simulation.state?.status).toBe('completed');
    const s = summarise(r, t);
    expect(s.approvals).toEqual({ approved: 1, rejected: 0, timedOut: 0 });
    expect(s.webhooks).toEqual({ ok: 1, failed: 0 });
    expect(s.launchAt).toBe(r.startAt + 3 * HOUR);
  });

  it('approve after N hours counts from when the task opens', async () => {
    const { r, t } = await run({ approvals: { ok: { kind: 'approve', afterHours: 7 } } });
    expect(summarise(r, t).launchAt).toBe(r.startAt + 7 * HOUR);
  });

  it('reject, no answer and a 500 each take their path', async () => {
    const rejected = await run({ approvals: { ok: { kind: 'reject', afterHours: 1 } } });
    expect(rejected.r.simulation.state?.nodes.ok?.handle).toBe('rejected');
    expect(summarise(rejected.r, rejected.t).approvals.rejected).toBe(1);
    const silent = await run({ approvals: { ok: { kind: 'none' } } });
    expect(silent.r.simulation.state?.nodes.ok).toMatchObject({ handle: 'timed_out', endedAt: silent.r.startAt + 24 * HOUR });
    expect(summarise(silent.r, silent.t).approvals.timedOut).toBe(1);
    const failing = await run({ webhooks: { hook: 500 } });
    expect(failing.r.simulation.state?.nodes.hook?.handle).toBe('failed');
    expect(summarise(failing.r, failing.t)).toMatchObject({ webhooks: { ok: 0, failed: 2 }, launchAt: null });
  });
});

/** A task for the owner, then the post-campaign review with its lesson task: the work a what-if scripts besides approvals. */
const workFlow = {
  schemaVersion: 1,
  nodes: [
    node('start', 'trigger.manual'),
    node('task', 'human.task', { title: 'Check the creatives', owner: true, due: '1d', remindEvery: '6h' }),
    node('review', 'campaign.review', { settle: '48h', lessons: { owner: true, due: '7d', remindEvery: '2d' } }),
    node('done', 'control.end', { status: 'completed' }),
  ],
  edges: [
    link('start', 'next', 'task'),
    link('task', 'done', 'review'),
    link('task', 'timed_out', 'review'),
    link('review', 'next', 'done'),
    link('review', 'timed_out', 'done'),
  ],
};

describe('scripted work tasks and the review', () => {
  const CAMPAIGN_END = Date.parse('2026-06-19T00:00:00Z');
  const run = (responses?: Parameters<typeof simulateWhatIf>[1]['responses'], points = scenarioPoints(csv)) =>
    simulateWhatIf(workFlow, { campaign, points, responses });

  it('by default a task is done 3 h after it opens, and the review is stored and its lesson recorded on virtual time', async () => {
    const r = await run();
    expect(r.simulation.issues).toBeUndefined();
    expect(r.simulation.state?.status).toBe('completed');
    const nodes = r.simulation.state!.nodes;
    expect(nodes.task).toMatchObject({ handle: 'done', endedAt: r.startAt + 3 * HOUR });
    // The settle wait is virtual: the review is computed 48 h after the campaign's last phase ends, the lesson 3 h later.
    expect(nodes.review).toMatchObject({ handle: 'next', endedAt: CAMPAIGN_END + 51 * HOUR });
    const out = nodes.review!.output as { campaignEndsAt: string; version: number; headline: { revenue: number } };
    expect(out.campaignEndsAt).toBe('2026-06-19T00:00:00.000Z');
    // Computed from the series, as the server computes from the stored metrics: the 618 file's revenue is in it.
    expect(out.headline.revenue).toBeGreaterThan(1_000_000);
  });

  it('done after N hours counts from when the task opens; no answer times the task and the lessons out', async () => {
    const late = await run({ tasks: { task: { kind: 'done', afterHours: 20 } } });
    expect(late.simulation.state!.nodes.task).toMatchObject({ handle: 'done', endedAt: late.startAt + 20 * HOUR });
    const silent = await run({ tasks: { task: { kind: 'none' }, review: { kind: 'none' } } });
    expect(silent.simulation.state?.status).toBe('completed');
    expect(silent.simulation.state!.nodes.task).toMatchObject({ handle: 'timed_out', endedAt: silent.startAt + 24 * HOUR });
    expect(silent.simulation.state!.nodes.review).toMatchObject({ handle: 'timed_out', endedAt: CAMPAIGN_END + (48 + 7 * 24) * HOUR });
    // An answer after the due time is no answer: the task has closed.
    const tooLate = await run({ tasks: { task: { kind: 'done', afterHours: 30 } } }, []);
    expect(tooLate.simulation.state!.nodes.task?.handle).toBe('timed_out');
  });

  it('task answer hours of any value never break the run', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.double(), fc.integer()), async (h) => {
        const r = await simulateWhatIf(workFlow, { campaign, points: [], responses: { tasks: { task: { kind: 'done', afterHours: h } } } });
        expect(r.simulation.ok).toBe(true);
        expect(r.simulation.state?.status).toBe('completed');
        expect(['done', 'timed_out']).toContain(r.simulation.state?.nodes.task?.handle);
      }),
      { numRuns: 40 },
    );
  });
});

describe('comparing two simulations on the same series', () => {
  const series = scenarioPoints(csv);
  const simulate = async (graph: typeof crisisFlow, points = series) => {
    const r = await simulateWhatIf(graph, { campaign, points });
    const timeline = buildTimeline(r, types);
    return { summary: summarise(r, timeline), timeline };
  };
  /** The crisis flow with its rule's threshold raised: +2000 % instead of +50 %, which the 618 spike (×12) never reaches. */
  const raised = {
    ...crisisFlow,
    nodes: crisisFlow.nodes.map((n) =>
      n.id === 'monitor' ? { ...n, config: { ...n.config, rules: [{ ...n.config.rules![0]!, by: 20 }] } } : n,
    ),
  } as typeof crisisFlow;

  it('the same flow twice: nothing differs', async () => {
    const a = await simulate(crisisFlow);
    const c = compareSummaries(a, await simulate(crisisFlow));
    expect(c).toEqual({
      status: null,
      alerts: { added: [], removed: [] },
      escalations: [],
      messages: [],
      figures: [],
      launch: null,
      same: true,
    });
  });

  it('a raised threshold: the spike alert is gone, and with it every escalation and message of the ladder', async () => {
    const before = await simulate(crisisFlow);
    const c = compareSummaries(before, await simulate(raised));
    expect(c.same).toBe(false);
    expect(c.alerts.added).toEqual([]);
    expect(c.alerts.removed).toHaveLength(1);
    expect(c.alerts.removed[0]).toMatchObject({ ruleId: 'negative_spike', channel: null });
    expect(hourOf(c.alerts.removed[0]!.firedAt)).toBeGreaterThanOrEqual(494);
    // Told when it opened and at 3 repeats: 4 first notifications (level 1) and 4 escalations to level 2, 8 messages.
    expect(c.escalations).toEqual([
      { key: 'escalate level 1', nodeId: 'escalate', level: 1, before: 4, after: 0 },
      { key: 'escalate level 2', nodeId: 'escalate', level: 2, before: 4, after: 0 },
    ]);
    expect(c.messages).toEqual([{ key: 'escalate', nodeId: 'escalate', before: 8, after: 0 }]);
    expect(c.figures).toEqual([{ key: 'repeats', before: 3, after: 0 }]);
    // Compared the other way round, what was removed is added.
    const back = compareSummaries(await simulate(raised), before);
    expect(back.alerts.added).toEqual(c.alerts.removed);
    expect(back.escalations.map((e) => [e.key, e.before, e.after])).toEqual(c.escalations.map((e) => [e.key, e.after, e.before]));
  });

  it('the same flow on a series with an injected spike: the new alert is added, the base one stays', async () => {
    const spiked = injectAnomaly(
      series,
      checkAnomaly({ channel: '*', metric: 'negative_mentions', factor: '15', from: '2026-06-05T02:00:00Z', to: '2026-06-05T08:00:00Z' }),
    );
    const c = compareSummaries(await simulate(crisisFlow), await simulate(crisisFlow, spiked));
    expect(c.alerts.removed).toEqual([]);
    expect(c.alerts.added.map((a) => a.ruleId)).toEqual(['negative_spike']);
    expect(Date.parse(c.alerts.added[0]!.firedAt)).toBeGreaterThanOrEqual(Date.parse('2026-06-05T02:00:00Z'));
  });

  it('property: any two timelines compare symmetrically, and a timeline with itself is the same', () => {
    const entry: fc.Arbitrary<TimelineEntry> = fc.oneof(
      fc.record({
        at: fc.integer({ min: 0, max: 100 }),
        kind: fc.constant('alert' as const),
        nodeId: fc.constantFrom('monitor', 'm2'),
        label: fc.constantFrom('r1', 'r2'),
        output: fc.record({
          alert: fc.record({
            ruleId: fc.constantFrom('r1', 'r2'),
            channel: fc.constantFrom(null, 'weibo'),
            firedAt: fc.constantFrom('t1', 't2'),
          }),
        }),
      }),
      fc.record({
        at: fc.integer({ min: 0, max: 100 }),
        kind: fc.constant('send' as const),
        nodeId: fc.constantFrom('escalate', 'tell'),
        label: fc.constantFrom('1', '2', 'x'),
      }),
      fc.integer({ min: 1, max: 3 }).chain((level) =>
        fc.record({
          at: fc.integer({ min: 0, max: 100 }),
          kind: fc.constant('escalation' as const),
          nodeId: fc.constantFrom('escalate', 'e2'),
          label: fc.constant(`${level}`),
          output: fc.record({ level: fc.constant(level), round: fc.constant(1), first: fc.constant(level === 1) }),
        }),
      ),
    );
    const run = fc.array(entry, { maxLength: 30 }).map((timeline) => {
      const r = { simulation: { ok: true, calls: [], taskResults: [], virtualMs: 0 }, steps: [], events: [], startAt: 0 };
      return { summary: summarise(r, timeline), timeline };
    });
    fc.assert(
      fc.property(run, run, (a, b) => {
        expect(compareSummaries(a, a).same).toBe(true);
        const ab = compareSummaries(a, b);
        const ba = compareSummaries(b, a);
        expect(ab.alerts.added).toEqual(ba.alerts.removed);
        expect(ab.messages.map((m) => [m.key, m.after, m.before])).toEqual(ba.messages.map((m) => [m.key, m.before, m.after]));
        expect(ab.same).toBe(ba.same);
      }),
      { numRuns: 300 },
    );
  });
});

describe('what-if and the interpreter', () => {
  it('listening to the steps changes nothing the run does', async () => {
    const options = {
      campaign: { id: 'c1' },
      activities: { resolveApprovers: () => [{ id: 'u1', name: 'Ann', email: 'ann@example.invalid' }] },
      taskInputs: [{ atMs: 2 * HOUR, nodeId: 'ok', input: { userId: 'u1', decision: 'approve' } }],
    };
    const steps: unknown[] = [];
    const listened = await simulateFlow(launchFlow, { ...options, onStep: (s) => steps.push(s) });
    const plain = await simulateFlow(launchFlow, options);
    expect(listened.state?.status).toBe('completed');
    expect(listened.state).toEqual(plain.state);
    expect(listened.calls).toEqual(plain.calls);
    // One start and one end per node execution.
    expect(steps).toHaveLength(2 * Object.values(plain.state!.nodes).reduce((n, s) => n + s.executions, 0));
  });

  it('scripted answer hours of any value never break the run', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.double(), fc.integer()),
        fc.constantFrom('approve', 'reject') as fc.Arbitrary<'approve' | 'reject'>,
        async (h, kind) => {
          const r = await simulateWhatIf(launchFlow, { campaign, points: [], responses: { approvals: { ok: { kind, afterHours: h } } } });
          expect(r.simulation.ok).toBe(true);
          expect(r.simulation.state?.nodes.ok?.status).toBe('completed');
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('what-if inputs', () => {
  it('reads the scenario CSV with ingest’s rules, naming the line and field of a bad point', () => {
    expect(scenarioPoints(csv)).toHaveLength(s618.points.length);
    expect(() => scenarioPoints('ts,channel,metric,value\n2026-05-20T00:00:00Z,weibo,clicks,NaN\n')).toThrow(/line 2 value/);
    expect(() => scenarioPoints('a,b\n')).toThrow(WhatIfInputError);
    expect(() => scenarioPoints('ts,channel,metric,value\n')).toThrow(/no points/);
  });

  it('CSV input never throws anything but WhatIfInputError', () => {
    const cell = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('2026-05-20T00:00:00Z', 'weibo', 'clicks', '1e308', '-0', ''));
    const line = fc.array(cell, { minLength: 0, maxLength: 6 }).map((c) => c.join(','));
    const file = fc.tuple(
      fc.constantFrom('ts,channel,metric,value', '\uFEFFts,channel,metric,value', 'x'),
      fc.array(line, { maxLength: 20 }),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          file.map(([h, ls]) => [h, ...ls].join(fc.sample(fc.constantFrom('\n', '\r\n'), 1)[0])),
          fc.anything(),
        ),
        (text) => {
          try {
            const points = scenarioPoints(text);
            for (const p of points) expect(Number.isFinite(p.value)).toBe(true);
          } catch (e) {
            expect(e).toBeInstanceOf(WhatIfInputError);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('anomaly form values never throw anything but WhatIfInputError, and a good anomaly keeps values in range', () => {
    const any = fc.oneof(
      fc.anything(),
      fc.string({ maxLength: 40 }),
      fc.double(),
      fc.constantFrom('weibo', 'clicks', '2026-06-01T00:00:00Z'),
    );
    fc.assert(
      fc.property(fc.record({ channel: any, metric: any, factor: any, from: any, to: any }), (form) => {
        try {
          const a = checkAnomaly(form);
          const out = injectAnomaly([{ ts: new Date(a.from).toISOString(), channel: a.channel, metric: a.metric, value: 1e15 }], a);
          expect(Math.abs(out[0]!.value)).toBeLessThanOrEqual(1e15);
        } catch (e) {
          expect(e).toBeInstanceOf(WhatIfInputError);
        }
      }),
      { numRuns: 500 },
    );
    expect(() => checkAnomaly({ channel: 'weibo', metric: 'ctr', factor: 2, from: '2026-06-01T00:00Z', to: '2026-06-02T00:00Z' })).toThrow(
      /metric: ctr is a derived KPI/,
    );
    expect(() =>
      checkAnomaly({ channel: 'weibo', metric: 'clicks', factor: 2, from: '2026-06-02T00:00Z', to: '2026-06-01T00:00Z' }),
    ).toThrow(/to: Must be after/);
  });
});
