import { z } from 'zod';

/** Roles, least privilege first-class: the API grants them per department, and approvals address them. */
export const ROLES = ['admin', 'department_admin', 'designer', 'approver', 'analyst', 'viewer'] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

/** A person as flows see them: enough to address, never a password or a token. */
export interface Person {
  id: string;
  name: string;
  email: string;
}

/**
 * Who may approve, as a designer writes it. `department: "campaign"` means the run's campaign's
 * department. Expressions return strings in the same vocabulary: "user:<email or id>",
 * "role:<role>" or "role:<role>@<department>", "head:<department>".
 */
export const approverRefSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('user'), user: z.string().min(1).max(200) }),
  z.strictObject({ kind: z.literal('role'), role: roleSchema, department: z.string().max(200).optional() }),
  z.strictObject({ kind: z.literal('department_head'), department: z.string().min(1).max(200) }),
  z.strictObject({ kind: z.literal('expression'), expression: z.string().min(1).max(2000).meta({ widget: 'cel' }) }),
]);
export type ApproverRef = z.infer<typeof approverRefSchema>;
/** What the resolver activity receives: expressions already evaluated in the workflow. */
export type ConcreteApproverRef = Exclude<ApproverRef, { kind: 'expression' }>;

export function parseApproverString(text: string): ConcreteApproverRef | undefined {
  const [kind, rest] = [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)];
  if (!rest) return undefined;
  if (kind === 'user') return { kind: 'user', user: rest };
  if (kind === 'head') return { kind: 'department_head', department: rest };
  if (kind === 'role') {
    const [role, department] = rest.split('@');
    const parsed = roleSchema.safeParse(role);
    return parsed.success ? { kind: 'role', role: parsed.data, ...(department ? { department } : {}) } : undefined;
  }
  return undefined;
}
