import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  simulateFlow,
  type SimulatedActivity,
  type SimulatedTaskInput,
  type SimulationOptions,
  type SimulationResult,
} from '../src/simulator.ts';
import { FlowInterpreter } from '../src/interpreter/interpreter.ts';
import { TaskRejection, type RuntimePorts } from '../src/interpreter/ports.ts';
import type { RunState } from '../src/interpreter/state.ts';
import { validateFlow } from '../src/validator.ts';
import {
  checkDecision,
  neededApprovals,
  tally,
  type ApprovalTaskView,
  type NotifyApproversRequest,
  type Vote,
} from '../src/nodes/approval.ts';
import { WEBHOOK_ACTIVITY, type WebhookRequest } from '../src/nodes/webhook.ts';
import type { ResolvePeopleRequest } from '../src/nodes/resolve-people.ts';
import { getNodeType } from '../src/nodes/index.ts';
import type { FlowDocumentInput } from '../src/flow.ts';
import {
  approvalActivities,
  approvalNode,
  approve,
  delay,
  DIRECTORY,
  edge,
  flow,
  issuesOf,
  reject,
  trigger,
  user,
  webhook,
  type DirectoryPerson,
} from './helpers.ts';

const START = Date.UTC(2026, 5, 1);
const MIN = 60_000;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(START + ms).toISOString();

type Done = SimulationResult & { state: RunState };

async function sim(doc: FlowDocumentInput, options: SimulationOptions = {}): Promise<Done> {
  const result = await simulateFlow(doc, { ...options, activities: { ...approvalActivities(), ...options.activities } });
  if (!result.ok || !result.state) throw new Error(`Simulation did not finish: ${JSON.stringify(result.issues ?? result)}`);
  return result as Done;
}

/** Webhook nodes called, in order, by node id (the helper's URL ends with it). */
const hooks = (r: SimulationResult) =>
  r.calls.filter((c) => c.name === WEBHOOK_ACTIVITY).map((c) => (c.args[0] as WebhookRequest).url.split('/').pop());
const notices = (r: SimulationResult) =>
  r.calls
    .filter((c) => c.name === 'notifyApprovers')
    .map((c) => {
      const req = c.args[0] as NotifyApproversRequest;
      return { kind: req.kind, at: c.at - START, to: req.to.map((p) => p.id) };
    });
const detail = (r: Done, id = 'a') => r.state.nodes[id]!.detail as unknown as ApprovalTaskView;
const vote = (atMs: number, input: unknown, nodeId = 'a'): SimulatedTaskInput => ({ atMs, nodeId, input });

/** trigger → approval "a" → go (approved) / stop (rejected) / late (timed_out); `linger` keeps the run going a day after "go". */
function approvalFlow(config: Record<string, unknown>, linger = false): FlowDocumentInput {
  return flow(
    [
      trigger(),
      approvalNode('a', { due: '4h', ...config }),
      webhook('go'),
      webhook('stop'),
      webhook('late'),
      ...(linger ? [delay('d', '1d')] : []),
    ],
    [
      edge('t', 'a'),
      edge('a', 'go', 'approved'),
      edge('a', 'stop', 'rejected'),
      edge('a', 'late', 'timed_out'),
      ...(linger ? [edge('go', 'd', 'sent'), edge('stop', 'd', 'sent'), edge('late', 'd', 'sent')] : []),
    ],
  );
}

const three = [user('ann'), user('bob'), user('cat')];
const campaign = { id: 'c1', name: '618 Launch', department: 'Marketing', budget: { total: 500_000 } };

describe('approval: mode any', () => {
  it('the first approval decides, follows approved and skips the other paths', async () => {
    const r = await sim(approvalFlow({ approvers: three, mode: 'any', title: 'Approve {{ campaign.name }}' }, true), {
      campaign,
      taskInputs: [vote(30 * MIN, approve('bob')), vote(40 * MIN, approve('ann'))],
    });
    expect(r.state.status).toBe('completed');
    expect(r.state.nodes.a).toMatchObject({ status: 'completed', handle: 'approved', endedAt: START + 30 * MIN });
    expect(r.state.nodes.a!.output).toMatchObject({
      status: 'approved',
      approvers: ['Bob'],
      votes: [{ userId: 'bob', name: 'Bob', decision: 'approve', at: iso(30 * MIN), level: 1 }],
    });
    expect(hooks(r)).toEqual(['go']);
    expect(r.state.nodes.stop!.status).toBe('skipped');
    expect(r.state.nodes.late!.status).toBe('skipped');
    expect(r.taskResults).toEqual([
      { nodeId: 'a', atMs: 30 * MIN, accepted: true },
      expect.objectContaining({ nodeId: 'a', atMs: 40 * MIN, accepted: false, code: 'closed' }),
    ]);
    expect(detail(r)).toMatchObject({
      status: 'approved',
      title: 'Approve 618 Launch',
      mode: 'any',
      needed: 1,
      closedAt: iso(30 * MIN),
      openedAt: iso(0),
      dueAt: iso(4 * HOUR),
    });
  });

  it('the first rejection decides and follows rejected, keeping the comment', async () => {
    const r = await sim(approvalFlow({ approvers: three, mode: 'any' }), {
      taskInputs: [vote(10 * MIN, reject('cat', 'Claims unsupported'))],
    });
    expect(r.state.nodes.a).toMatchObject({
      handle: 'rejected',
      output: { status: 'rejected', approvers: [], votes: [{ userId: 'cat', decision: 'reject', comment: 'Claims unsupported' }] },
    });
    expect(hooks(r)).toEqual(['stop']);
    expect(r.state.nodes.go!.status).toBe('skipped');
    expect(r.state.nodes.late!.status).toBe('skipped');
  });

  it('resolves approvers through the activity with concrete refs and the campaign department, then syncs and notifies', async () => {
    const refs = [
      user('ann'),
      { kind: 'role', role: 'approver', department: 'campaign' },
      { kind: 'department_head', department: 'Finance' },
    ];
    const r = await sim(approvalFlow({ approvers: refs }), { campaign, taskInputs: [vote(MIN, approve('hal'))] });
    const resolveCalls = r.calls.filter((c) => c.name === 'resolveApprovers');
    expect(resolveCalls).toHaveLength(1);
    expect(resolveCalls[0]!.args).toEqual([{ refs, campaignDepartment: 'Marketing' }]);
    expect(detail(r).eligible.map((p) => p.id)).toEqual(['ann', 'hal', 'ivy', 'fay']);
    // The inbox mirror is written before anyone is told.
    const names = r.calls.map((c) => c.name);
    expect(names.indexOf('syncApprovalTask')).toBeLessThan(names.indexOf('notifyApprovers'));
    expect(notices(r)[0]).toEqual({ kind: 'opened', at: 0, to: ['ann', 'hal', 'ivy', 'fay'] });
  });
});

describe('approval: mode all', () => {
  it('approves only when everyone has approved', async () => {
    const r = await sim(approvalFlow({ approvers: three, mode: 'all' }), {
      taskInputs: [vote(MIN, approve('ann')), vote(2 * MIN, approve('cat')), vote(3 * MIN, approve('bob'))],
    });
    expect(r.state.nodes.a).toMatchObject({ handle: 'approved', endedAt: START + 3 * MIN, output: { approvers: ['Ann', 'Cat', 'Bob'] } });
    expect(detail(r).needed).toBe(3);
    expect(hooks(r)).toEqual(['go']);
  });

  it('one rejection rejects at once, even after approvals', async () => {
    const r = await sim(approvalFlow({ approvers: three, mode: 'all' }, true), {
      taskInputs: [vote(MIN, approve('ann')), vote(2 * MIN, reject('bob')), vote(3 * MIN, approve('cat'))],
    });
    expect(r.state.nodes.a).toMatchObject({ handle: 'rejected', endedAt: START + 2 * MIN });
    expect(r.taskResults.map((t) => t.accepted)).toEqual([true, true, false]);
    expect(r.taskResults[2]!.code).toBe('closed');
    expect(hooks(r)).toEqual(['stop']);
  });

  it('stays open with partial approvals until due', async () => {
    const r = await sim(approvalFlow({ approvers: three, mode: 'all' }), {
      taskInputs: [vote(MIN, approve('ann')), vote(2 * MIN, approve('bob'))],
    });
    expect(r.state.nodes.a).toMatchObject({
      handle: 'timed_out',
      endedAt: START + 4 * HOUR,
      output: { status: 'timed_out', approvers: ['Ann', 'Bob'] },
    });
    expect(hooks(r)).toEqual(['late']);
  });

  it('needs every eligible person, not the requester (who is excluded)', async () => {
    const r = await sim(approvalFlow({ approvers: three, mode: 'all' }), {
      requester: { id: 'ann', name: 'Ann' },
      taskInputs: [vote(MIN, approve('bob')), vote(2 * MIN, approve('cat'))],
    });
    expect(detail(r).needed).toBe(2);
    expect(r.state.nodes.a!.handle).toBe('approved');
  });

  it('counts a person named by two refs once (resolver returns duplicates)', async () => {
    // A directory that answers per ref, without de-duplicating: Ann is both a user ref and a Legal approver.
    const naive: SimulatedActivity = (args) => {
      const { refs } = args[0] as { refs: { kind: string; user?: string; department?: string }[] };
      return refs.flatMap((ref) =>
        DIRECTORY.filter((p) =>
          ref.kind === 'user' ? p.id === ref.user : p.department === ref.department && p.roles.includes('approver'),
        ).map(({ id, name, email }) => ({ id, name, email })),
      );
    };
    const r = await sim(approvalFlow({ approvers: [user('ann'), { kind: 'role', role: 'approver', department: 'Legal' }], mode: 'all' }), {
      activities: { resolveApprovers: naive },
      taskInputs: [vote(MIN, approve('ann')), vote(2 * MIN, approve('bob')), vote(3 * MIN, approve('cat'))],
    });
    expect(detail(r).eligible.map((p) => p.id)).toEqual(['ann', 'bob', 'cat']);
    expect(r.state.nodes.a!.handle).toBe('approved');
  });
});

describe('approval: mode quorum', () => {
  const quorum2 = { approvers: three, mode: 'quorum', quorum: { count: 2 } };

  it('2 of 3: two approvals approve', async () => {
    const r = await sim(approvalFlow(quorum2), { taskInputs: [vote(MIN, approve('ann')), vote(2 * MIN, approve('cat'))] });
    expect(r.state.nodes.a).toMatchObject({ handle: 'approved', endedAt: START + 2 * MIN });
    expect(detail(r).needed).toBe(2);
  });

  it('2 of 3: one rejection leaves it open, a later approval pair still approves', async () => {
    const r = await sim(approvalFlow(quorum2), {
      taskInputs: [vote(MIN, reject('bob')), vote(2 * MIN, approve('ann')), vote(3 * MIN, approve('cat'))],
    });
    expect(r.state.nodes.a).toMatchObject({ handle: 'approved', endedAt: START + 3 * MIN });
  });

  it('2 of 3: two rejections reject, since approval is no longer possible', async () => {
    const r = await sim(approvalFlow(quorum2), {
      taskInputs: [vote(MIN, approve('ann')), vote(2 * MIN, reject('bob')), vote(3 * MIN, reject('cat'))],
    });
    expect(r.state.nodes.a).toMatchObject({ handle: 'rejected', endedAt: START + 3 * MIN });
    expect(hooks(r)).toEqual(['stop']);
  });

  it('60% of 5 needs 3 approvals', async () => {
    const five = ['ann', 'bob', 'cat', 'dan', 'eve'].map(user);
    const cfg = { approvers: five, mode: 'quorum', quorum: { percent: 60 } };
    const two = await sim(approvalFlow(cfg), { taskInputs: [vote(MIN, approve('ann')), vote(2 * MIN, approve('bob'))] });
    expect(detail(two).needed).toBe(3);
    expect(two.state.nodes.a!.handle).toBe('timed_out');
    const threeOk = await sim(approvalFlow(cfg), {
      taskInputs: [vote(MIN, approve('ann')), vote(2 * MIN, approve('bob')), vote(3 * MIN, approve('eve'))],
    });
    expect(threeOk.state.nodes.a).toMatchObject({ handle: 'approved', endedAt: START + 3 * MIN });
    // 3 rejections out of 5 leave only 2 who could approve: rejected.
    const rej = await sim(approvalFlow(cfg), {
      taskInputs: [vote(MIN, reject('ann')), vote(2 * MIN, reject('bob')), vote(3 * MIN, reject('cat'))],
    });
    expect(rej.state.nodes.a).toMatchObject({ handle: 'rejected', endedAt: START + 3 * MIN });
  });

  it('a count above the eligible number is capped at everyone', async () => {
    const r = await sim(approvalFlow({ approvers: three, mode: 'quorum', quorum: { count: 5 } }), {
      taskInputs: [vote(MIN, approve('ann')), vote(2 * MIN, approve('bob')), vote(3 * MIN, approve('cat'))],
    });
    expect(detail(r).needed).toBe(3);
    expect(r.state.nodes.a!.handle).toBe('approved');
  });

  it('a percentage quorum rounds up (pure)', () => {
    expect(neededApprovals('quorum', { percent: 60 }, 5)).toBe(3);
    expect(neededApprovals('quorum', { percent: 50 }, 3)).toBe(2);
    expect(neededApprovals('quorum', { percent: 1 }, 3)).toBe(1);
    expect(neededApprovals('quorum', { percent: 100 }, 7)).toBe(7);
    expect(neededApprovals('quorum', { count: 2 }, 1)).toBe(1);
    expect(neededApprovals('all', undefined, 4)).toBe(4);
    expect(neededApprovals('any', undefined, 4)).toBe(1);
  });

  it('a percentage quorum is exact, without floating-point error: 28% of 25 people needs 7 approvals', async () => {
    // 0.28 * 25 is 7.000000000000001 in floating point, which must not round up to 8.
    const crowd: DirectoryPerson[] = Array.from({ length: 25 }, (_, i) => ({
      id: `m${i}`,
      name: `M${i}`,
      email: `m${i}@example.test`,
      department: 'Crowd',
      roles: ['approver'],
    }));
    const r = await sim(
      approvalFlow({ approvers: [{ kind: 'role', role: 'approver', department: 'Crowd' }], mode: 'quorum', quorum: { percent: 28 } }),
      {
        activities: approvalActivities(crowd),
        taskInputs: Array.from({ length: 7 }, (_, i) => vote((i + 1) * MIN, approve(`m${i}`))),
      },
    );
    expect(detail(r).needed).toBe(7);
    expect(r.state.nodes.a).toMatchObject({ handle: 'approved', endedAt: START + 7 * MIN });

    const wrong: string[] = [];
    for (let percent = 1; percent <= 100; percent++) {
      for (let n = 1; n <= 200; n++) {
        // The smallest k with k * 100 >= percent * n, in integer arithmetic.
        const exact = Math.ceil((percent * n) / 100);
        if (neededApprovals('quorum', { percent }, n) !== exact) wrong.push(`${percent}% of ${n}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('approval: tally (pure)', () => {
  const base = (mode: 'any' | 'all' | 'quorum', n: number, needed: number, votes: Vote[]) => ({
    mode,
    needed,
    level: 1,
    eligible: Array.from({ length: n }, (_, i) => ({ id: `p${i}`, name: `P${i}`, email: `p${i}@x.test` })),
    votes,
  });
  const v = (i: number, decision: 'approve' | 'reject', level = 1): Vote => ({
    userId: `p${i}`,
    name: `P${i}`,
    decision,
    at: iso(0),
    level,
  });

  it('property: decided exactly when approvals reach the need or too few can still approve', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 7 })
          .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n }), fc.array(fc.boolean(), { minLength: 0, maxLength: n }))),
        ([n, needed, decisions]) => {
          const votes = decisions.map((ok, i) => v(i, ok ? 'approve' : 'reject'));
          const approvals = decisions.filter(Boolean).length;
          const rejections = decisions.length - approvals;
          const status = tally(base('quorum', n, needed, votes));
          if (approvals >= needed) expect(status).toBe('approved');
          else if (n - rejections < needed) expect(status).toBe('rejected');
          else expect(status).toBe('open');
          // Once everyone has voted, the task is never left open.
          if (decisions.length === n) expect(status).not.toBe('open');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('ignores votes from another level', () => {
    expect(tally(base('any', 2, 1, [v(0, 'approve', 1)]))).toBe('approved');
    expect(tally({ ...base('any', 2, 1, [v(0, 'approve', 1)]), level: 2 })).toBe('open');
  });
});

describe('approval: refused decisions', () => {
  const cfg = { approvers: three, mode: 'all' };

  it('refuses a rejection without a comment (invalid), also a blank one', async () => {
    const r = await sim(approvalFlow(cfg), {
      taskInputs: [
        vote(MIN, { userId: 'ann', decision: 'reject' }),
        vote(2 * MIN, reject('ann', '   ')),
        vote(3 * MIN, reject('ann', 'Fix the legal copy')),
      ],
    });
    expect(r.taskResults[0]).toMatchObject({ accepted: false, code: 'invalid', message: expect.stringMatching(/comment/) });
    expect(r.taskResults[1]).toMatchObject({ accepted: false, code: 'invalid' });
    expect(r.taskResults[2]).toMatchObject({ accepted: true });
    expect(r.state.nodes.a!.handle).toBe('rejected');
  });

  it('refuses a second vote by the same person (duplicate) and keeps the first', async () => {
    const r = await sim(approvalFlow(cfg), { taskInputs: [vote(MIN, approve('ann')), vote(2 * MIN, reject('ann', 'changed my mind'))] });
    expect(r.taskResults[1]).toMatchObject({ accepted: false, code: 'duplicate', message: expect.stringMatching(/already/) });
    expect(detail(r).votes).toHaveLength(1);
    expect(detail(r).votes[0]!.decision).toBe('approve');
  });

  it('refuses a vote after the task closed (closed)', async () => {
    const r = await sim(approvalFlow({ approvers: three, mode: 'any' }, true), {
      taskInputs: [vote(MIN, approve('ann')), vote(2 * HOUR, approve('bob'))],
    });
    expect(r.taskResults[1]).toMatchObject({ accepted: false, code: 'closed' });
    expect(detail(r).votes.map((v) => v.userId)).toEqual(['ann']);
  });

  it('refuses a vote given in the same instant the task closes (closed)', async () => {
    const r = await sim(approvalFlow({ approvers: three, mode: 'all' }, true), {
      taskInputs: [vote(MIN, reject('ann')), vote(MIN, approve('bob'))],
    });
    expect(r.taskResults.map((t) => [t.accepted, t.code])).toEqual([
      [true, undefined],
      [false, 'closed'],
    ]);
  });

  it('reports a scripted vote that comes after the run has ended as refused, not silently dropped', async () => {
    const r = await sim(approvalFlow({ approvers: three, mode: 'any' }), {
      taskInputs: [vote(MIN, approve('ann')), vote(2 * HOUR, approve('bob'))],
    });
    expect(r.state.status).toBe('completed');
    expect(r.taskResults).toHaveLength(2);
    expect(r.taskResults[1]).toMatchObject({ nodeId: 'a', atMs: 2 * HOUR, accepted: false, code: 'closed' });
  });

  it('refuses someone who is not an approver (not_eligible)', async () => {
    const r = await sim(approvalFlow(cfg), { taskInputs: [vote(MIN, approve('zed')), vote(2 * MIN, approve('dan'))] });
    expect(r.taskResults[0]).toMatchObject({ accepted: false, code: 'not_eligible', message: 'You are not an approver of this task' });
    expect(r.taskResults[1]).toMatchObject({ accepted: false, code: 'not_eligible' });
    expect(detail(r).votes).toEqual([]);
  });

  it('refuses malformed input (invalid)', async () => {
    const bad = [
      { userId: 'ann', decision: 'maybe' },
      { decision: 'approve' },
      { userId: '', decision: 'approve' },
      { userId: 'ann', decision: 'approve', extra: 1 },
      'approve',
      null,
      42,
      { userId: 'ann', decision: 'reject', comment: 'x'.repeat(2001) },
    ];
    const r = await sim(approvalFlow(cfg), { taskInputs: bad.map((input, i) => vote((i + 1) * MIN, input)) });
    for (const t of r.taskResults)
      expect(t).toMatchObject({ accepted: false, code: 'invalid', message: expect.stringMatching(/^Invalid decision/) });
    expect(detail(r).votes).toEqual([]);
  });

  it('checkDecision names the closed status in words', () => {
    const view = { status: 'timed_out', requester: null, excluded: [], eligible: [], votes: [], level: 1 } as unknown as ApprovalTaskView;
    expect(() => checkDecision(view, approve('ann'))).toThrow(new TaskRejection('closed', 'This approval is already timed out'));
  });
});

describe('approval: separation of duties', () => {
  it('excludes the requester: not asked, and their vote is refused with a separation-of-duties reason', async () => {
    const r = await sim(approvalFlow({ approvers: three, mode: 'any' }), {
      requester: { id: 'ann', name: 'Ann', email: 'ann@example.test' },
      taskInputs: [vote(MIN, approve('ann')), vote(2 * MIN, approve('bob'))],
    });
    expect(r.taskResults[0]).toMatchObject({
      accepted: false,
      code: 'not_eligible',
      message: expect.stringMatching(/separation of duties/),
    });
    expect(r.taskResults[1]).toMatchObject({ accepted: true });
    expect(detail(r).eligible.map((p) => p.id)).toEqual(['bob', 'cat']);
    expect(detail(r).excluded).toEqual([{ id: 'ann', name: 'Ann', reason: 'requested this run' }]);
    expect(notices(r)[0]).toEqual({ kind: 'opened', at: 0, to: ['bob', 'cat'] });
    expect(r.state.nodes.a!.output).toMatchObject({ approvers: ['Bob'] });
  });

  it('refuses the requester even when they are not in the approver list', async () => {
    const r = await sim(approvalFlow({ approvers: three }), {
      requester: { id: 'gus', name: 'Gus' },
      taskInputs: [vote(MIN, approve('gus'))],
    });
    expect(r.taskResults[0]).toMatchObject({
      accepted: false,
      code: 'not_eligible',
      message: expect.stringMatching(/separation of duties/),
    });
  });

  it('fails the node with a readable reason when the requester is the only approver', async () => {
    const r = await sim(approvalFlow({ approvers: [user('ann')] }), { requester: { id: 'ann', name: 'Ann' } });
    expect(r.state.status).toBe('failed');
    expect(r.state.nodes.a).toMatchObject({ status: 'failed', error: 'No one is eligible to approve (excluded: Ann, requested this run)' });
    expect(r.state.reason).toBe('"a" failed: No one is eligible to approve (excluded: Ann, requested this run)');
    expect(hooks(r)).toEqual([]);
  });

  /** l1 (Ann or Bob) → l2 (Ann, Bob or Cat) with distinctAcrossLevels. */
  const twoLevels = (l2: Record<string, unknown>) =>
    flow(
      [
        trigger(),
        approvalNode('l1', { approvers: [user('ann'), user('bob')], due: '4h' }),
        approvalNode('l2', { due: '4h', distinctAcrossLevels: true, ...l2 }),
        webhook('go'),
      ],
      [edge('t', 'l1'), edge('l1', 'l2', 'approved'), edge('l2', 'go', 'approved')],
    );

  it('distinctAcrossLevels: the level-1 approver is excluded at level 2 and their vote refused', async () => {
    const r = await sim(twoLevels({ approvers: [user('ann'), user('bob'), user('cat')] }), {
      taskInputs: [vote(MIN, approve('ann'), 'l1'), vote(2 * MIN, approve('ann'), 'l2'), vote(3 * MIN, approve('cat'), 'l2')],
    });
    expect(r.taskResults.map((t) => [t.nodeId, t.accepted, t.code])).toEqual([
      ['l1', true, undefined],
      ['l2', false, 'not_eligible'],
      ['l2', true, undefined],
    ]);
    expect(r.taskResults[1]!.message).toBe('You cannot decide this approval: decided the "l1" level of this run');
    expect(detail(r, 'l2').eligible.map((p) => p.id)).toEqual(['bob', 'cat']);
    expect(detail(r, 'l2').excluded).toEqual([{ id: 'ann', name: 'Ann', reason: 'decided the "l1" level of this run' }]);
    expect(hooks(r)).toEqual(['go']);
  });

  /** brand (Ann or Dan) and legal (Ann and Bob, all of them) side by side, both with distinctAcrossLevels, then a join. */
  const sideBySide = (legal: Record<string, unknown> = {}) =>
    flow(
      [
        trigger(),
        { id: 'split', type: 'control.parallel', config: { branches: ['brand', 'legal'] } },
        approvalNode('brand', { approvers: [user('ann'), user('dan')], due: '4h', distinctAcrossLevels: true }),
        approvalNode('legal', { approvers: [user('ann'), user('bob')], mode: 'all', due: '4h', distinctAcrossLevels: true, ...legal }),
        { id: 'join', type: 'control.join', config: { mode: 'all' } },
        webhook('go'),
      ],
      [
        edge('t', 'split'),
        edge('split', 'brand', 'brand'),
        edge('split', 'legal', 'legal'),
        edge('brand', 'join', 'approved'),
        edge('legal', 'join', 'approved'),
        edge('join', 'go'),
      ],
    );

  it('distinctAcrossLevels: two approvals open side by side do not share an approver', async () => {
    // Ann is asked by both while both are open; she decides brand, so legal refuses her and needs only Bob.
    const r = await sim(sideBySide(), {
      taskInputs: [vote(MIN, approve('ann'), 'brand'), vote(2 * MIN, approve('ann'), 'legal'), vote(3 * MIN, approve('bob'), 'legal')],
    });
    expect(r.taskResults.map((t) => [t.nodeId, t.accepted, t.code])).toEqual([
      ['brand', true, undefined],
      ['legal', false, 'not_eligible'],
      ['legal', true, undefined],
    ]);
    expect(r.taskResults[1]!.message).toBe('You cannot decide this approval: decided the "brand" level of this run');
    // Her leaving the list is mirrored, so the inbox stops offering her legal's task; "all" now means Bob.
    expect(detail(r, 'legal')).toMatchObject({
      status: 'approved',
      needed: 1,
      eligible: [{ id: 'bob' }],
      excluded: [{ id: 'ann', name: 'Ann', reason: 'decided the "brand" level of this run' }],
    });
    const mirrored = r.calls.filter((c) => c.name === 'syncApprovalTask').map((c) => c.args[0] as ApprovalTaskView);
    const afterAnn = mirrored.find((v) => v.nodeId === 'legal' && v.excluded.some((e) => e.id === 'ann'));
    expect(afterAnn?.eligible.map((p) => p.id)).toEqual(['bob']);
    expect(hooks(r)).toEqual(['go']);
  });

  it('distinctAcrossLevels side by side: the other order is refused the same way', async () => {
    const r = await sim(sideBySide({ mode: 'any' }), {
      taskInputs: [vote(MIN, approve('ann'), 'legal'), vote(2 * MIN, approve('ann'), 'brand'), vote(3 * MIN, approve('dan'), 'brand')],
    });
    expect(r.taskResults.map((t) => [t.nodeId, t.accepted, t.code])).toEqual([
      ['legal', true, undefined],
      ['brand', false, 'not_eligible'],
      ['brand', true, undefined],
    ]);
    expect(detail(r, 'brand').votes.map((v) => v.userId)).toEqual(['dan']);
  });

  it('without distinctAcrossLevels the same person may decide both levels', async () => {
    const r = await sim(twoLevels({ approvers: [user('ann'), user('cat')], distinctAcrossLevels: false }), {
      taskInputs: [vote(MIN, approve('ann'), 'l1'), vote(2 * MIN, approve('ann'), 'l2')],
    });
    expect(r.taskResults.every((t) => t.accepted)).toBe(true);
    expect(hooks(r)).toEqual(['go']);
  });

  it('distinctAcrossLevels: fails with a readable reason when no one is left', async () => {
    const r = await sim(twoLevels({ approvers: [user('ann')] }), { taskInputs: [vote(MIN, approve('ann'), 'l1')] });
    expect(r.state.status).toBe('failed');
    expect(r.state.nodes.l2).toMatchObject({
      status: 'failed',
      error: 'No one is eligible to approve (excluded: Ann, decided the "l1" level of this run)',
    });
    expect(r.state.reason).toMatch(/^"l2" failed: No one is eligible/);
  });

  it('distinctAcrossLevels: someone who approved level 1 cannot approve the escalated level 2 of the same approval', async () => {
    // Mode all: Ann approves, Bob never does; at due the task escalates to Ann and Cat.
    const doc = approvalFlow({
      approvers: [user('ann'), user('bob')],
      mode: 'all',
      distinctAcrossLevels: true,
      onTimeout: 'escalate',
      escalateTo: [user('ann'), user('cat')],
    });
    const r = await sim(doc, { taskInputs: [vote(MIN, approve('ann')), vote(5 * HOUR, approve('ann'))] });
    expect(detail(r).level).toBe(2);
    expect(r.taskResults[1]).toMatchObject({ accepted: false, code: 'not_eligible' });
    expect(r.state.nodes.a!.handle).not.toBe('approved');
  });
});

describe('approval: reminders', () => {
  it('reminds every hour until due those who have not voted, recorded in the node detail', async () => {
    const r = await sim(approvalFlow({ approvers: three, mode: 'all', remindEvery: '1h', due: '4h' }), {
      taskInputs: [vote(90 * MIN, approve('ann'))],
    });
    expect(detail(r).reminders).toEqual([
      { at: iso(HOUR), to: ['ann', 'bob', 'cat'] },
      { at: iso(2 * HOUR), to: ['bob', 'cat'] },
      { at: iso(3 * HOUR), to: ['bob', 'cat'] },
    ]);
    expect(notices(r)).toEqual([
      { kind: 'opened', at: 0, to: ['ann', 'bob', 'cat'] },
      { kind: 'reminder', at: HOUR, to: ['ann', 'bob', 'cat'] },
      { kind: 'reminder', at: 2 * HOUR, to: ['bob', 'cat'] },
      { kind: 'reminder', at: 3 * HOUR, to: ['bob', 'cat'] },
    ]);
    expect(r.state.nodes.a).toMatchObject({ handle: 'timed_out', endedAt: START + 4 * HOUR });
    // The inbox mirror follows each reminder and the close.
    expect(r.calls.filter((c) => c.name === 'syncApprovalTask')).toHaveLength(1 + 3 + 1);
  });

  it('stops reminding once decided', async () => {
    const r = await sim(approvalFlow({ approvers: three, remindEvery: '1h', due: '4h' }), {
      taskInputs: [vote(150 * MIN, approve('bob'))],
    });
    expect(detail(r).reminders.map((x) => x.at)).toEqual([iso(HOUR), iso(2 * HOUR)]);
    expect(r.state.nodes.a).toMatchObject({ handle: 'approved', endedAt: START + 150 * MIN });
    expect(r.virtualMs).toBeLessThanOrEqual(4 * HOUR);
  });

  it('sends no reminder when the interval is not shorter than the due time', async () => {
    const r = await sim(approvalFlow({ approvers: three, remindEvery: '4h', due: '4h' }));
    expect(detail(r).reminders).toEqual([]);
    expect(notices(r).map((n) => n.kind)).toEqual(['opened']);
  });
});

describe('approval: timeouts', () => {
  it('onTimeout branch: takes timed_out at the due time', async () => {
    const r = await sim(approvalFlow({ approvers: three, onTimeout: 'branch', due: '2d' }));
    expect(r.state.nodes.a).toMatchObject({ handle: 'timed_out', endedAt: START + 48 * HOUR, output: { status: 'timed_out', votes: [] } });
    expect(r.state.nodes.a!.output).not.toHaveProperty('autoDecided');
    expect(hooks(r)).toEqual(['late']);
    expect(r.state.nodes.go!.status).toBe('skipped');
  });

  it('auto_approve: approved with output.autoDecided', async () => {
    const r = await sim(approvalFlow({ approvers: three, onTimeout: 'auto_approve' }));
    expect(r.state.nodes.a).toMatchObject({
      handle: 'approved',
      endedAt: START + 4 * HOUR,
      output: { status: 'approved', autoDecided: true, approvers: [] },
    });
    expect(detail(r)).toMatchObject({ status: 'approved', autoDecided: true, closedAt: iso(4 * HOUR) });
    expect(hooks(r)).toEqual(['go']);
  });

  it('auto_reject: rejected with output.autoDecided', async () => {
    const r = await sim(approvalFlow({ approvers: three, onTimeout: 'auto_reject' }));
    expect(r.state.nodes.a).toMatchObject({ handle: 'rejected', output: { status: 'rejected', autoDecided: true } });
    expect(hooks(r)).toEqual(['stop']);
  });

  it('a vote before due wins over auto_approve', async () => {
    const r = await sim(approvalFlow({ approvers: three, onTimeout: 'auto_approve' }), {
      taskInputs: [vote(3 * HOUR, reject('ann', 'no'))],
    });
    expect(r.state.nodes.a!.handle).toBe('rejected');
    expect(r.state.nodes.a!.output).not.toHaveProperty('autoDecided');
  });

  const escalating = (extra: Record<string, unknown> = {}) =>
    approvalFlow({
      approvers: [user('ann')],
      onTimeout: 'escalate',
      escalateTo: [{ kind: 'department_head', department: 'campaign' }],
      ...extra,
    });

  it('escalate: moves to level 2 with the escalateTo approvers, and a level-2 vote decides', async () => {
    const r = await sim(escalating(), { campaign, taskInputs: [vote(4.5 * HOUR, approve('ann')), vote(5 * HOUR, approve('gus'))] });
    const d = detail(r);
    expect(d.level).toBe(2);
    expect(d.eligible.map((p) => p.id)).toEqual(['gus']);
    expect(d.escalations).toEqual([
      { at: iso(4 * HOUR), to: [{ id: 'gus', name: 'Gus', email: 'gus@example.test' }], reason: 'No decision within 4h' },
    ]);
    expect(d.dueAt).toBe(iso(8 * HOUR));
    // Level-1 approvers no longer decide.
    expect(r.taskResults[0]).toMatchObject({ accepted: false, code: 'not_eligible' });
    expect(r.taskResults[1]).toMatchObject({ accepted: true });
    expect(r.state.nodes.a).toMatchObject({
      handle: 'approved',
      endedAt: START + 5 * HOUR,
      output: { approvers: ['Gus'], votes: [{ userId: 'gus', level: 2 }] },
    });
    expect(notices(r)).toEqual([
      { kind: 'opened', at: 0, to: ['ann'] },
      { kind: 'escalated', at: 4 * HOUR, to: ['gus'] },
    ]);
    expect(r.calls.filter((c) => c.name === 'resolveApprovers')[1]!.args).toEqual([
      { refs: [{ kind: 'department_head', department: 'campaign' }], campaignDepartment: 'Marketing' },
    ]);
  });

  it('escalate: a level-2 rejection decides rejected', async () => {
    const r = await sim(escalating(), { campaign, taskInputs: [vote(6 * HOUR, reject('gus', 'Over budget'))] });
    expect(r.state.nodes.a!.handle).toBe('rejected');
  });

  it('escalate: times out after maxEscalations with no decision', async () => {
    const one = await sim(escalating(), { campaign });
    expect(one.state.nodes.a).toMatchObject({ handle: 'timed_out', endedAt: START + 8 * HOUR });
    expect(detail(one).escalations).toHaveLength(1);
    expect(hooks(one)).toEqual(['late']);

    const twice = await sim(
      escalating({ maxEscalations: 2, escalateTo: [{ kind: 'department_head', department: 'campaign' }, user('fay')] }),
      { campaign },
    );
    expect(twice.state.nodes.a).toMatchObject({ handle: 'timed_out', endedAt: START + 12 * HOUR });
    expect(detail(twice).level).toBe(3);
    expect(detail(twice).escalations.map((e) => e.at)).toEqual([iso(4 * HOUR), iso(8 * HOUR)]);
  });

  it('escalate: reminders restart at the new level', async () => {
    const r = await sim(escalating({ remindEvery: '3h' }), { campaign });
    expect(detail(r).reminders).toEqual([
      { at: iso(3 * HOUR), to: ['ann'] },
      { at: iso(7 * HOUR), to: ['gus'] },
    ]);
  });

  it('escalate: times out when the escalation target leaves no one eligible', async () => {
    const r = await sim(escalating(), { campaign, requester: { id: 'gus', name: 'Gus' } });
    expect(detail(r).escalations).toEqual([]);
    expect(r.state.nodes.a).toMatchObject({ handle: 'timed_out', endedAt: START + 4 * HOUR });
  });
});

describe('approval: approver expressions', () => {
  const withFinance = () =>
    approvalFlow({
      approvers: [user('hal'), { kind: 'expression', expression: 'campaign.budget.total > 1000000 ? ["head:Finance"] : []' }],
      mode: 'all',
    });

  it('adds the Finance head when the budget is above the threshold', async () => {
    const r = await sim(withFinance(), {
      campaign: { ...campaign, budget: { total: 2_000_000 } },
      taskInputs: [vote(MIN, approve('hal')), vote(2 * MIN, approve('fay'))],
    });
    expect(r.calls.find((c) => c.name === 'resolveApprovers')!.args).toEqual([
      { refs: [user('hal'), { kind: 'department_head', department: 'Finance' }], campaignDepartment: 'Marketing' },
    ]);
    expect(detail(r).eligible.map((p) => p.id)).toEqual(['hal', 'fay']);
    expect(r.state.nodes.a!.handle).toBe('approved');
  });

  it('leaves Finance out below the threshold', async () => {
    const r = await sim(withFinance(), { campaign, taskInputs: [vote(MIN, approve('hal'))] });
    expect(detail(r).eligible.map((p) => p.id)).toEqual(['hal']);
    expect(r.state.nodes.a!.handle).toBe('approved');
  });

  it('accepts a single string and every ref form', async () => {
    const expr = (e: string) => ({ kind: 'expression', expression: e });
    const r = await sim(
      approvalFlow({ approvers: [expr('"user:ann@example.test"'), expr('["role:approver@Brand", "head:" + campaign.department]')] }),
      {
        campaign,
        taskInputs: [vote(MIN, approve('gus'))],
      },
    );
    expect(r.calls.find((c) => c.name === 'resolveApprovers')!.args[0]).toEqual({
      refs: [
        user('ann@example.test'),
        { kind: 'role', role: 'approver', department: 'Brand' },
        { kind: 'department_head', department: 'Marketing' },
      ],
      campaignDepartment: 'Marketing',
    });
    expect(detail(r).eligible.map((p) => p.id)).toEqual(['ann', 'dan', 'eve', 'gus']);
  });

  it.each([
    ['a number', '[1]', '1'],
    ['an unknown prefix', '["team:legal"]', '"team:legal"'],
    ['an unknown role', '["role:superhero"]', '"role:superhero"'],
    ['an empty user', '"user:"', '"user:"'],
    ['a map', '{"user": "ann"}', '{"user":"ann"}'],
  ])('fails with a readable error when the expression gives %s', async (_what, expression, shown) => {
    const r = await sim(approvalFlow({ approvers: [{ kind: 'expression', expression }] }), { campaign });
    expect(r.state.status).toBe('failed');
    expect(r.state.nodes.a!.error).toBe(`People expression "${expression}" gave ${shown}; expected "user:…", "role:…" or "head:…"`);
    expect(r.calls.filter((c) => c.name === 'resolveApprovers')).toEqual([]);
  });

  it('fails with the CEL error when the expression reads a missing field', async () => {
    const r = await sim(approvalFlow({ approvers: [{ kind: 'expression', expression: 'campaign.owner.email' }] }), { campaign });
    expect(r.state.status).toBe('failed');
    expect(r.state.nodes.a!.error).toMatch(/^Expression "campaign.owner.email" failed: /);
  });

  it('fails with "No one is eligible" when the expressions give nobody at all', async () => {
    const r = await sim(approvalFlow({ approvers: [{ kind: 'expression', expression: '[]' }] }), { campaign });
    expect(r.state.nodes.a).toMatchObject({ status: 'failed', error: 'No one is eligible to approve' });
  });
});

describe('approval: validator', () => {
  const at = (config: Record<string, unknown>) => issuesOf(validateFlow(flow([trigger(), approvalNode('a', config)], [edge('t', 'a')])));

  it('quorum mode without a quorum', () => {
    expect(at({ approvers: three, mode: 'quorum' })).toContainEqual(
      expect.objectContaining({
        path: ['nodes', 1, 'config', 'quorum'],
        code: 'config',
        nodeId: 'a',
        message: 'A quorum needs a count or a percent',
      }),
    );
  });

  it('a quorum with both or neither of count and percent', () => {
    for (const quorum of [{ count: 2, percent: 50 }, {}]) {
      expect(at({ approvers: three, mode: 'quorum', quorum })).toContainEqual(
        expect.objectContaining({ path: ['nodes', 1, 'config', 'quorum'], message: 'Give either a count or a percent' }),
      );
    }
  });

  it('escalate without escalateTo', () => {
    expect(at({ approvers: three, onTimeout: 'escalate' })).toContainEqual(
      expect.objectContaining({ path: ['nodes', 1, 'config', 'escalateTo'], code: 'config', message: 'Say whom to escalate to' }),
    );
  });

  it('empty approvers', () => {
    expect(at({ approvers: [] })).toContainEqual(
      expect.objectContaining({ path: ['nodes', 1, 'config', 'approvers'], code: 'config', message: 'Name at least one approver' }),
    );
    expect(at({})).toContainEqual(expect.objectContaining({ path: ['nodes', 1, 'config', 'approvers'], code: 'config' }));
  });

  it('malformed refs, modes and durations', () => {
    expect(at({ approvers: [{ kind: 'role', role: 'king' }] })).toContainEqual(
      expect.objectContaining({ path: ['nodes', 1, 'config', 'approvers', 0, 'role'] }),
    );
    expect(at({ approvers: [{ kind: 'group', group: 'x' }] })[0]!.path.slice(0, 5)).toEqual(['nodes', 1, 'config', 'approvers', 0]);
    expect(at({ approvers: three, mode: 'majority' })).toContainEqual(expect.objectContaining({ path: ['nodes', 1, 'config', 'mode'] }));
    expect(at({ approvers: three, due: 'soon' })).toContainEqual(expect.objectContaining({ path: ['nodes', 1, 'config', 'due'] }));
    expect(at({ approvers: three, maxEscalations: 0 })).toContainEqual(
      expect.objectContaining({ path: ['nodes', 1, 'config', 'maxEscalations'] }),
    );
  });

  it('bad CEL in an approver or escalation expression, with its path', () => {
    const issues = at({
      approvers: [user('ann'), { kind: 'expression', expression: 'campaign.budget.total >' }],
      onTimeout: 'escalate',
      escalateTo: [{ kind: 'expression', expression: '["head:" +' }],
    });
    expect(issues).toEqual([
      expect.objectContaining({
        path: ['nodes', 1, 'config', 'approvers', 1, 'expression'],
        code: 'expression',
        nodeId: 'a',
        message: expect.stringMatching(/^Expression "campaign.budget.total >" does not parse/),
      }),
      expect.objectContaining({ path: ['nodes', 1, 'config', 'escalateTo', 0, 'expression'], code: 'expression' }),
    ]);
  });

  it('accepts a good config and names the approval handles', () => {
    const ok = validateFlow(
      approvalFlow({
        approvers: [{ kind: 'expression', expression: 'campaign.budget.total > 1000000 ? ["head:Finance"] : []' }],
        mode: 'quorum',
        quorum: { percent: 60 },
      }),
    );
    expect(ok.ok).toBe(true);
    const bad = issuesOf(
      validateFlow(flow([trigger(), approvalNode('a', { approvers: three }), webhook('w')], [edge('t', 'a'), edge('a', 'w', 'next')])),
    );
    expect(bad).toContainEqual(
      expect.objectContaining({ code: 'unknown_handle', message: 'Node "a" has no "next" handle (it has: approved, rejected, timed_out)' }),
    );
  });
});

describe('approval: the Update contract on the interpreter', () => {
  it('validateTaskInput refuses or passes without changing anything; submitTask applies', async () => {
    let now = START;
    const waiters: (() => void)[] = [];
    const ports: RuntimePorts = {
      now: () => now,
      sleep: () => new Promise(() => {}),
      waitForNotice: () => new Promise(() => {}),
      noticeCount: () => 0,
      runChildFlow: () => new Promise(() => {}),
      waitUntil: (predicate) =>
        new Promise((resolve) => {
          const check = () => (predicate() ? resolve(true) : waiters.push(check));
          check();
        }),
      // This hand-made port fakes only the resolver; every other activity answers nothing.
      callActivity: async (name, args) =>
        (name === 'resolveApprovers' ? approvalActivities().resolveApprovers(args as [ResolvePeopleRequest]) : undefined) as never,
    };
    const checked = validateFlow(approvalFlow({ approvers: three, mode: 'any' }));
    if (!checked.ok) throw new Error('invalid');
    const interpreter = new FlowInterpreter(
      checked.flow,
      { runId: 'r1', flowId: 'f1', versionId: 'v1', version: 1, input: {}, requester: { id: 'cat', name: 'Cat' } },
      ports,
      getNodeType,
    );
    const running = interpreter.run();
    for (let i = 0; i < 10 && !interpreter.openTasks().length; i++) await new Promise((r) => setTimeout(r, 0));
    const [task] = interpreter.openTasks();
    expect(task).toEqual({ id: 'r1/a/1', nodeId: 'a' });

    expect(() => interpreter.validateTaskInput('nope', approve('ann'))).toThrow(expect.objectContaining({ code: 'closed' }));
    expect(() => interpreter.validateTaskInput(task!.id, approve('cat'))).toThrow(expect.objectContaining({ code: 'not_eligible' }));
    interpreter.validateTaskInput(task!.id, approve('ann'));
    expect((interpreter.state.nodes.a!.detail as unknown as ApprovalTaskView).votes).toEqual([]);

    now += MIN;
    const view = interpreter.submitTask(task!.id, approve('ann')) as ApprovalTaskView;
    expect(view).toMatchObject({
      status: 'approved',
      votes: [{ userId: 'ann', at: iso(MIN) }],
      taskId: 'r1/a/1',
      runId: 'r1',
      flowId: 'f1',
    });
    expect(() => interpreter.validateTaskInput(task!.id, approve('bob'))).toThrow(
      expect.objectContaining({ code: 'closed', message: 'This approval is already approved' }),
    );
    for (const w of waiters.splice(0)) w();
    const state = await running;
    expect(state.status).toBe('completed');
    expect(state.nodes.a!.handle).toBe('approved');
    expect(interpreter.openTasks()).toEqual([]);
  });
});

describe('approval: determinism', () => {
  it('the same inputs give identical state, calls and task results', async () => {
    const opts: SimulationOptions = {
      campaign,
      requester: { id: 'hal', name: 'Hal' },
      taskInputs: [vote(MIN, approve('hal')), vote(2 * HOUR, approve('ann')), vote(5 * HOUR, reject('gus', 'Too early'))],
    };
    const doc = () =>
      approvalFlow({
        approvers: three,
        mode: 'all',
        remindEvery: '1h',
        onTimeout: 'escalate',
        escalateTo: [{ kind: 'department_head', department: 'campaign' }],
      });
    const a = await sim(doc(), opts);
    const b = await sim(doc(), opts);
    expect(a.state.nodes.a!.handle).toBe('rejected');
    expect(b.state).toEqual(a.state);
    expect(b.calls).toEqual(a.calls);
    expect(b.taskResults).toEqual(a.taskResults);
    expect(JSON.stringify(b.state)).toBe(JSON.stringify(a.state));
  });
});
