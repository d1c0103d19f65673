import { z } from 'zod';
import { lazily } from './lazy.ts';

/** Roles, least privilege first-class: the API grants them per department, and approvals address them. */
export const ROLES = ['admin', 'department_admin', 'designer', 'approver', 'analyst', 'viewer'] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = lazily(() => z.enum(ROLES));

/** What a role may do. The server enforces it per route; the editor only hides buttons that would be refused. */
export const PERMISSIONS = [
  'flows:read',
  'flows:write',
  'flows:publish',
  'runs:read',
  'runs:start',
  'runs:cancel',
  'campaigns:read',
  'campaigns:write',
  'approvals:read',
  'audit:read',
  'people:read',
  'people:manage',
  'connections:read',
  'connections:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ: Permission[] = ['flows:read', 'runs:read', 'campaigns:read'];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: PERMISSIONS,
  department_admin: PERMISSIONS,
  designer: [...READ, 'flows:write', 'flows:publish', 'runs:start', 'runs:cancel', 'campaigns:write', 'connections:read'],
  approver: [...READ, 'approvals:read'],
  analyst: [...READ, 'approvals:read', 'audit:read'],
  viewer: READ,
};

export const CAMPAIGN_STATUSES = [
  'draft',
  'pending_approval',
  'approved',
  'scheduled',
  'live',
  'paused',
  'completed',
  'cancelled',
] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** Which campaign status may follow which. */
export const CAMPAIGN_STATUS_NEXT: Record<CampaignStatus, readonly CampaignStatus[]> = {
  draft: ['pending_approval', 'cancelled'],
  pending_approval: ['approved', 'draft', 'cancelled'],
  approved: ['scheduled', 'live', 'draft', 'cancelled'],
  scheduled: ['live', 'approved', 'cancelled'],
  live: ['paused', 'completed', 'cancelled'],
  paused: ['live', 'completed', 'cancelled'],
  completed: [],
  cancelled: [],
};

/** A person as flows see them: enough to address, never a password or a token. */
export interface Person {
  id: string;
  name: string;
  email: string;
  /** For SMS and chat mentions, when the directory has one. */
  phone?: string | null;
}

/**
 * Who may approve, as a designer writes it. `department: "campaign"` means the run's campaign's
 * department. Expressions return strings in the same vocabulary: "user:<email or id>",
 * "role:<role>" or "role:<role>@<department>", "head:<department>".
 */
export const approverRefSchema = lazily(() =>
  z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('user'), user: z.string().min(1).max(200) }),
    z.strictObject({ kind: z.literal('role'), role: roleSchema(), department: z.string().max(200).optional() }),
    z.strictObject({ kind: z.literal('department_head'), department: z.string().min(1).max(200) }),
    z.strictObject({ kind: z.literal('expression'), expression: z.string().min(1).max(2000).meta({ widget: 'cel' }) }),
  ]),
);
export type ApproverRef = z.infer<ReturnType<typeof approverRefSchema>>;
/** What the resolver activity receives: expressions already evaluated in the workflow. */
export type ConcreteApproverRef = Exclude<ApproverRef, { kind: 'expression' }>;

/** Why these references need the run's campaign ("campaign" stands for its department), or undefined. */
export function refsNeedCampaign(refs: readonly ApproverRef[]): string | undefined {
  const ref = refs.find((r) => (r.kind === 'role' || r.kind === 'department_head') && r.department === 'campaign');
  if (!ref) return undefined;
  return ref.kind === 'role' ? `it asks the ${ref.role}s of the campaign's department` : "it asks the campaign's department head";
}

export function parseApproverString(text: string): ConcreteApproverRef | undefined {
  const [kind, rest] = [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)];
  if (!rest) return undefined;
  if (kind === 'user') return { kind: 'user', user: rest };
  if (kind === 'head') return { kind: 'department_head', department: rest };
  if (kind === 'role') {
    const [role, department] = rest.split('@');
    const parsed = roleSchema().safeParse(role);
    return parsed.success ? { kind: 'role', role: parsed.data, ...(department ? { department } : {}) } : undefined;
  }
  return undefined;
}
