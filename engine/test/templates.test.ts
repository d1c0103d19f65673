import { describe, expect, it } from 'vitest';
import {
  NODE_TYPES,
  simulateFlow,
  validateFlow,
  type FlowAlert,
  type MonitorCheck,
  type RuleInput,
  type SimulationOptions,
} from '@flightdeck/workflows';
import { TEMPLATES } from '../src/templates/standard-launch-approval.ts';

/** Every shipped template is a valid flow in both languages, and the monitoring ones route every rule somewhere. */
describe('shipped templates', () => {
  it.each(TEMPLATES.map((t) => [t.id, t] as const))('%s validates and has its Chinese name and description', (_id, t) => {
    const checked = validateFlow(t.graph);
    expect(checked.ok, JSON.stringify('issues' in checked ? checked.issues : [])).toBe(true);
    expect(t.zh.name.length).toBeGreaterThan(0);
    expect(t.zh.description.length).toBeGreaterThan(0);
  });

  it.each(TEMPLATES.map((t) => [t.id, t] as const))('%s: in Chinese every label is Chinese, and the flow still validates', (_id, t) => {
    expect(t.graphFor, 'a template without its Chinese graph').toBeTypeOf('function');
    expect(t.graphFor!('en')).toEqual(t.graph);
    const zh = t.graphFor!('zh-CN');
    const checked = validateFlow(zh);
    expect(checked.ok, JSON.stringify('issues' in checked ? checked.issues : [])).toBe(true);
    for (const node of zh.nodes) expect(node.label, node.id).toMatch(/[\u4e00-\u9fff]/);
    // The same flow: ids, types, positions and edges are the English graph's.
    expect(zh.edges).toEqual(t.graph.edges);
    expect(zh.nodes.map((n) => [n.id, n.type, n.position])).toEqual(t.graph.nodes.map((n) => [n.id, n.type, n.position]));
  });

  it('the monitoring templates give every rule handle an edge and end when the campaign does', () => {
    const monitor = NODE_TYPES.find((d) => d.type === 'monitoring.monitor')!;
    for (const id of ['campaign-kpi-watch', 'crisis-response']) {
      const t = TEMPLATES.find((x) => x.id === id)!;
      const node = t.graph.nodes.find((n) => n.type === 'monitoring.monitor')!;
      const parsed = monitor.configSchema.parse(node.config);
      const handles = monitor.handles(parsed);
      const wired = new Set(t.graph.edges.filter((e) => e.source === node.id).map((e) => e.sourceHandle));
      expect([...wired].sort(), id).toEqual([...handles].sort());
    }
  });

  it('the KPI watch reviews the campaign when the watch ends, every review handle drawn', () => {
    const t = TEMPLATES.find((x) => x.id === 'campaign-kpi-watch')!;
    const review = t.graph.nodes.find((n) => n.type === 'campaign.review')!;
    expect(t.graph.edges.find((e) => e.sourceHandle === 'ended')?.target).toBe(review.id);
    const def = NODE_TYPES.find((d) => d.type === 'campaign.review')!;
    const wired = t.graph.edges.filter((e) => e.source === review.id).map((e) => e.sourceHandle);
    expect(wired.sort()).toEqual(def.handles(def.configSchema.parse(review.config)).sort());
  });

  it.each(['campaign-kpi-watch', 'launch-on-warm-up'])('%s: after the review the owner records lessons, both handles drawn', (id) => {
    const t = TEMPLATES.find((x) => x.id === id)!;
    const review = t.graph.nodes.find((n) => n.type === 'campaign.review')!;
    const def = NODE_TYPES.find((d) => d.type === 'campaign.review')!;
    expect(def.configSchema.parse(review.config)).toMatchObject({ lessons: { owner: true, due: '7d', remindEvery: '2d' } });
    const wired = t.graph.edges.filter((e) => e.source === review.id).map((e) => e.sourceHandle);
    expect(wired.sort()).toEqual(['next', 'timed_out']);
  });
});

/** The KPI watch on the simulator's virtual clock: one alert handed to the flow, then the campaign ends. */
describe('Campaign KPI watch, dry run', () => {
  const t = TEMPLATES.find((x) => x.id === 'campaign-kpi-watch')!;
  const DAY = 86_400_000;
  const owner = { id: '00000000-0000-4000-8000-0000000000a1', name: 'Evan Zhou', email: 'evan@example.com' };
  const campaign = {
    id: 'c1',
    name: '618 launch',
    timezone: 'Asia/Shanghai',
    department: 'E-commerce',
    owner,
    phases: [{ name: 'burst', startsAt: '2026-05-20T00:00:00Z', endsAt: '2026-06-01T00:00:00Z' }],
  };
  const rule = (id: string) =>
    (t.graph.nodes.find((n) => n.id === 'monitor')!.config as { rules: RuleInput[] }).rules.find((r) => r.id === id)!;
  const alertOf = (ruleId: string, channel: string | null): FlowAlert => ({
    alertId: 'a1',
    ruleId,
    ruleLabel: rule(ruleId).label!,
    ruleText: null,
    channel,
    severity: 'warning',
    state: 'firing',
    firedAt: '2026-06-01T15:00:00.000Z',
    value: 0.015,
    threshold: 0.021,
    unit: 'ratio',
  });
  /**
   * The monitor lists `alert` as open for its first ten minutes (long enough for the group's one-minute wait, so the
   * flow is told once) and reports the campaign over after that.
   */
  const watch = (alert: FlowAlert, taskInputs: NonNullable<SimulationOptions['taskInputs']> = []) => {
    let firstLook: number | undefined;
    const check = (_args: unknown, _attempt: number, now: number): MonitorCheck => {
      firstLook ??= now;
      const fresh = now < firstLook + 10 * 60_000;
      return {
        monitorId: 'm1',
        statuses: [],
        watermark: null,
        open: fresh ? [{ ...alert, since: firstLook, silenced: false }] : [],
        nextWakeMs: null,
        ended: !fresh,
      };
    };
    return simulateFlow(t.graph, {
      campaign,
      taskInputs,
      activities: {
        attachMonitor: check,
        checkMonitor: check,
        resolveApprovers: () => [{ id: 'head', name: 'Hana Head', email: 'hana@example.com' }],
        syncApprovalTask: () => undefined,
        notifyApprovers: ([req]) => ({ sent: req.to.length }),
      },
    });
  };

  it.each(['ctr_off_3_days', 'cvr_off_3_days'])('%s opens an optimisation review task for the owner, due in 2 days', async (id) => {
    const r = await watch(alertOf(id, 'xhs_kol'));
    expect(r.ok, JSON.stringify(r.issues)).toBe(true);
    // Kind task: the review at the end asks for lessons through the same table.
    const opened = r.calls.filter((c) => c.name === 'openWorkTasks' && (c.args[0] as { kind: string }).kind === 'task');
    expect(opened).toHaveLength(1);
    expect(opened[0]!.args[0]).toMatchObject({
      kind: 'task',
      title: 'Optimisation review: 618 launch on xhs_kol',
      assignees: [{ kind: 'user', user: owner.id }],
      remindEveryMs: DAY,
    });
    const req = opened[0]!.args[0] as { instructions: string; dueAt: string };
    expect(Date.parse(req.dueAt) - opened[0]!.at).toBe(2 * DAY);
    expect(req.instructions).toContain(`${rule(id).label} on xhs_kol since 2026-06-01T15:00:00.000Z`);
    // Nobody completes it in a dry run: it times out, the watch goes on, and ends with the campaign into the review.
    const nodes = r.state!.nodes;
    expect(nodes.optimisation_review).toMatchObject({ status: 'completed', handle: 'timed_out' });
    expect((nodes.optimisation_review!.output as { reminders: number }).reminders).toBeGreaterThanOrEqual(1);
    expect(nodes.reapprove_spend!.status).not.toBe('completed');
    expect(nodes.review!.status, JSON.stringify(nodes.review)).toBe('completed');
    expect(r.state!.status, JSON.stringify(r.state!.nodes)).toBe('completed');
  });

  it('CPA over its benchmark asks the department head to re-approve the spend, and opens no task', async () => {
    const approve = { userId: 'head', decision: 'approve' };
    // The approval opens once the alert's group has waited its minute; the head votes a few minutes later.
    const r = await watch({ ...alertOf('cpa_over_benchmark', null), value: 58, threshold: 54, unit: 'CNY' }, [
      { atMs: 5 * 60_000, nodeId: 'reapprove_spend', input: approve },
    ]);
    expect(r.ok, JSON.stringify(r.issues)).toBe(true);
    expect(r.taskResults, JSON.stringify(r.state?.nodes)).toEqual([expect.objectContaining({ nodeId: 'reapprove_spend', accepted: true })]);
    expect(r.calls.some((c) => c.name === 'openWorkTasks' && (c.args[0] as { kind: string }).kind === 'task')).toBe(false);
    const synced = JSON.stringify(r.calls.find((c) => c.name === 'syncApprovalTask')!.args);
    expect(synced).toContain('CPA 58 over its benchmark: re-approve spend for 618 launch');
    expect(r.state!.nodes.reapprove_spend).toMatchObject({ status: 'completed', handle: 'approved' });
    expect(r.state!.nodes.optimisation_review!.status).not.toBe('completed');
    expect(r.state!.status, JSON.stringify(r.state!.nodes)).toBe('completed');
  });

  it('the other warnings still only tell the owner', async () => {
    const r = await watch(alertOf('ctr_below_target', 'xhs_kol'));
    expect(r.state!.nodes.tell_owner).toMatchObject({ status: 'completed', handle: 'sent' });
    expect(r.state!.nodes.optimisation_review!.status).not.toBe('completed');
  });
});
