import { z } from 'zod';
import { CAMPAIGN_STATUSES, instantSchema, timeZoneSchema } from '@flightdeck/workflows';
import { timestamp } from './common.ts';
import { problemWords, schemaMessage, type ProblemKey, type ProblemParams } from '@flightdeck/workflows';

const goalSchema = z.looseObject({
  kpi: z.string().min(1).max(64),
  target: z.number().finite(),
  unit: z.string().max(16),
  direction: z.enum(['min', 'max']).optional().meta({ description: '"max" means lower is better (CPA)' }),
});
const budgetLineSchema = z.looseObject({
  channel: z.string().min(1).max(64),
  phase: z.string().max(32).optional(),
  amount: z.number().nonnegative(),
});
const budgetSchema = z.strictObject({
  total: z.number().nonnegative(),
  currency: z.string().length(3).default('CNY'),
  contingencyRatio: z.number().min(0).max(0.5).default(0.1),
  lines: z.array(budgetLineSchema).max(100).default([]),
});
/** A message made per parse: its key rides in the issue's params, where zodWords finds it. */
const named = (key: ProblemKey, params: ProblemParams) => ({ message: problemWords(key, params).message, params: { key, ...params } });
const phaseSchema = z.strictObject({ name: z.string().min(1).max(32), startsAt: instantSchema(), endsAt: instantSchema() });
// Times with different offsets do not compare as strings.
const phasesSchema = z
  .array(phaseSchema)
  .max(10)
  .superRefine((phases, ctx) => {
    phases.forEach((p, i) => {
      if (Date.parse(p.startsAt) >= Date.parse(p.endsAt))
        ctx.addIssue({ code: 'custom', ...named('phase_ends_first', { name: p.name }), path: [i, 'endsAt'] });
      if (phases.findIndex((q) => q.name === p.name) !== i)
        ctx.addIssue({ code: 'custom', ...named('phase_twice', { name: p.name }), path: [i, 'name'] });
    });
  });
const channelsSchema = z.array(z.looseObject({ name: z.string().min(1).max(64) })).max(50);

export const campaignPhasesBodySchema = z.strictObject({ phases: phasesSchema });

export const campaignBodySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    departmentId: z.uuid().nullable().optional(),
    ownerId: z.uuid().nullable().optional(),
    timezone: timeZoneSchema().default('Asia/Shanghai'),
    goals: z.array(goalSchema).max(30).default([]),
    budget: budgetSchema.default({ total: 0, currency: 'CNY', contingencyRatio: 0.1, lines: [] }),
    phases: phasesSchema.default([]),
    channels: channelsSchema.default([]),
  })
  .refine((c) => c.budget.lines.reduce((a, l) => a + l.amount, 0) <= c.budget.total, {
    message: schemaMessage('budget_over'),
    path: ['budget', 'lines'],
  });
export type CampaignBody = z.output<typeof campaignBodySchema>;

export const campaignStatusBody = z.strictObject({ status: z.enum(CAMPAIGN_STATUSES) });

/** The scenario files' shape (snake_case, department by name), accepted as they are. */
export const scenarioSchema = z.looseObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,80}$/),
  name: z.string().min(1).max(200),
  department: z.string().min(1).max(100),
  goals: z.array(goalSchema),
  budget: z.looseObject({
    total: z.number(),
    currency: z.string().length(3).default('CNY'),
    contingency_ratio: z.number().min(0).max(0.5).default(0.1),
    lines: z.array(budgetLineSchema).default([]),
  }),
  phases: z.array(z.looseObject({ name: z.string(), starts_at: z.string(), ends_at: z.string() })),
  channels: z.array(z.looseObject({ name: z.string() })).default([]),
  timezone: timeZoneSchema().optional(),
});

/** A campaign as the API shows it: what was saved (checked by the body schema), with its department's name. */
export const campaignSchema = z
  .object({
    id: z.uuid(),
    slug: z.string().nullable().meta({ description: "The scenario file's id, for campaigns imported from one" }),
    name: z.string(),
    ownerId: z.uuid().nullable(),
    departmentId: z.uuid().nullable(),
    department: z.string().nullable(),
    status: z.enum(CAMPAIGN_STATUSES),
    timezone: z.string(),
    goals: z.array(goalSchema),
    budget: budgetSchema,
    phases: z.array(phaseSchema),
    channels: channelsSchema,
    extra: z.record(z.string(), z.unknown()).meta({ description: "A scenario file's other fields, kept as they were" }),
    launchedAt: timestamp.nullable().meta({ description: 'When it first went live (a launch node)' }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Campaign' });

/** After a change of dates: how many waiting runs were told, so their waits follow. */
export const campaignUpdatedSchema = campaignSchema.extend({ notifiedRuns: z.number().int() }).meta({ id: 'CampaignUpdated' });
