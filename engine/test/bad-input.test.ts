import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { inject } from 'vitest';
import { Connection, Client } from '@temporalio/client';
import { startStack, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';

/** Hostile and malformed input gets a 4xx problem naming the field, never a 5xx, and never reaches a worker. */
describe('bad input', () => {
  let stack: TestStack;
  let temporal: Client;
  beforeAll(async () => {
    stack = await startStack('bad-input');
    temporal = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
  });
  afterAll(async () => {
    await temporal?.connection.close();
    await stack?.close();
  });

  const good = () =>
    flow(
      [node('start', 'trigger.manual'), node('call', 'channel.webhook', { url: 'http://127.0.0.1:9/x' }), node('done', 'control.end')],
      [edge('start', 'next', 'call'), edge('call', 'sent', 'done')],
    );

  function expectProblem(res: { status: number; contentType: string; body: any }, status: number) {
    expect(res.status).toBe(status);
    expect(res.contentType).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status, title: expect.any(String) });
  }

  /** Saves (if the draft is acceptable) and publishes; returns the publish response, or the save response if that refused. */
  async function createAndPublish(graph: unknown) {
    const created = await stack.api.post('/api/flows', { name: 'bad', graph });
    if (created.status !== 201) return created;
    return stack.api.post(`/api/flows/${created.body.id}/versions`, {});
  }

  it('unknown node type', async () => {
    const g = good();
    g.nodes[1]!.type = 'channel.carrier-pigeon';
    const res = await createAndPublish(g);
    expectProblem(res, 422);
    expect(res.body.errors).toContainEqual(expect.objectContaining({ path: 'graph.nodes.1.type', nodeId: 'call', code: 'unknown_type' }));
  });

  it('a bad CEL expression, in a condition and in a template', async () => {
    const g = flow(
      [
        node('start', 'trigger.manual'),
        node('check', 'control.condition', { expression: 'input.budget >' }),
        node('call', 'channel.webhook', { url: 'http://127.0.0.1:9/x', body: { a: '{{ nosuchfn(1) }}' } }),
        node('done', 'control.end'),
      ],
      [edge('start', 'next', 'check'), edge('check', 'true', 'call'), edge('check', 'false', 'done'), edge('call', 'sent', 'done')],
    );
    const res = await createAndPublish(g);
    expectProblem(res, 422);
    const paths = res.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toContain('graph.nodes.1.config.expression');
    expect(paths).toContain('graph.nodes.2.config.body.a');
  });

  it('a cycle without a delay', async () => {
    const g = flow(
      [
        node('start', 'trigger.manual'),
        node('a', 'control.condition', { expression: 'true' }),
        node('b', 'control.condition', { expression: 'true' }),
        node('done', 'control.end'),
      ],
      [edge('start', 'next', 'a'), edge('a', 'true', 'b'), edge('b', 'true', 'a'), edge('a', 'false', 'done'), edge('b', 'false', 'done')],
    );
    const res = await createAndPublish(g);
    expectProblem(res, 422);
    expect(res.body.errors).toContainEqual(expect.objectContaining({ code: 'cycle', message: expect.stringContaining('delay') }));
  });

  it('prototype-pollution keys anywhere in the document', async () => {
    const raw =
      `{"name":"evil","graph":{"nodes":[{"id":"start","type":"trigger.manual",` + `"config":{"__proto__":{"polluted":true}}}],"edges":[]}}`;
    const res = await stack.api.call('POST', '/api/flows', undefined, raw);
    expectProblem(res, 400);
    expect(res.body.errors[0].path).toBe('graph.nodes.0.config.__proto__');
    const raw2 = `{"name":"evil","graph":{"nodes":[],"edges":[],"constructor":{"prototype":{"x":1}}}}`;
    expectProblem(await stack.api.call('POST', '/api/flows', undefined, raw2), 400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const runInput = await stack.api.call(
      'POST',
      `/api/flows/${(await stack.api.publishFlow('ok', good())).flowId}/runs`,
      undefined,
      '{"input":{"__proto__":{"admin":true}}}',
    );
    expectProblem(runInput, 400);
    expect(runInput.body.errors[0].path).toBe('input.__proto__');
  });

  it('a huge document', async () => {
    const nodes = [
      node('start', 'trigger.manual'),
      ...Array.from({ length: 600 }, (_, i) => node(`d${i}`, 'control.delay', { duration: '1s' })),
    ];
    const res = await stack.api.post('/api/flows', { name: 'huge', graph: flow(nodes, []) });
    expectProblem(res, 422);
    expect(res.body.errors[0].path).toBe('graph.nodes');
    const big = await stack.api.call('POST', '/api/flows', undefined, JSON.stringify({ name: 'x'.repeat(2_000_000) }));
    expectProblem(big, 413);
  });

  it('malformed JSON, wrong shapes, bad ids and unknown routes', async () => {
    expectProblem(await stack.api.call('POST', '/api/flows', undefined, '{"name": '), 400);
    const noName = await stack.api.post('/api/flows', { graph: good() });
    expectProblem(noName, 400);
    expect(noName.body.errors[0].path).toBe('name');
    const extra = await stack.api.post('/api/flows', { name: 'x', owner: 'me' });
    expectProblem(extra, 400);
    const badId = await stack.api.get('/api/flows/not-a-uuid');
    expectProblem(badId, 400);
    expect(badId.body.errors[0].path).toBe('params.id');
    expectProblem(await stack.api.get('/api/flows/00000000-0000-4000-8000-000000000000'), 404);
    expectProblem(await stack.api.get('/api/runs?limit=100000'), 400);
    expectProblem(await stack.api.get('/api/nope'), 404);
    expectProblem(await stack.api.post('/api/flows/00000000-0000-4000-8000-000000000000/runs', {}), 404);
  });

  it('an unpublished flow cannot run', async () => {
    const created = await stack.api.post('/api/flows', { name: 'draft', graph: good() });
    const res = await stack.api.post(`/api/flows/${created.body.id}/runs`, { input: {} });
    expectProblem(res, 409);
  });

  it('a draft with problems saves, lists its issues, and cannot be published', async () => {
    const g = good();
    g.edges = [];
    const created = await stack.api.post('/api/flows', { name: 'draft', graph: g });
    expect(created.status).toBe(201);
    expect(created.body.issues.map((i: { code: string }) => i.code)).toContain('unreachable');
    expectProblem(await stack.api.post(`/api/flows/${created.body.id}/versions`, {}), 422);
  });

  it('property: random documents never produce a 5xx, and rejected ones never start a workflow', async () => {
    const nodeTypes = ['trigger.manual', 'channel.webhook', 'control.delay', 'control.condition', 'control.end', 'x.unknown'];
    const ids = fc.constantFrom('start', 'a', 'b', 'c', '1bad', '');
    const docArb = fc.oneof(
      fc.anything({ maxDepth: 3 }),
      fc.record({
        schemaVersion: fc.constantFrom(1, 2, undefined),
        nodes: fc.array(
          fc.record({
            id: ids,
            type: fc.constantFrom(...nodeTypes),
            config: fc.oneof(
              fc.constant({}),
              fc.record({ duration: fc.constantFrom('1s', 'soon', '') }),
              fc.record({ expression: fc.constantFrom('true', 'input.x >', '1 + ') }),
              fc.record({ url: fc.constantFrom('http://127.0.0.1:9/', 'ftp://x', '{{ input.url }}'), body: fc.jsonValue({ maxDepth: 2 }) }),
            ),
            position: fc.record({ x: fc.double(), y: fc.integer() }),
          }),
          { maxLength: 6 },
        ),
        edges: fc.array(
          fc.record({
            id: fc.string({ maxLength: 4 }),
            source: ids,
            sourceHandle: fc.constantFrom('next', 'true', 'false', 'sent', 'failed', 'nope'),
            target: ids,
          }),
          { maxLength: 6 },
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(docArb, async (graph) => {
        const created = await stack.api.post('/api/flows', { name: 'prop', graph });
        expect(created.status).toBeLessThan(500);
        if (created.status !== 201) {
          expect(created.contentType).toContain('application/problem+json');
          expect(created.body.errors.length).toBeGreaterThan(0);
          return;
        }
        const published = await stack.api.post(`/api/flows/${created.body.id}/versions`, {});
        expect(published.status).toBeLessThan(500);
        if (published.status !== 201) {
          expect(published.body.errors.every((e: { path: string }) => typeof e.path === 'string')).toBe(true);
          const run = await stack.api.post(`/api/flows/${created.body.id}/runs`, {});
          expect(run.status).toBe(409);
        }
      }),
      { numRuns: 60 },
    );
    // Every workflow on this task queue came from a published, valid version: none failed validation in the worker.
    let invalidSeen = 0;
    for await (const wf of temporal.workflow.list({ query: `TaskQueue = "${stack.taskQueue}"` })) {
      if (wf.status.name === 'FAILED') {
        const desc = await temporal.workflow
          .getHandle(wf.workflowId)
          .result()
          .catch((e: Error) => e);
        if (String(((desc as Error).cause as Error | undefined)?.message ?? '').includes('invalid')) invalidSeen++;
      }
    }
    expect(invalidSeen).toBe(0);
  });
});
