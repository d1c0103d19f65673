import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { scheduleIdOf } from '../src/services/schedules.ts';
import { waitFor } from './support/wait-for.ts';

/** Schedule triggers become Temporal Schedules on publish, and go away on unpublish. */
describe('schedule trigger', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack('schedules');
  });
  afterAll(async () => stack?.close());

  const scheduled = (cron: string, extra: Record<string, unknown> = {}) =>
    flow(
      [
        node('tick', 'trigger.schedule', {
          cron,
          timezone: 'Asia/Shanghai',
          overlap: 'skip',
          catchupWindow: '10m',
          sampleInput: { report: 'daily' },
          ...extra,
        }),
        node('done', 'control.end'),
      ],
      [edge('tick', 'next', 'done')],
    );

  it('publishing creates the schedule with its policies; firing it starts a recorded run of the pinned version', async () => {
    const { flowId } = await stack.api.publishFlow('weekday 9am', scheduled('0 9 * * 1-5'));
    const described = await stack.api.get(`/api/flows/${flowId}/schedule`);
    expect(described.status).toBe(200);
    const s = described.body.schedule;
    expect(s).toMatchObject({
      scheduleId: scheduleIdOf(flowId),
      timezone: 'Asia/Shanghai',
      version: 1,
      paused: false,
      catchupWindowMs: 600_000,
    });
    expect(s.overlap).toBe('skip');
    // 09:00 in Shanghai is 01:00 UTC, on weekdays.
    for (const t of s.nextRuns) {
      expect(new Date(t).getUTCHours()).toBe(1);
      expect([1, 2, 3, 4, 5]).toContain(new Date(t).getUTCDay());
    }

    await stack.server.temporal.client.schedule.getHandle(scheduleIdOf(flowId)).trigger();
    const runs: { id: string; status: string; input: unknown; version: number }[] = await waitFor('the scheduled run', async () => {
      const items = (await stack.api.get(`/api/runs?flowId=${flowId}`)).body.items;
      return items.length > 0 && items;
    });
    expect(runs).toHaveLength(1);
    const run = await stack.api.waitForRun(runs[0]!.id);
    expect(run).toMatchObject({ status: 'completed', version: 1, input: { report: 'daily' }, requestedBy: null });
    expect(run.workflowId.startsWith('sched-')).toBe(true);
    // The schedule lists what it started, and links it to the recorded run.
    const after = (await stack.api.get(`/api/flows/${flowId}/schedule`)).body.schedule;
    expect(after.cron).toBe('0 9 * * 1-5');
    expect(after.recentRuns).toEqual([expect.objectContaining({ workflowId: run.workflowId, runId: run.id })]);
  });

  it('republishing without a schedule trigger removes it; unpublish removes it too', async () => {
    const { flowId } = await stack.api.publishFlow('hourly', scheduled('@every 1h'));
    expect((await stack.api.get(`/api/flows/${flowId}/schedule`)).body.schedule).not.toBeNull();
    await stack.api.put(`/api/flows/${flowId}`, {
      graph: flow([node('start', 'trigger.manual'), node('done', 'control.end')], [edge('start', 'next', 'done')]),
    });
    await stack.api.post(`/api/flows/${flowId}/versions`, {});
    expect((await stack.api.get(`/api/flows/${flowId}/schedule`)).body.schedule).toBeNull();

    const again = await stack.api.publishFlow('nightly', scheduled('30 2 * * *'));
    expect((await stack.api.post(`/api/flows/${again.flowId}/unpublish`, {})).body).toEqual({ scheduleRemoved: true });
    expect((await stack.api.get(`/api/flows/${again.flowId}/schedule`)).body.schedule).toBeNull();
  });

  it('a bad cron or time zone is refused at publish, with the field named', async () => {
    const created = await stack.api.post('/api/flows', { name: 'bad', graph: scheduled('61 25 * *', { timezone: 'Mars/Olympus' }) });
    const published = await stack.api.post(`/api/flows/${created.body.id}/versions`, {});
    expect(published.status).toBe(422);
    const paths = published.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toContain('graph.nodes.0.config.cron');
    expect(paths).toContain('graph.nodes.0.config.timezone');
  });
});
