import { z } from 'zod';
import type { ApprovalTaskView } from '@flightdeck/workflows';
import { timestamp, type Assert, type SameShape } from './common.ts';
import { campaignSchema } from './campaigns.ts';

export const APPROVAL_STATUSES = ['open', 'approved', 'rejected', 'timed_out', 'cancelled'] as const;

export const approvalListQuery = z.strictObject({ status: z.enum(['open', 'closed']).default('open') });
export const approvalTaskParam = z.strictObject({ taskId: z.string().min(1).max(300) });
export const decisionBody = z.strictObject({ decision: z.enum(['approve', 'reject']), comment: z.string().trim().max(2000).optional() });

const person = z.object({ id: z.string(), name: z.string(), email: z.string(), phone: z.string().nullable().optional() });

const voteSchema = z.object({
  userId: z.string(),
  name: z.string(),
  decision: z.enum(['approve', 'reject']),
  comment: z.string().optional(),
  at: timestamp,
  level: z.number().int(),
});

/** The task as the approval workflow keeps it: who may decide, the votes, reminders and escalations so far. */
export const approvalTaskViewSchema = z
  .object({
    taskId: z.string(),
    runId: z.string().meta({ description: 'The workflow id of the run' }),
    flowId: z.string(),
    nodeId: z.string(),
    title: z.string(),
    status: z.enum(APPROVAL_STATUSES),
    mode: z.enum(['any', 'all', 'quorum']),
    needed: z.number().int().meta({ description: 'Approvals needed at the current level' }),
    level: z.number().int(),
    eligible: z.array(person),
    excluded: z.array(z.object({ id: z.string(), name: z.string(), reason: z.string() })),
    votes: z.array(voteSchema),
    reminders: z.array(z.object({ at: timestamp, to: z.array(z.string()) })),
    escalations: z.array(z.object({ at: timestamp, to: z.array(person), reason: z.string() })),
    openedAt: timestamp,
    dueAt: timestamp,
    closedAt: timestamp.optional(),
    closedReason: z.string().optional().meta({ description: 'Why it closed without a decision ("another branch finished first")' }),
    autoDecided: z.boolean().optional(),
    requester: z.object({ id: z.string(), name: z.string(), email: z.string().optional() }).nullable(),
    campaign: z.object({ id: z.string().optional(), name: z.string().optional(), department: z.string().optional() }).nullable(),
    version: z.number().int(),
  })
  .meta({ id: 'ApprovalTask' });
type _TheWorkflowsView = Assert<SameShape<z.output<typeof approvalTaskViewSchema>, ApprovalTaskView>>;

/** One approval task in an inbox, with the campaign it is about and what was decided before it in the same run. */
export const inboxItemSchema = z
  .object({
    taskId: z.string(),
    runId: z.uuid(),
    flowId: z.uuid().nullable(),
    nodeId: z.string(),
    title: z.string(),
    status: z.enum(APPROVAL_STATUSES),
    dueAt: timestamp,
    openedAt: timestamp,
    closedAt: timestamp.nullable(),
    task: approvalTaskViewSchema,
    campaign: campaignSchema.nullable(),
    held: z.array(z.object({ userId: z.string(), name: z.string(), decision: z.enum(['approve', 'reject']), heldAt: timestamp })).meta({
      description:
        'Decisions sent while the run could not take them (no worker): Flightdeck keeps each and sends it again until the run answers',
    }),
    previous: z.array(
      z.object({ title: z.string(), status: z.enum(APPROVAL_STATUSES), votes: z.array(voteSchema), closedAt: timestamp.nullable() }),
    ),
  })
  .meta({ id: 'InboxItem' });
