import { describe, expect, it } from 'vitest';
import { simulateFlow, type SimulatedActivities, type SimulationResult } from '../src/simulator.ts';
import type { MonitorCheck } from '../src/nodes/monitor.ts';
import { approvalNode, delay, edge, end, flow, trigger, user } from './helpers.ts';

const HOUR = 3_600_000;
const campaign = { id: 'c1', name: 'Spring sale', department: 'Marketing' };

/** A watch that loops: each alert goes through a one-hour cool-down back to the monitor, until the campaign ends. */
const watchFlow = flow(
  [
    trigger(),
    {
      id: 'm',
      type: 'monitoring.monitor',
      config: { rules: [{ id: 'spike', kind: 'threshold', metric: 'negative_mentions', op: 'above', value: 10, severity: 'critical' }] },
    },
    delay('cool', '1h'),
    end('done'),
  ],
  [edge('t', 'm'), edge('m', 'cool', 'spike'), edge('cool', 'm'), edge('m', 'done', 'ended')],
);

/**
 * The monitor service as the flow sees it: alerts fire at set times and resolve half an hour later; the node's
 * grouping tells each once (after its group wait). The campaign ends at 30 h.
 */
function monitorService(): SimulatedActivities {
  const base = Date.UTC(2026, 5, 1);
  const fires = [3 * HOUR, 10 * HOUR, 11 * HOUR];
  const check = (now: number): MonitorCheck => {
    const open = fires
      .filter((at) => at <= now - base && now - base < at + HOUR / 2)
      .map((at) => ({
        alertId: `a${at}`,
        ruleId: 'spike',
        ruleLabel: 'Negative mentions above 10',
        ruleText: null,
        channel: null,
        severity: 'critical' as const,
        state: 'firing' as const,
        firedAt: new Date(base + at).toISOString(),
        value: 14,
        threshold: 10,
        unit: '',
        since: base + at,
        silenced: false,
      }));
    return {
      monitorId: 'mon-1',
      statuses: [],
      watermark: null,
      open,
      nextWakeMs: null,
      ended: now - base >= 30 * HOUR,
    };
  };
  return {
    attachMonitor: (_args, _attempt, now) => check(now),
    checkMonitor: (_args, _attempt, now) => check(now),
    detachMonitor: () => undefined,
  };
}

const notices = [3, 10, 11, 30].map((h) => ({ atMs: h * HOUR, key: 'monitor:mon-1' }));
const simulate = (handOverWhenParked: boolean) =>
  simulateFlow(watchFlow, { campaign, activities: monitorService(), notices, handOverWhenParked });
/** As the state travels between runs: JSON, so keys holding undefined are gone on both sides. */
const json = (v: unknown) => JSON.parse(JSON.stringify(v));
const sideEffects = (r: SimulationResult) => r.calls.filter((c) => c.name !== 'checkMonitor').map((c) => [c.name, c.at]);

describe('continue-as-new: a run handed over from a snapshot ends as the uninterrupted one', () => {
  it('keeps every node state, execution count and output across hand-overs at each wait', async () => {
    const straight = await simulate(false);
    const handed = await simulate(true);
    expect(straight.ok && handed.ok).toBe(true);
    expect(handed.handovers).toBeGreaterThanOrEqual(4);
    expect(json(handed.state)).toEqual(json(straight.state));
    expect(handed.state!.nodes.m).toMatchObject({ status: 'completed', handle: 'ended', executions: 4 });
    expect(handed.state!.nodes.cool).toMatchObject({ executions: 3 });
    // Attached once per execution and detached once, whatever the hand-overs: a resumed monitor only looks again.
    expect(sideEffects(handed)).toEqual(sideEffects(straight));
    expect(sideEffects(handed).filter(([n]) => n === 'attachMonitor')).toHaveLength(4);
    expect(handed.calls.filter((c) => c.name === 'checkMonitor').length).toBeGreaterThan(
      straight.calls.filter((c) => c.name === 'checkMonitor').length,
    );
    expect(handed.virtualMs).toBe(straight.virtualMs);
  });

  it('a delay resumed mid-way sleeps only what is left', async () => {
    const doc = flow([trigger(), delay('wait', '3d'), end('done')], [edge('t', 'wait'), edge('wait', 'done')]);
    const straight = await simulateFlow(doc, {});
    const handed = await simulateFlow(doc, { handOverWhenParked: true });
    expect(handed.handovers).toBe(1);
    expect(json(handed.state)).toEqual(json(straight.state));
    expect(handed.state!.nodes.wait!.output).toEqual({ waitedMs: 3 * 24 * HOUR });
  });

  it('an open approval defers the hand-over until it is decided', async () => {
    const doc = flow(
      [trigger(), approvalNode('ok', { approvers: [user('u1')], onTimeout: 'auto_reject' }), delay('after', '1h'), end('done')],
      [edge('t', 'ok'), edge('ok', 'after', 'approved'), edge('ok', 'done', 'rejected'), edge('after', 'done')],
    );
    const handed = await simulateFlow(doc, {
      handOverWhenParked: true,
      activities: { resolveApprovers: () => [{ id: 'u1', name: 'Una', email: 'u1@example.test' }] },
      taskInputs: [{ atMs: 2 * HOUR, nodeId: 'ok', input: { userId: 'u1', decision: 'approve' } }],
    });
    expect(handed.state!.status).toBe('completed');
    expect(handed.state!.nodes.ok).toMatchObject({ handle: 'approved' });
    // Reminder timers wait while the task is open: only the delay after it hands over.
    expect(handed.handovers).toBe(1);
  });
});
