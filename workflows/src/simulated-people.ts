import type { ConcreteApproverRef, Person } from './people.ts';
import type { ResolvePeopleRequest } from './nodes/resolve-people.ts';

/**
 * A dry run has no directory of people: each reference stands for one made-up person named after it, so approval
 * nodes open, remind and escalate as they would for real, and different levels have different deciders (as
 * separation of duties needs).
 */
export function simulatedPeople(req: ResolvePeopleRequest | undefined): Person[] {
  const seen = new Map<string, Person>();
  const department = (name: string) => (name === 'campaign' ? (req?.campaignDepartment ?? 'campaign') : name);
  for (const ref of req?.refs ?? ([] as ConcreteApproverRef[])) {
    const label =
      ref.kind === 'user'
        ? ref.user
        : ref.kind === 'role'
          ? `role:${ref.role}${ref.department ? `@${department(ref.department)}` : ''}`
          : `head:${department(ref.department)}`;
    const id = `sim:${label}`;
    if (!seen.has(id))
      seen.set(id, {
        id,
        name: label,
        email: label.includes('@') && ref.kind === 'user' ? label : `${label.replace(/[^a-z0-9]+/gi, '.')}@example.invalid`,
      });
  }
  return [...seen.values()];
}
