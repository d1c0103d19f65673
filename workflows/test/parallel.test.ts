import { describe, expect, it } from 'vitest';
import { simulateFlow, type SimulatedTaskInput, type SimulationOptions, type SimulationResult } from '../src/simulator.ts';
import type { RunState } from '../src/interpreter/state.ts';
import { validateFlow } from '../src/validator.ts';
import { join as joinType } from '../src/nodes/parallel.ts';
import type { NotifyApproversRequest } from '../src/nodes/approval.ts';
import { WEBHOOK_ACTIVITY, type WebhookRequest } from '../src/nodes/webhook.ts';
import type { FlowDocumentInput } from '../src/flow.ts';
import {
  approvalActivities,
  approvalNode,
  approve,
  condition,
  delay,
  edge,
  end,
  flow,
  issuesOf,
  joinNode,
  reject,
  split,
  trigger,
  webhook,
} from './helpers.ts';

const START = Date.UTC(2026, 5, 1);
const MIN = 60_000;
const HOUR = 3_600_000;

type Done = SimulationResult & { state: RunState };

async function sim(doc: FlowDocumentInput, options: SimulationOptions = {}): Promise<Done> {
  const result = await simulateFlow(doc, {
    ...options,
    activities: {
      ...approvalActivities(),
      // Each webhook answers with its own URL, so downstream templates can tell branches apart.
      [WEBHOOK_ACTIVITY]: (args) => ({ status: 200, body: { url: (args[0] as WebhookRequest).url }, attempt: 1, durationMs: 1 }),
      ...options.activities,
    },
  });
  if (!result.ok || !result.state) throw new Error(`Simulation did not finish: ${JSON.stringify(result.issues ?? result)}`);
  return result as Done;
}

/** Webhook calls as [node id, virtual ms since start]. */
const hookCalls = (r: SimulationResult) =>
  r.calls.filter((c) => c.name === WEBHOOK_ACTIVITY).map((c) => [(c.args[0] as WebhookRequest).url.split('/').pop(), c.at - START]);
const callsTo = (r: SimulationResult, id: string) => hookCalls(r).filter(([n]) => n === id);

/** t → split s (branch names) → branch i: delay d_<name> → join j → webhook "after". */
function splitJoin(
  branches: { name: string; wait: string }[],
  joinConfig: Record<string, unknown>,
  tail: 'none' | 'end' = 'none',
): FlowDocumentInput {
  return flow(
    [
      trigger(),
      split(
        's',
        branches.map((b) => b.name),
      ),
      ...branches.map((b) => delay(`d_${b.name}`, b.wait)),
      joinNode('j', joinConfig),
      webhook('after'),
      ...(tail === 'end' ? [end('e')] : []),
    ],
    [
      edge('t', 's'),
      ...branches.flatMap((b) => [edge('s', `d_${b.name}`, b.name), edge(`d_${b.name}`, 'j')]),
      edge('j', 'after'),
      ...(tail === 'end' ? [edge('after', 'e', 'sent')] : []),
    ],
  );
}

describe('parallel split + join all', () => {
  it('runs both branches side by side; the join fires once, when the last arrives, and the step after runs exactly once', async () => {
    const r = await sim(
      splitJoin(
        [
          { name: 'legal', wait: '1h' },
          { name: 'brand', wait: '3h' },
        ],
        { mode: 'all' },
      ),
    );
    expect(r.state.status).toBe('completed');
    expect(r.state.nodes.s).toMatchObject({ status: 'completed', handle: 'legal,brand', output: { branches: ['legal', 'brand'] } });
    expect(r.state.nodes.d_legal).toMatchObject({ status: 'completed', startedAt: START, endedAt: START + HOUR });
    expect(r.state.nodes.d_brand).toMatchObject({ status: 'completed', startedAt: START, endedAt: START + 3 * HOUR });
    expect(r.state.nodes.j).toMatchObject({ status: 'completed', executions: 1, handle: 'next', startedAt: START + 3 * HOUR });
    expect(r.state.nodes.after!.executions).toBe(1);
    expect(hookCalls(r)).toEqual([['after', 3 * HOUR]]);
  });

  it('fires once when both branches arrive in the same instant', async () => {
    const doc = flow(
      [trigger(), split('s'), webhook('legal'), webhook('brand'), joinNode('j'), webhook('after')],
      [
        edge('t', 's'),
        edge('s', 'legal', 'legal'),
        edge('s', 'brand', 'brand'),
        edge('legal', 'j', 'sent'),
        edge('brand', 'j', 'sent'),
        edge('j', 'after'),
      ],
    );
    const r = await sim(doc);
    expect(hookCalls(r)).toEqual([
      ['legal', 0],
      ['brand', 0],
      ['after', 0],
    ]);
    expect(r.state.nodes.j!.executions).toBe(1);
  });

  it("keeps each branch's output apart, and the step after the join reads both", async () => {
    const doc = flow(
      [
        trigger(),
        split('s'),
        webhook('legal'),
        webhook('brand'),
        joinNode('j'),
        webhook('after', { body: { legal: '{{ nodes.legal.output.body.url }}', brand: '{{ nodes.brand.output.body.url }}' } }),
      ],
      [
        edge('t', 's'),
        edge('s', 'legal', 'legal'),
        edge('s', 'brand', 'brand'),
        edge('legal', 'j', 'sent'),
        edge('brand', 'j', 'sent'),
        edge('j', 'after'),
      ],
    );
    const r = await sim(doc);
    const after = r.calls.find((c) => c.name === WEBHOOK_ACTIVITY && (c.args[0] as WebhookRequest).url.endsWith('/after'))!;
    expect((after.args[0] as WebhookRequest).body).toEqual({
      legal: 'https://hooks.example.test/legal',
      brand: 'https://hooks.example.test/brand',
    });
  });

  it('splits into more than two branches', async () => {
    const r = await sim(
      splitJoin(
        ['a', 'b', 'c', 'd'].map((name, i) => ({ name, wait: `${i + 1}h` })),
        { mode: 'all' },
      ),
    );
    expect(hookCalls(r)).toEqual([['after', 4 * HOUR]]);
    expect(r.state.nodes.s!.handle).toBe('a,b,c,d');
  });
});

describe('join any and N of M', () => {
  it('any with cancelOthers off: fires on the first arrival; a later arrival does not run the step after again', async () => {
    const r = await sim(
      splitJoin(
        [
          { name: 'legal', wait: '1h' },
          { name: 'brand', wait: '3h' },
        ],
        { mode: 'any', cancelOthers: false },
      ),
    );
    expect(hookCalls(r)).toEqual([['after', HOUR]]);
    expect(r.state.nodes.j).toMatchObject({ status: 'completed', executions: 1, startedAt: START + HOUR });
    // The slower branch still finishes, and the run ends when it does.
    expect(r.state.nodes.d_brand!.status).toBe('completed');
    expect(r.state.endedAt).toBe(START + 3 * HOUR);
  });

  it('any (cancelOthers by default): the slower branch is cancelled when the join goes on, and the run ends then', async () => {
    const r = await sim(
      splitJoin(
        [
          { name: 'legal', wait: '1h' },
          { name: 'brand', wait: '3h' },
        ],
        { mode: 'any' },
      ),
    );
    expect(hookCalls(r)).toEqual([['after', HOUR]]);
    expect(r.state.nodes.d_brand).toMatchObject({ status: 'cancelled', endedAt: START + HOUR, error: 'another branch finished first' });
    expect(r.state.nodes.j).toMatchObject({ status: 'completed', executions: 1 });
    expect(r.state).toMatchObject({ status: 'completed', endedAt: START + HOUR });
  });

  it("any: the losing branch's approval closes as cancelled with the reason, and is mirrored so the inbox drops it", async () => {
    const doc = flow(
      [
        trigger(),
        split('s', ['legal', 'brand']),
        approvalNode('legal', { approvers: [{ kind: 'user', user: 'ann' }], due: '1d' }),
        approvalNode('brand', { approvers: [{ kind: 'user', user: 'dan' }], due: '1d' }),
        joinNode('j', { mode: 'any' }),
        webhook('after'),
      ],
      [
        edge('t', 's'),
        edge('s', 'legal', 'legal'),
        edge('s', 'brand', 'brand'),
        edge('legal', 'j', 'approved'),
        edge('brand', 'j', 'approved'),
        edge('j', 'after'),
      ],
    );
    const r = await sim(doc, { taskInputs: [{ atMs: 2 * HOUR, nodeId: 'legal', input: approve('ann') }] });
    expect(r.state).toMatchObject({ status: 'completed', endedAt: START + 2 * HOUR });
    expect(r.state.nodes.brand).toMatchObject({ status: 'cancelled', error: 'another branch finished first' });
    const mirrored = r.calls.filter((c) => c.name === 'syncApprovalTask').map((c) => c.args[0] as { nodeId: string; status: string });
    expect(mirrored.filter((v) => v.nodeId === 'brand').at(-1)).toMatchObject({
      status: 'cancelled',
      closedReason: 'another branch finished first',
      closedAt: new Date(START + 2 * HOUR).toISOString(),
    });
    // Dan's vote after the race is refused as on any closed task.
    const late = await sim(doc, {
      taskInputs: [
        { atMs: 2 * HOUR, nodeId: 'legal', input: approve('ann') },
        { atMs: 3 * HOUR, nodeId: 'brand', input: approve('dan') },
      ],
    });
    expect(late.taskResults[1]).toMatchObject({ accepted: false, code: 'closed' });
  });

  it('any: an end node after the join ends the run and cancels the slower branch', async () => {
    const r = await sim(
      splitJoin(
        [
          { name: 'legal', wait: '1h' },
          { name: 'brand', wait: '3h' },
        ],
        { mode: 'any' },
        'end',
      ),
    );
    expect(r.state).toMatchObject({ status: 'completed', endedAt: START + HOUR });
    expect(r.state.nodes.d_brand!.status).toBe('cancelled');
    expect(hookCalls(r)).toEqual([['after', HOUR]]);
  });

  it('count: 2 of 3 fires on the second arrival, once', async () => {
    const r = await sim(
      splitJoin(
        [
          { name: 'a', wait: '1h' },
          { name: 'b', wait: '2h' },
          { name: 'c', wait: '3h' },
        ],
        { mode: 'count', count: 2 },
      ),
    );
    expect(hookCalls(r)).toEqual([['after', 2 * HOUR]]);
    expect(r.state.nodes.j).toMatchObject({ executions: 1, startedAt: START + 2 * HOUR });
    // The third branch lost the race: cancelled when the join went on.
    expect(r.state.nodes.d_c).toMatchObject({ status: 'cancelled', endedAt: START + 2 * HOUR });
  });
});

describe('join with branches that die', () => {
  /** s → legal: condition c_legal (true → j, false → side_legal); s → brand: delay 1h → j. */
  function oneConditional(joinConfig: Record<string, unknown> = { mode: 'all' }, legalWait?: string) {
    const legalEntry = legalWait ? 'w_legal' : 'c_legal';
    return flow(
      [
        trigger(),
        split('s'),
        ...(legalWait ? [delay('w_legal', legalWait)] : []),
        condition('c_legal', 'input.legalNeeded'),
        webhook('side_legal'),
        delay('d_brand', '1h'),
        joinNode('j', joinConfig),
        webhook('after'),
      ],
      [
        edge('t', 's'),
        edge('s', legalEntry, 'legal'),
        ...(legalWait ? [edge('w_legal', 'c_legal')] : []),
        edge('c_legal', 'j', 'true'),
        edge('c_legal', 'side_legal', 'false'),
        edge('s', 'd_brand', 'brand'),
        edge('d_brand', 'j'),
        edge('j', 'after'),
      ],
    );
  }

  it('all: a branch killed by a condition counts as settled; the join fires once when the other arrives', async () => {
    const r = await sim(oneConditional(), { input: { legalNeeded: false } });
    expect(r.state.nodes.c_legal!.handle).toBe('false');
    expect(hookCalls(r)).toEqual([
      ['side_legal', 0],
      ['after', HOUR],
    ]);
    expect(r.state.nodes.j).toMatchObject({ status: 'completed', executions: 1, startedAt: START + HOUR });
  });

  it('all: with the condition true, both arrive and the join fires once', async () => {
    const r = await sim(oneConditional(), { input: { legalNeeded: true } });
    expect(hookCalls(r)).toEqual([['after', HOUR]]);
    expect(r.state.nodes.side_legal!.status).toBe('skipped');
  });

  it('all: the branch dies after the other has arrived; the join fires at the death, once', async () => {
    const r = await sim(oneConditional({ mode: 'all' }, '2h'), { input: { legalNeeded: false } });
    expect(callsTo(r, 'after')).toEqual([['after', 2 * HOUR]]);
    expect(r.state.nodes.j!.executions).toBe(1);
  });

  it('a branch that dies through a skipped step (not directly at the join) still settles it', async () => {
    // legal: condition → (true) webhook review → join; false kills review, and so review's edge into the join.
    const doc = flow(
      [trigger(), split('s'), condition('c', 'input.review'), webhook('review'), delay('d', '30m'), joinNode('j'), webhook('after')],
      [
        edge('t', 's'),
        edge('s', 'c', 'legal'),
        edge('c', 'review', 'true'),
        edge('review', 'j', 'sent'),
        edge('s', 'd', 'brand'),
        edge('d', 'j'),
        edge('j', 'after'),
      ],
    );
    const r = await sim(doc, { input: { review: false } });
    expect(r.state.nodes.review!.status).toBe('skipped');
    expect(hookCalls(r)).toEqual([['after', 30 * MIN]]);
  });

  it('is skipped, with everything after it, when no branch can arrive', async () => {
    const doc = flow(
      [trigger(), split('s'), condition('c1', 'input.a'), condition('c2', 'input.b'), joinNode('j'), webhook('after'), end('e')],
      [
        edge('t', 's'),
        edge('s', 'c1', 'legal'),
        edge('s', 'c2', 'brand'),
        edge('c1', 'j', 'true'),
        edge('c2', 'j', 'true'),
        edge('j', 'after'),
        edge('after', 'e', 'sent'),
      ],
    );
    const r = await sim(doc, { input: { a: false, b: false } });
    expect(r.state.status).toBe('completed');
    expect(r.state.nodes.j).toMatchObject({ status: 'skipped', executions: 0 });
    expect(r.state.nodes.after!.status).toBe('skipped');
    expect(r.state.nodes.e!.status).toBe('skipped');
    expect(hookCalls(r)).toEqual([]);
  });

  it('any: skipped when both die; fires when one of them lives', async () => {
    const doc = (mode: Record<string, unknown>) =>
      flow(
        [trigger(), split('s'), condition('c1', 'input.a'), condition('c2', 'input.b'), joinNode('j', mode), webhook('after')],
        [
          edge('t', 's'),
          edge('s', 'c1', 'legal'),
          edge('s', 'c2', 'brand'),
          edge('c1', 'j', 'true'),
          edge('c2', 'j', 'true'),
          edge('j', 'after'),
        ],
      );
    expect((await sim(doc({ mode: 'any' }), { input: { a: false, b: false } })).state.nodes.j!.status).toBe('skipped');
    const one = await sim(doc({ mode: 'any' }), { input: { a: false, b: true } });
    expect(one.state.nodes.j).toMatchObject({ status: 'completed', executions: 1 });
    expect(callsTo(one, 'after')).toHaveLength(1);
  });

  it('count 2 of 3: skipped once two branches are dead; the third arriving later does not run it', async () => {
    const doc = flow(
      [
        trigger(),
        split('s', ['a', 'b', 'c']),
        condition('ca', 'input.a'),
        condition('cb', 'input.b'),
        delay('dc', '1h'),
        joinNode('j', { mode: 'count', count: 2 }),
        webhook('after'),
      ],
      [
        edge('t', 's'),
        edge('s', 'ca', 'a'),
        edge('s', 'cb', 'b'),
        edge('s', 'dc', 'c'),
        edge('ca', 'j', 'true'),
        edge('cb', 'j', 'true'),
        edge('dc', 'j'),
        edge('j', 'after'),
      ],
    );
    const dead = await sim(doc, { input: { a: false, b: false } });
    expect(dead.state.nodes.j!.status).toBe('skipped');
    expect(dead.state.nodes.dc!.status).toBe('completed');
    expect(hookCalls(dead)).toEqual([]);
    const alive = await sim(doc, { input: { a: true, b: false } });
    expect(callsTo(alive, 'after')).toEqual([['after', HOUR]]);
  });

  it('gate (pure): all / any / count over arrivals and dead edges', () => {
    const gate = (config: { mode: 'all' | 'any' | 'count'; count?: number }, arrived: number, dead: number, total: number) =>
      joinType.gate!({ cancelOthers: true, ...config }, { arrived, dead, total });
    expect(gate({ mode: 'all' }, 1, 0, 2)).toBe('wait');
    expect(gate({ mode: 'all' }, 2, 0, 2)).toBe('fire');
    expect(gate({ mode: 'all' }, 1, 1, 2)).toBe('fire');
    expect(gate({ mode: 'all' }, 0, 1, 2)).toBe('wait');
    expect(gate({ mode: 'all' }, 0, 2, 2)).toBe('skip');
    expect(gate({ mode: 'any' }, 1, 0, 3)).toBe('fire');
    expect(gate({ mode: 'any' }, 0, 2, 3)).toBe('wait');
    expect(gate({ mode: 'any' }, 0, 3, 3)).toBe('skip');
    expect(gate({ mode: 'count', count: 2 }, 1, 0, 3)).toBe('wait');
    expect(gate({ mode: 'count', count: 2 }, 2, 0, 3)).toBe('fire');
    expect(gate({ mode: 'count', count: 2 }, 1, 1, 3)).toBe('wait');
    expect(gate({ mode: 'count', count: 2 }, 0, 2, 3)).toBe('skip');
    expect(gate({ mode: 'count', count: 2 }, 1, 2, 3)).toBe('skip');
  });
});

describe('parallel approvals end to end', () => {
  const campaign = { id: 'c618', name: '618 Mega Sale', department: 'Marketing', budget: { total: 800_000 } };
  const role = (department: string) => ({ kind: 'role', role: 'approver', department });
  /** Legal (any) and brand (quorum 2) side by side → join all → the campaign department's head → launch. */
  const doc = () =>
    flow(
      [
        trigger(),
        split('s'),
        approvalNode('legal', { title: 'Legal review of {{ campaign.name }}', approvers: [role('Legal')], mode: 'any', due: '1d' }),
        approvalNode('brand', { title: 'Brand review', approvers: [role('Brand')], mode: 'quorum', quorum: { count: 2 }, due: '1d' }),
        joinNode('j'),
        approvalNode('head', {
          title: 'Head sign-off',
          approvers: [{ kind: 'department_head', department: 'campaign' }],
          due: '1d',
          distinctAcrossLevels: true,
        }),
        webhook('launch'),
        end('done'),
        end('refused', { status: 'failed', reason: 'A review refused the campaign' }),
      ],
      [
        edge('t', 's'),
        edge('s', 'legal', 'legal'),
        edge('s', 'brand', 'brand'),
        edge('legal', 'j', 'approved'),
        edge('brand', 'j', 'approved'),
        edge('legal', 'refused', 'rejected'),
        edge('brand', 'refused', 'rejected'),
        edge('legal', 'refused', 'timed_out'),
        edge('brand', 'refused', 'timed_out'),
        edge('j', 'head'),
        edge('head', 'launch', 'approved'),
        edge('head', 'refused', 'rejected'),
        edge('head', 'refused', 'timed_out'),
        edge('launch', 'done', 'sent'),
      ],
    );
  const v = (atMs: number, nodeId: string, input: unknown): SimulatedTaskInput => ({ atMs, nodeId, input });
  const happyVotes = [
    v(30 * MIN, 'brand', approve('dan')),
    v(HOUR, 'head', approve('gus')), // too early: the head's task is not open before the join
    v(HOUR, 'legal', approve('ann')),
    v(2 * HOUR, 'brand', approve('eve')),
    v(3 * HOUR, 'head', approve('gus')),
  ];

  it('both reviews approve in parallel, the join fires once, then the head approves and the campaign launches', async () => {
    const r = await sim(doc(), { campaign, requester: { id: 'hal', name: 'Hal' }, taskInputs: happyVotes });
    expect(r.state).toMatchObject({ status: 'completed', endedAt: START + 3 * HOUR });
    expect(r.taskResults.map((t) => [t.nodeId, t.accepted, t.code])).toEqual([
      ['brand', true, undefined],
      ['head', false, 'closed'],
      ['legal', true, undefined],
      ['brand', true, undefined],
      ['head', true, undefined],
    ]);
    expect(r.state.nodes.legal).toMatchObject({ handle: 'approved', startedAt: START, endedAt: START + HOUR });
    expect(r.state.nodes.brand).toMatchObject({
      handle: 'approved',
      startedAt: START,
      endedAt: START + 2 * HOUR,
      output: { approvers: ['Dan', 'Eve'] },
    });
    expect(r.state.nodes.j).toMatchObject({ executions: 1, startedAt: START + 2 * HOUR });
    expect(r.state.nodes.head).toMatchObject({ executions: 1, handle: 'approved', startedAt: START + 2 * HOUR, endedAt: START + 3 * HOUR });
    expect(callsTo(r, 'launch')).toEqual([['launch', 3 * HOUR]]);
    expect(r.state.nodes.refused!.status).toBe('skipped');

    const opened = r.calls
      .filter((c) => c.name === 'notifyApprovers')
      .map((c) => c.args[0] as NotifyApproversRequest)
      .filter((n) => n.kind === 'opened')
      .map((n) => [n.task.nodeId, n.task.title, n.to.map((p) => p.id)]);
    expect(opened).toEqual([
      ['legal', 'Legal review of 618 Mega Sale', ['ann', 'bob', 'cat']],
      ['brand', 'Brand review', ['dan', 'eve']],
      ['head', 'Head sign-off', ['gus']],
    ]);
    expect(r.calls.filter((c) => c.name === 'resolveApprovers')).toHaveLength(3);
    // Tasks of one run are told apart by node.
    const ids = new Set(r.calls.filter((c) => c.name === 'syncApprovalTask').map((c) => (c.args[0] as { taskId: string }).taskId));
    expect([...ids].sort()).toEqual(['simulation/brand/1', 'simulation/head/1', 'simulation/legal/1']);
  });

  it('a legal rejection ends the run; the brand review is cancelled and the head is never asked', async () => {
    const r = await sim(doc(), {
      campaign,
      taskInputs: [
        v(30 * MIN, 'brand', approve('dan')),
        v(HOUR, 'legal', reject('bob', 'Promo terms break ad law')),
        v(2 * HOUR, 'brand', approve('eve')),
      ],
    });
    expect(r.state).toMatchObject({ status: 'failed', reason: 'A review refused the campaign', endedAt: START + HOUR });
    expect(r.state.nodes.brand!.status).toBe('cancelled');
    expect(r.state.nodes.j!.status).toBe('skipped');
    expect(r.state.nodes.head!.status).toBe('skipped');
    expect(r.calls.filter((c) => c.name === 'resolveApprovers')).toHaveLength(2);
    expect(callsTo(r, 'launch')).toEqual([]);
  });

  it('the requester is excluded in a parallel branch too', async () => {
    const r = await sim(doc(), {
      campaign,
      requester: { id: 'dan', name: 'Dan' },
      taskInputs: [v(MIN, 'brand', approve('dan')), v(2 * MIN, 'legal', approve('ann'))],
    });
    expect(r.taskResults[0]).toMatchObject({
      accepted: false,
      code: 'not_eligible',
      message: expect.stringMatching(/separation of duties/),
    });
    // Quorum 2 is capped at the one eligible brand approver, who never votes: the review times out.
    expect(r.state.nodes.brand).toMatchObject({ handle: 'timed_out' });
    expect(r.state.status).toBe('failed');
  });

  it('distinctAcrossLevels at the head: a department head who already approved a review cannot sign off', async () => {
    // Gus heads Marketing; make him a brand approver too.
    const r = await sim(doc(), {
      campaign,
      activities: {
        resolveApprovers: (args) => {
          const [req] = args;
          const base = approvalActivities().resolveApprovers(args);
          return req.refs.some((x) => 'department' in x && x.department === 'Brand')
            ? [...base, { id: 'gus', name: 'Gus', email: 'gus@example.test' }]
            : base;
        },
      },
      taskInputs: [v(MIN, 'brand', approve('gus')), v(2 * MIN, 'brand', approve('eve')), v(3 * MIN, 'legal', approve('ann'))],
    });
    expect(r.state.nodes.head).toMatchObject({
      status: 'failed',
      error: 'No one is eligible to approve (excluded: Gus, decided the "brand" level of this run)',
    });
    expect(r.state.status).toBe('failed');
  });

  it('a review rejected in a branch is not bypassed by join all when its rejected path is not drawn (Windmill #2639)', async () => {
    // legal and brand approve into the join; neither draws a rejected or timed-out path.
    const bare = flow(
      [
        trigger(),
        split('s'),
        approvalNode('legal', { approvers: [role('Legal')] }),
        approvalNode('brand', { approvers: [role('Brand')] }),
        joinNode('j'),
        approvalNode('head', { approvers: [{ kind: 'department_head', department: 'campaign' }] }),
        webhook('launch'),
      ],
      [
        edge('t', 's'),
        edge('s', 'legal', 'legal'),
        edge('s', 'brand', 'brand'),
        edge('legal', 'j', 'approved'),
        edge('brand', 'j', 'approved'),
        edge('j', 'head'),
        edge('head', 'launch', 'approved'),
      ],
    );
    const result = await simulateFlow(bare, {
      campaign,
      activities: approvalActivities(),
      taskInputs: [
        v(HOUR, 'legal', reject('ann', 'Misleading claim')),
        v(2 * HOUR, 'brand', approve('dan')),
        v(3 * HOUR, 'head', approve('gus')),
      ],
    });
    // Either fix is acceptable: the validator refuses the flow, or the run stops at the rejection.
    if (!result.state) {
      expect(result.issues).toContainEqual(expect.objectContaining({ nodeId: 'legal' }));
      return;
    }
    expect(result.state.nodes.head!.executions).toBe(0);
    expect(callsTo(result, 'launch')).toEqual([]);
    expect(result.state.status).not.toBe('completed');
  });

  it('is deterministic: the same inputs give identical state, calls and task results', async () => {
    const opts: SimulationOptions = { campaign, requester: { id: 'hal', name: 'Hal' }, taskInputs: happyVotes };
    const a = await sim(doc(), opts);
    const b = await sim(doc(), opts);
    expect(JSON.stringify(b.state)).toBe(JSON.stringify(a.state));
    expect(b.calls).toEqual(a.calls);
    expect(b.taskResults).toEqual(a.taskResults);
    expect(b.virtualMs).toBe(a.virtualMs);
  });
});

describe('parallel determinism', () => {
  it('a split/join flow with dying branches gives identical final state on every run', async () => {
    const doc = () =>
      flow(
        [
          trigger(),
          split('s', ['a', 'b', 'c']),
          condition('ca', 'input.a'),
          delay('db', '2h'),
          delay('dc', '1h'),
          joinNode('j', { mode: 'count', count: 2 }),
          webhook('after'),
        ],
        [
          edge('t', 's'),
          edge('s', 'ca', 'a'),
          edge('s', 'db', 'b'),
          edge('s', 'dc', 'c'),
          edge('ca', 'j', 'true'),
          edge('db', 'j'),
          edge('dc', 'j'),
          edge('j', 'after'),
        ],
      );
    const runs = await Promise.all([0, 1, 2].map(() => sim(doc(), { input: { a: false } })));
    for (const r of runs.slice(1)) {
      expect(r.state).toEqual(runs[0]!.state);
      expect(r.calls).toEqual(runs[0]!.calls);
    }
    expect(callsTo(runs[0]!, 'after')).toEqual([['after', 2 * HOUR]]);
  });
});

describe('validator: split and join', () => {
  const at = (node: ReturnType<typeof split>) => issuesOf(validateFlow(flow([trigger(), node], [edge('t', node.id)])));

  it('a split needs two or more distinct, well-formed branch names', () => {
    expect(at(split('s', ['only']))).toContainEqual(
      expect.objectContaining({ path: ['nodes', 1, 'config', 'branches'], code: 'config', message: 'A split needs at least two branches' }),
    );
    expect(at(split('s', ['a', 'a']))).toContainEqual(
      expect.objectContaining({ path: ['nodes', 1, 'config', 'branches'], message: 'Branch names must differ' }),
    );
    expect(at(split('s', ['a', 'Legal Review']))).toContainEqual(expect.objectContaining({ path: ['nodes', 1, 'config', 'branches', 1] }));
  });

  it('a count join needs its count', () => {
    expect(at(joinNode('j', { mode: 'count' }))).toContainEqual(
      expect.objectContaining({
        path: ['nodes', 1, 'config', 'count'],
        code: 'config',
        nodeId: 'j',
        message: 'Say how many branches must arrive',
      }),
    );
  });

  it('edges leave a split by its branch names only', () => {
    const issues = issuesOf(validateFlow(flow([trigger(), split('s'), webhook('w')], [edge('t', 's'), edge('s', 'w', 'finance')])));
    expect(issues).toContainEqual(
      expect.objectContaining({ code: 'unknown_handle', message: 'Node "s" has no "finance" handle (it has: legal, brand)' }),
    );
  });

  it('accepts a split with its default branches and a join with defaults', () => {
    const ok = validateFlow(
      flow(
        [trigger(), { id: 's', type: 'control.parallel', config: {} }, { id: 'j', type: 'control.join', config: {} }],
        [edge('t', 's'), edge('s', 'j', 'a'), edge('s', 'j', 'b')],
      ),
    );
    expect(ok.ok).toBe(true);
  });
});
