/** Small builders for flow documents in tests. Not a test file itself. */
import type { FlowDocumentInput } from '../src/flow.ts';
import type { ValidationIssue, ValidationResult } from '../src/validator.ts';
import type { SimulatedActivities } from '../src/simulator.ts';

export type NodeInput = FlowDocumentInput['nodes'][number];
export type EdgeInput = FlowDocumentInput['edges'][number];

export const trigger = (id = 't', config: Record<string, unknown> = {}): NodeInput => ({ id, type: 'trigger.manual', config });
export const webhook = (id: string, config: Record<string, unknown> = {}): NodeInput => ({
  id,
  type: 'channel.webhook',
  config: { url: `https://hooks.example.test/${id}`, ...config },
});
export const delay = (id: string, duration = '1h'): NodeInput => ({ id, type: 'control.delay', config: { duration } });
export const condition = (id: string, expression: string): NodeInput => ({ id, type: 'control.condition', config: { expression } });
export const end = (id: string, config: Record<string, unknown> = {}): NodeInput => ({ id, type: 'control.end', config });

/** An edge; the id defaults to "source_handle_target". */
export function edge(source: string, target: string, sourceHandle = 'next', id?: string): EdgeInput {
  return { id: id ?? `${source}_${sourceHandle}_${target}`, source, sourceHandle, target };
}

export function flow(nodes: NodeInput[], edges: EdgeInput[]): FlowDocumentInput {
  return { nodes, edges };
}

/** trigger.manual → channel.webhook → control.end, the smallest useful flow. */
export function minimalFlow(): FlowDocumentInput {
  return flow([trigger('t'), webhook('w'), end('e')], [edge('t', 'w'), edge('w', 'e', 'sent')]);
}

export function issuesOf(result: ValidationResult): ValidationIssue[] {
  if (result.ok) throw new Error(`Expected the flow to be rejected, but it validated`);
  return result.issues;
}

/** Structured copy through JSON, as documents arrive over HTTP. */
export function viaJson<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value));
}

// ---- approvals, splits and joins (used by approval.test.ts and parallel.test.ts) ----

export const approvalNode = (id: string, config: Record<string, unknown>): NodeInput => ({ id, type: 'approval.request', config });
export const split = (id: string, branches: string[] = ['legal', 'brand']): NodeInput => ({
  id,
  type: 'control.parallel',
  config: { branches },
});
export const joinNode = (id: string, config: Record<string, unknown> = { mode: 'all' }): NodeInput => ({
  id,
  type: 'control.join',
  config,
});

export interface DirectoryPerson {
  id: string;
  name: string;
  email: string;
  department: string;
  roles: string[];
  head?: boolean;
}

/** A small fake directory: users by id or e-mail, roles (optionally per department), department heads. */
export const DIRECTORY: DirectoryPerson[] = [
  { id: 'ann', name: 'Ann', email: 'ann@example.test', department: 'Legal', roles: ['approver'] },
  { id: 'bob', name: 'Bob', email: 'bob@example.test', department: 'Legal', roles: ['approver'] },
  { id: 'cat', name: 'Cat', email: 'cat@example.test', department: 'Legal', roles: ['approver'] },
  { id: 'dan', name: 'Dan', email: 'dan@example.test', department: 'Brand', roles: ['approver'] },
  { id: 'eve', name: 'Eve', email: 'eve@example.test', department: 'Brand', roles: ['approver'] },
  { id: 'fay', name: 'Fay', email: 'fay@example.test', department: 'Finance', roles: ['approver'], head: true },
  { id: 'gus', name: 'Gus', email: 'gus@example.test', department: 'Marketing', roles: ['designer'], head: true },
  { id: 'hal', name: 'Hal', email: 'hal@example.test', department: 'Marketing', roles: ['approver'] },
  { id: 'ivy', name: 'Ivy', email: 'ivy@example.test', department: 'Marketing', roles: ['approver'] },
];

type FakeRef =
  { kind: 'user'; user: string } | { kind: 'role'; role: string; department?: string } | { kind: 'department_head'; department: string };

/** Maps concrete approver refs to people, in ref order, each person once. */
export function resolveFromDirectory(refs: FakeRef[], campaignDepartment: string | null, directory: DirectoryPerson[] = DIRECTORY) {
  const dept = (d: string | undefined) => (d === 'campaign' ? (campaignDepartment ?? undefined) : d);
  const out = new Map<string, { id: string; name: string; email: string }>();
  for (const ref of refs) {
    const matches = directory.filter((p) =>
      ref.kind === 'user'
        ? p.id === ref.user || p.email === ref.user
        : ref.kind === 'role'
          ? p.roles.includes(ref.role) && (ref.department === undefined || p.department === dept(ref.department))
          : !!p.head && p.department === dept(ref.department),
    );
    for (const p of matches) if (!out.has(p.id)) out.set(p.id, { id: p.id, name: p.name, email: p.email });
  }
  return [...out.values()];
}

/** The three approval activities, faked over the directory. */
export function approvalActivities(directory: DirectoryPerson[] = DIRECTORY) {
  return {
    resolveApprovers: ([req]) => resolveFromDirectory(req.refs as FakeRef[], req.campaignDepartment, directory),
    syncApprovalTask: () => undefined,
    notifyApprovers: ([req]) => ({ sent: req.to.length }),
  } satisfies SimulatedActivities;
}

export const approve = (userId: string, comment?: string) => ({ userId, decision: 'approve' as const, ...(comment ? { comment } : {}) });
export const reject = (userId: string, comment: string | undefined = 'Not ready') => ({
  userId,
  decision: 'reject' as const,
  ...(comment !== undefined ? { comment } : {}),
});
export const user = (id: string) => ({ kind: 'user' as const, user: id });
