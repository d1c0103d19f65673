import { evaluateExpression } from '../expressions.ts';
import type { ActivityCallOptions, RuntimePorts } from '../interpreter/ports.ts';
import { parseApproverString, type ApproverRef, type ConcreteApproverRef, type Person } from '../people.ts';
import { toRetryPolicy } from './retry.ts';
import type { NodeExpression } from './define.ts';
import type { ActivityName } from '../activities.ts';

/** The directory lookup behind approvers and recipients: users, roles and department heads become people. */
export const RESOLVE_PEOPLE_ACTIVITY = 'resolveApprovers' satisfies ActivityName;

export interface ResolvePeopleRequest {
  refs: ConcreteApproverRef[];
  campaignDepartment: string | null;
}

/** Directory reads: short, safe to repeat. */
export const quickActivity: ActivityCallOptions = {
  startToCloseTimeoutMs: 30_000,
  retry: toRetryPolicy({ maximumAttempts: 10, initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' }),
};

/** The CEL expressions among people references, for the validator. */
export function expressionRefs(refs: ApproverRef[], path: (string | number)[]): NodeExpression[] {
  return refs.flatMap((r, i) =>
    r.kind === 'expression' ? [{ path: [...path, i, 'expression'], source: r.expression, kind: 'cel' as const }] : [],
  );
}

/** Evaluates expression references in the workflow (they read the run's scope) into the directory's vocabulary. */
export function concreteRefs(scope: Record<string, unknown>, refs: ApproverRef[]): ConcreteApproverRef[] {
  return refs.flatMap((r): ConcreteApproverRef[] => {
    if (r.kind !== 'expression') return [r];
    const value = evaluateExpression(r.expression, scope);
    const list = Array.isArray(value) ? value : value === null || value === '' ? [] : [value];
    return list.map((v) => {
      const ref = typeof v === 'string' ? parseApproverString(v) : undefined;
      if (!ref) throw new Error(`People expression "${r.expression}" gave ${JSON.stringify(v)}; expected "user:…", "role:…" or "head:…"`);
      return ref;
    });
  });
}

/** Asks the directory once for everyone the references name. Someone named twice (as a user and through a role) comes back once. */
export async function resolvePeople(ports: RuntimePorts, scope: Record<string, unknown>, refs: ApproverRef[]): Promise<Person[]> {
  const concrete = concreteRefs(scope, refs);
  if (!concrete.length) return [];
  const campaign = scope.campaign as { department?: string } | null;
  const people = await ports.callActivity(
    RESOLVE_PEOPLE_ACTIVITY,
    [{ refs: concrete, campaignDepartment: campaign?.department ?? null } satisfies ResolvePeopleRequest],
    quickActivity,
  );
  return people.filter((p, i) => people.findIndex((q) => q.id === p.id) === i);
}
