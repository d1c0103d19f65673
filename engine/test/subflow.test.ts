import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from './support/stack.ts';
import { startReceiver } from './support/receiver.ts';
import { edge, fastRetry, flow, node } from './support/flows.ts';

/** A sub-flow node on real Temporal and PostgreSQL: one child run per execution, linked both ways. */
describe('flow.subflow', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack('subflow');
  });
  afterAll(async () => stack?.close());

  const subflowNode = (id: string, flowId: string, version: number, extra: Record<string, unknown> = {}) =>
    node(id, 'flow.subflow', { flowId, version, input: '{"alert": input.alert}', ...extra });

  const endsOnly = () => flow([node('start', 'trigger.manual'), node('done', 'control.end')], [edge('start', 'next', 'done')]);

  it('starts the pinned version of a published child flow once, and both runs link to each other', async () => {
    const receiver = await startReceiver();
    try {
      const child = await stack.api.publishFlow(
        'child: post the alert',
        flow(
          [
            node('start', 'trigger.manual'),
            node('post', 'channel.webhook', { url: `${receiver.url}/alert`, body: { alert: '{{ input.alert.id }}' }, retry: fastRetry() }),
            node('done', 'control.end'),
          ],
          [edge('start', 'next', 'post'), edge('post', 'sent', 'done')],
        ),
      );
      const parent = await stack.api.publishFlow(
        'parent: start the child',
        flow(
          [
            node('start', 'trigger.manual'),
            subflowNode('sub', child.flowId, child.version),
            node('ok', 'control.end'),
            node('bad', 'control.end', { status: 'failed' }),
          ],
          [edge('start', 'next', 'sub'), edge('sub', 'completed', 'ok'), edge('sub', 'failed', 'bad')],
        ),
      );
      const parentRunId = await stack.api.startRun(parent.flowId, { alert: { id: 'alert-42', severity: 'critical' } });
      const parentRun = await stack.api.waitForRun(parentRunId);
      expect(parentRun.status, JSON.stringify(parentRun.state)).toBe('completed');
      const sub = parentRun.state.nodes.sub;
      expect(sub).toMatchObject({
        status: 'completed',
        handle: 'completed',
        output: { status: 'completed', flowName: 'child: post the alert' },
      });
      const childRunId = sub.output.childRunId as string;

      const childRun = await stack.api.waitForRun(childRunId);
      expect(childRun).toMatchObject({
        status: 'completed',
        flowId: child.flowId,
        version: child.version,
        input: { alert: { id: 'alert-42' } },
      });
      expect(childRun.parent).toMatchObject({ runId: parentRunId, nodeId: 'sub', flowId: parent.flowId, status: 'completed' });
      expect(childRun.children).toEqual([]);

      const reread = (await stack.api.get(`/api/runs/${parentRunId}`)).body;
      expect(reread.parent).toBeNull();
      expect(reread.children).toEqual([
        expect.objectContaining({ runId: childRunId, nodeId: 'sub', flowId: child.flowId, version: child.version, status: 'completed' }),
      ]);

      // Exactly one child: one run of the child flow, one call at the receiver.
      const childRuns = (await stack.api.get(`/api/runs?flowId=${child.flowId}`)).body.items;
      expect(childRuns.map((r: { id: string }) => r.id)).toEqual([childRunId]);
      expect(receiver.calls).toHaveLength(1);
      expect(receiver.calls[0]!.body).toEqual({ alert: 'alert-42' });
    } finally {
      await receiver.close();
    }
  });

  it('publishing refuses a sub-flow that does not exist, is hidden or is not published at that version, naming the field', async () => {
    const published = await stack.api.publishFlow('target', endsOnly());
    const attempt = async (api: TestStack['api'], flowId: string, version: number) => {
      const graph = flow(
        [node('start', 'trigger.manual'), subflowNode('sub', flowId, version, { wait: false }), node('done', 'control.end')],
        [edge('start', 'next', 'sub'), edge('sub', 'started', 'done')],
      );
      const created = await api.post('/api/flows', { name: 'refers', graph });
      expect(created.status).toBe(201);
      return api.post(`/api/flows/${created.body.id}/versions`, {});
    };
    const missing = await attempt(stack.api, '5b0e5f8e-8d7e-4e0a-9a51-0a8d3f9d2c11', 1);
    expect(missing.status).toBe(422);
    expect(missing.contentType).toContain('application/problem+json');
    expect(missing.body.errors).toEqual([expect.objectContaining({ path: 'graph.nodes.1.config.flowId' })]);

    const unpublished = await attempt(stack.api, published.flowId, published.version + 1);
    expect(unpublished.status).toBe(422);
    expect(unpublished.body.errors).toEqual([expect.objectContaining({ path: 'graph.nodes.1.config.version' })]);

    // A designer of another department cannot see a flow of this one: the same answer as no such flow.
    const hidden = await stack.api.post('/api/flows', {
      name: 'legal only',
      graph: endsOnly(),
      departmentId: await stack.departmentId('Legal'),
    });
    expect((await stack.api.post(`/api/flows/${hidden.body.id}/versions`, {})).status).toBe(201);
    const outsider = await stack.user('Outsider', [{ role: 'designer', department: 'Brand' }], { department: 'Brand' });
    const notVisible = await attempt(outsider.api, hidden.body.id, 1);
    expect(notVisible.status).toBe(422);
    expect(notVisible.body.errors).toEqual([expect.objectContaining({ path: 'graph.nodes.1.config.flowId' })]);
  });

  it('sub-flows nest at most three deep: the fourth level is refused and the chain fails with the reason', async () => {
    // Pinned versions cannot form a loop (a version may only name one published before it), so the limit bounds chains.
    let target = await stack.api.publishFlow('level 4', endsOnly());
    for (const level of [3, 2, 1, 0]) {
      target = await stack.api.publishFlow(
        `level ${level}`,
        flow(
          [node('start', 'trigger.manual'), subflowNode('sub', target.flowId, target.version), node('done', 'control.end')],
          [edge('start', 'next', 'sub'), edge('sub', 'completed', 'done')],
        ),
      );
    }
    const rootId = await stack.api.startRun(target.flowId, { alert: { id: 'deep' } });
    const root = await stack.api.waitForRun(rootId);
    expect(root.status).toBe('failed');
    // Walk down the links to the deepest run: level 3, whose start of level 4 was refused.
    let run = root;
    const chain = [root.id];
    while (run.children.length) {
      expect(run.children).toHaveLength(1);
      run = await stack.api.waitForRun(run.children[0].runId);
      chain.push(run.id);
    }
    expect(chain).toHaveLength(4);
    expect(run.status).toBe('failed');
    expect(run.state.nodes.sub.status).toBe('failed');
    expect(run.reason).toMatch(/nest at most 3 deep/);
  });

  it('hostile sub-flow configs are refused as problem+json naming a field, never a 5xx', async () => {
    const real = await stack.api.publishFlow('real target', endsOnly());
    const value = fc.oneof(
      fc.constantFrom<unknown>(null, '', 'nope', -1, 0, 2 ** 31, 1e308, '__proto__', [], {}, true, real.flowId, real.version),
      fc.string({ maxLength: 40 }),
      fc.integer(),
      fc.uuid(),
    );
    const config = fc.record(
      {
        flowId: fc.oneof(value, fc.constant(real.flowId)),
        version: fc.oneof(value, fc.integer({ min: 1, max: 3 })),
        input: fc.oneof(value, fc.constantFrom('input', '1 +', 'x'.repeat(4_100))),
        wait: value,
      },
      { requiredKeys: [] },
    );
    let accepted = 0;
    let refusedReferences = 0;
    await fc.assert(
      fc.asyncProperty(config, async (cfg) => {
        const graph = flow(
          [node('start', 'trigger.manual'), node('sub', 'flow.subflow', cfg), node('done', 'control.end')],
          [edge('start', 'next', 'sub'), edge('sub', cfg.wait === false ? 'started' : 'completed', 'done')],
        );
        const created = await stack.api.post('/api/flows', { name: 'hostile', graph });
        expect(created.status).toBeLessThan(500);
        if (created.status !== 201) {
          expect(created.contentType).toContain('application/problem+json');
          return;
        }
        const published = await stack.api.post(`/api/flows/${created.body.id}/versions`, {});
        expect(published.status).toBeLessThan(500);
        if (published.status === 201) {
          accepted += 1;
          // Only a real flow at a published version passes.
          expect([cfg.flowId, cfg.version]).toEqual([real.flowId, real.version]);
          return;
        }
        expect(published.status).toBe(422);
        if (published.body.errors.some((e: { path: string }) => /config\.(flowId|version)$/.test(e.path))) refusedReferences += 1;
        expect(published.contentType).toContain('application/problem+json');
        expect(published.body.errors.length).toBeGreaterThan(0);
        for (const e of published.body.errors as { path: string }[]) expect(e.path).toMatch(/^graph\./);
      }),
      { numRuns: 40 },
    );
    // What fast-check generated reached the reference check too, not only the schema.
    expect(accepted + refusedReferences).toBeGreaterThan(0);
  });
});
