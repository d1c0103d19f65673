import { z } from 'zod';
import { CAMPAIGN_STATUSES, METRIC_IDS } from '@flightdeck/workflows';
import { schemaMessage } from '@flightdeck/workflows';

/** A figure, or null for "no value" (no metrics, a zero denominator); never NaN. */
const figure = z.number().nullable();
const band = z.enum(['under', 'at_risk', 'on_track', 'over']);

export const PORTFOLIO_SORTS = ['name', 'status', 'department', 'phase', 'attainment', 'roi', 'budgetUse', 'updatedAt'] as const;
export const PORTFOLIO_LIMITS = { q: 200, channel: 64 } as const;

export const portfolioQuerySchema = z
  .strictObject({
    sort: z.enum(PORTFOLIO_SORTS).default('updatedAt'),
    order: z.enum(['asc', 'desc']).default('desc'),
    status: z.enum(CAMPAIGN_STATUSES).optional(),
    department: z.uuid({ message: schemaMessage('department_id') }).optional(),
    channel: z
      .string()
      .min(1)
      .max(PORTFOLIO_LIMITS.channel)
      .optional()
      .meta({ description: 'Campaigns with this channel (in their channels or budget lines)' }),
    q: z
      .string()
      .max(PORTFOLIO_LIMITS.q, { message: `At most ${PORTFOLIO_LIMITS.q} characters` })
      .optional()
      .meta({ description: 'Part of the name, case-insensitive' }),
  })
  .meta({ description: 'A campaign with no value for the sorted figure comes last in either order' });
export type PortfolioQuery = z.output<typeof portfolioQuerySchema>;

const goalSchema = z.object({
  kpi: z.string(),
  metric: z.string().nullable(),
  target: z.number(),
  actual: figure,
  rate: figure.meta({ description: 'actual ÷ target; target ÷ actual for a lower-is-better goal' }),
  status: band.nullable(),
});

export const portfolioRowSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    status: z.enum(CAMPAIGN_STATUSES),
    departmentId: z.uuid().nullable(),
    department: z.string().nullable(),
    channels: z.array(z.string()),
    currency: z.string().nullable(),
    updatedAt: z.string(),
    phase: z.string().nullable().meta({ description: 'The phase running now, by the API clock' }),
    timing: z.enum(['no_phases', 'not_started', 'running', 'between_phases', 'ended']),
    goals: z.array(goalSchema),
    attainment: figure.meta({ description: "Overall: the mean of the goals' rates that have a value" }),
    attainmentStatus: band.nullable(),
    roi: figure.meta({ description: 'revenue ÷ spend' }),
    spent: figure,
    planned: figure.meta({ description: 'The budget total, or the sum of its lines' }),
    budgetUse: figure.meta({ description: 'spent ÷ planned' }),
    hasMetrics: z.boolean(),
  })
  .meta({ id: 'PortfolioRow' });

export const portfolioSchema = z.object({ items: z.array(portfolioRowSchema), total: z.number().int() });
export type Portfolio = z.output<typeof portfolioSchema>;

export const portfolioCsvSchema = z.string().meta({
  description:
    'text/csv: name,department,status,phase,timing,attainment,attainment_status,roi,spent,planned,budget_use,currency,goals; ' +
    'an empty cell is no value; a text cell starting with = + - @ is prefixed with an apostrophe',
});

export const comparisonSchema = z
  .object({
    campaign: z.object({ id: z.uuid(), name: z.string() }),
    comparable: z.array(
      z.object({
        id: z.uuid(),
        name: z.string(),
        status: z.enum(CAMPAIGN_STATUSES),
        sharedChannels: z.array(z.string()),
        sharedKpis: z.array(z.string()),
      }),
    ),
    kpis: z.array(
      z.object({
        metric: z.enum(METRIC_IDS),
        better: z.enum(['higher', 'lower', 'neither']),
        target: figure,
        value: figure,
        others: z.array(z.object({ id: z.uuid(), name: z.string(), value: figure })),
        median: figure.meta({ description: "The median of the past campaigns' values that have one" }),
        rank: z.number().int().nullable().meta({ description: '1 is best; ties share a rank; null without a value or a better direction' }),
        of: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'CampaignComparison' });
export type CampaignComparison = z.output<typeof comparisonSchema>;
