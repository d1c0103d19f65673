import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulateFlow } from '../src/simulator.ts';
import { validateFlow } from '../src/validator.ts';
import { childWorkflowId, MAX_SUBFLOW_INPUT_BYTES, PREPARE_SUBFLOW_ACTIVITY, subflowInputProblem } from '../src/nodes/subflow.ts';
import type { PrepareSubflowRequest } from '../src/nodes/subflow.ts';
import { edge, flow, trigger, end, type NodeInput } from './helpers.ts';

const CHILD_FLOW = '7c1e0d52-2a55-4c37-9d7e-6a0f3b2f4a11';
const subflowNode = (config: Record<string, unknown>): NodeInput => ({
  id: 'sub',
  type: 'flow.subflow',
  config: { flowId: CHILD_FLOW, version: 2, input: '{"alert": input.alert}', ...config },
});

const waitingFlow = (config: Record<string, unknown> = {}) =>
  flow(
    [trigger('t'), subflowNode(config), end('ok'), end('bad', { status: 'failed' })],
    [edge('t', 'sub'), edge('sub', 'ok', 'completed'), edge('sub', 'bad', 'failed')],
  );

describe('flow.subflow in the simulator', () => {
  it('answers with a scripted success: the child is prepared with the mapped input and completes', async () => {
    const result = await simulateFlow(waitingFlow(), { input: { alert: { id: 'a1', severity: 'critical' } } });
    expect(result.ok).toBe(true);
    const sub = result.state!.nodes.sub!;
    expect(sub.handle).toBe('completed');
    expect(result.state!.nodes.ok!.status).toBe('completed');
    const prepare = result.calls.filter((c) => c.name === PREPARE_SUBFLOW_ACTIVITY);
    expect(prepare).toHaveLength(1);
    const req = prepare[0]!.args[0] as PrepareSubflowRequest;
    expect(req).toMatchObject({
      flowId: CHILD_FLOW,
      version: 2,
      parentNodeId: 'sub',
      input: { alert: { id: 'a1', severity: 'critical' } },
    });
    expect(req.childWorkflowId).toBe(childWorkflowId('simulation/sub/1'));
    expect(sub.output).toMatchObject({ childRunId: `simulated:${req.childWorkflowId}`, status: 'completed' });
  });

  it('without wait takes the started handle', async () => {
    const doc = flow([trigger('t'), subflowNode({ wait: false }), end('ok')], [edge('t', 'sub'), edge('sub', 'ok', 'started')]);
    const result = await simulateFlow(doc, { input: { alert: {} } });
    expect(result.state!.nodes.sub!.handle).toBe('started');
  });

  it('a scripted failure of the child takes the failed path with its reason', async () => {
    const result = await simulateFlow(waitingFlow(), {
      input: { alert: {} },
      childFlows: () => ({ status: 'failed', reason: 'the child said no' }),
    });
    expect(result.state!.nodes.sub!.handle).toBe('failed');
    expect(result.state!.nodes.sub!.output).toMatchObject({ status: 'failed', reason: 'the child said no' });
    expect(result.state!.status).toBe('failed');
  });

  it('a refused start (no right to run it) takes the failed path', async () => {
    const result = await simulateFlow(waitingFlow(), {
      input: { alert: {} },
      activities: { [PREPARE_SUBFLOW_ACTIVITY]: () => Promise.reject({ message: 'may not start runs', nonRetryable: true }) },
    });
    expect(result.state!.nodes.sub!.handle).toBe('failed');
    expect(result.state!.nodes.sub!.output).toMatchObject({ error: 'may not start runs' });
  });

  it('an input too large for a child fails the node before anything starts', async () => {
    const big = 'x'.repeat(MAX_SUBFLOW_INPUT_BYTES + 1);
    const result = await simulateFlow(waitingFlow({ input: 'input.big' }), { input: { big } });
    expect(result.state!.nodes.sub!.status).toBe('failed');
    expect(result.calls.some((c) => c.name === PREPARE_SUBFLOW_ACTIVITY)).toBe(false);
  });

  it('subflowInputProblem refuses prototype keys and undefined', () => {
    expect(subflowInputProblem(undefined)).toMatch(/no value/);
    expect(subflowInputProblem(JSON.parse('{"__proto__": 1}'))).toMatch(/not allowed/);
    expect(subflowInputProblem({ ok: [1, 2] })).toBeUndefined();
  });
});

describe('flow.subflow: hostile configs', () => {
  const hostileValue = fc.oneof(
    fc.constantFrom<unknown>(null, '', 'not-a-uuid', -1, 0, 1.5, 2 ** 31, Number.NaN, '__proto__', [], {}, true),
    fc.string({ maxLength: 50 }),
    fc.integer(),
    fc.double(),
    fc.object({ maxDepth: 2 }),
  );
  const hostileConfig = fc.record(
    {
      flowId: fc.oneof(hostileValue, fc.constant(CHILD_FLOW)),
      version: fc.oneof(hostileValue, fc.integer({ min: 1, max: 10 })),
      input: fc.oneof(hostileValue, fc.constantFrom('input', 'nodes.monitor.output.alert', '1 +', 'x'.repeat(5_000))),
      wait: fc.oneof(hostileValue, fc.boolean()),
      extra: hostileValue,
    },
    { requiredKeys: [] },
  );

  it('the validator refuses or accepts, never throws, and what it accepts has a pinned uuid and version', () => {
    fc.assert(
      fc.property(hostileConfig, (config) => {
        const result = validateFlow(flow([trigger('t'), { id: 'sub', type: 'flow.subflow', config }], [edge('t', 'sub')]));
        if (!result.ok) {
          expect(result.issues.length).toBeGreaterThan(0);
          return;
        }
        const accepted = result.flow.nodes.find((n) => n.id === 'sub')!.config as Record<string, unknown>;
        expect(accepted.flowId).toBe(CHILD_FLOW);
        expect(Number.isInteger(accepted.version) && (accepted.version as number) >= 1).toBe(true);
        expect(typeof accepted.wait).toBe('boolean');
        expect(Object.keys(accepted)).not.toContain('extra');
      }),
      { numRuns: 300 },
    );
  });
});
