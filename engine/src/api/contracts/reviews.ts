import { z } from 'zod';
import { REVIEW_FORMAT } from '@flightdeck/workflows';
import { schemaMessage } from '@flightdeck/workflows';

/** A figure, or null for "no value" (a zero denominator, a metric nothing reported); never NaN. */
const figure = z.number().nullable();
const label = z.object({ en: z.string(), 'zh-CN': z.string() });
const status = z.enum(['under', 'at_risk', 'on_track', 'over']);

const kpiSetSchema = z.object({
  totals: z.object({
    impressions: figure,
    clicks: figure,
    conversions: figure,
    spend: figure,
    revenue: figure,
    new_customers: figure,
    negative_mentions: figure,
  }),
  kpis: z.object({ ctr: figure, cvr: figure, cpa: figure, cpm: figure, roi: figure, aov: figure, new_customer_share: figure }),
});

const goalRowSchema = z.object({
  kpi: z.string(),
  metric: z.string().nullable().meta({ description: 'The KPI id the goal names, or null for one the KPI module does not know' }),
  label,
  unit: z.string().nullable(),
  direction: z.enum(['higher_is_better', 'lower_is_better']),
  target: z.number(),
  actual: figure,
  rate: figure.meta({ description: 'actual ÷ target; target ÷ actual for a lower-is-better goal (CPA)' }),
  status: status.nullable(),
  met: z.boolean().nullable(),
  difference: figure.meta({ description: 'actual − target (target − actual when lower is better): positive is good news' }),
});

const budgetLineSchema = z.object({
  channel: z.string(),
  phase: z.string().nullable(),
  planned: z.number(),
  actual: figure.meta({ description: "The channel's spend (within the phase, for a phase's line); null for a phase the campaign lacks" }),
  variance: figure,
  varianceRate: figure,
  burn: figure,
  overspent: z.boolean(),
  overspend: z.number(),
});

const timelineSchema = z.object({
  approvals: z.array(
    z.object({
      taskId: z.string(),
      title: z.string(),
      status: z.string(),
      openedAt: z.string().nullable(),
      closedAt: z.string().nullable(),
      durationMs: figure,
      votes: z.array(
        z.object({ name: z.string(), decision: z.string(), comment: z.string().nullable(), at: z.string().nullable(), afterMs: figure }),
      ),
      escalations: z.array(z.object({ at: z.string().nullable(), reason: z.string() })),
    }),
  ),
  launch: z.object({ at: z.string(), by: z.string().nullable() }).nullable(),
  alerts: z.array(
    z.object({
      id: z.string(),
      ruleId: z.string(),
      channel: z.string().nullable(),
      severity: z.string(),
      firedAt: z.string().nullable(),
      openedAt: z.string().nullable(),
      acknowledgedAt: z.string().nullable(),
      acknowledgedBy: z.string().nullable(),
      ackAfterMs: figure,
      escalations: z.array(z.object({ at: z.string().nullable(), afterMs: figure })),
      refires: z.number().int(),
      resolvedAt: z.string().nullable(),
      resolveAfterMs: figure,
    }),
  ),
  phaseChanges: z.array(
    z.object({
      at: z.string().nullable(),
      actor: z.string().nullable(),
      changes: z.array(
        z.object({
          phase: z.string(),
          startsAt: z.object({ from: z.string().nullable(), to: z.string() }),
          endsAt: z.object({ from: z.string().nullable(), to: z.string() }),
        }),
      ),
    }),
  ),
  events: z.array(
    z.object({
      at: z.string(),
      kind: z.enum([
        'phase_start',
        'phase_end',
        'approval_opened',
        'approval_closed',
        'launch',
        'alert',
        'alert_ack',
        'alert_escalated',
        'phase_change',
      ]),
      text: z.string(),
    }),
  ),
});

const top = z.object({ name: z.string(), revenue: z.number(), share: figure }).nullable();

/** The post-campaign review (复盘) document, as workflows/src/review/compute.ts makes it. */
export const reviewSchema = z
  .object({
    format: z.literal(REVIEW_FORMAT).meta({ description: 'The document format; bumped when a field changes meaning' }),
    campaign: z.object({
      id: z.string().nullable(),
      name: z.string().nullable(),
      timezone: z.string(),
      startsAt: z.string().nullable(),
      endsAt: z.string().nullable(),
    }),
    generatedAt: z.string().nullable(),
    conventions: z.record(z.string(), z.string()).meta({ description: 'How each figure is computed, stated by the document itself' }),
    bands: z.array(z.object({ status, from: z.number().nullable(), to: z.number().nullable(), label })),
    points: z.number().int().meta({ description: 'Hourly figures the review read' }),
    warnings: z.array(z.object({ field: z.string(), message: z.string() })),
    noData: z.boolean().meta({ description: 'No metrics were recorded: the sections are empty, not zero' }),
    summary: z.string().nullable(),
    attainment: z.array(goalRowSchema),
    efficiency: z.object({
      overall: kpiSetSchema,
      channels: z.array(kpiSetSchema.extend({ name: z.string() })),
      phases: z.array(kpiSetSchema.extend({ name: z.string(), startsAt: z.string(), endsAt: z.string() })),
      outsidePhases: kpiSetSchema.nullable(),
    }),
    budget: z
      .object({
        currency: z.string().nullable(),
        total: figure,
        planned: z.number(),
        actual: z.number(),
        variance: figure,
        burn: figure,
        overspent: z.boolean(),
        lines: z.array(budgetLineSchema),
        unplanned: z.array(z.object({ channel: z.string(), actual: z.number() })),
        contingency: z
          .object({ ratio: z.number(), reserve: z.number(), used: z.number(), usedRate: figure, exceededBy: z.number() })
          .nullable(),
      })
      .nullable(),
    highlights: z.object({
      topChannel: top,
      topPhase: top,
      missed: z.array(
        z.object({
          kpi: z.string(),
          metric: z.string().nullable(),
          target: z.number(),
          actual: z.number(),
          by: z.number(),
          rate: z.number(),
        }),
      ),
      overspentLines: z.array(
        z.object({ channel: z.string(), phase: z.string().nullable(), planned: z.number(), actual: z.number(), overspend: z.number() }),
      ),
      topRules: z.array(
        z.object({
          ruleId: z.string(),
          fired: z.number().int(),
          refired: z.number().int(),
          channels: z.array(z.string()),
          severities: z.array(z.string()),
        }),
      ),
    }),
    daily: z.array(z.object({ date: z.string(), spend: figure, revenue: figure, roi: figure })),
    timeline: timelineSchema,
  })
  .meta({ id: 'CampaignReview' });

export const reviewCsvSchema = z.string().meta({
  description: 'text/csv: "section,scope,metric,actual,target,rate,status", one figure a row; an empty cell is no value',
});

/** A stored review version's provenance: who or what computed it, when, from which data. */
export const reviewVersionSchema = z
  .object({
    version: z.number().int().min(1),
    computedAt: z.string(),
    trigger: z.enum(['person', 'flow', 'first_read']).meta({
      description: 'person: POST by someone; flow: the review node; first_read: computed on the first GET, when none was stored',
    }),
    actor: z.string(),
    runId: z.string().nullable().meta({ description: 'The run whose review node stored it' }),
    points: z.number().int().meta({ description: 'Hourly figures it read' }),
    watermark: z.string().nullable().meta({ description: "The latest arrival among the campaign's metric points then; null: none" }),
  })
  .meta({ id: 'ReviewVersion' });

export const storedReviewSchema = reviewSchema.extend({ stored: reviewVersionSchema }).meta({ id: 'StoredCampaignReview' });

export const reviewVersionsSchema = z.object({ versions: z.array(reviewVersionSchema).meta({ description: 'Newest first' }) });

const figureValues = z.object({ actual: figure, target: figure, rate: figure, status: z.string() }).nullable();
export const reviewComparisonSchema = z
  .object({
    from: reviewVersionSchema,
    to: reviewVersionSchema,
    figures: z.number().int().meta({ description: 'Figures compared: the CSV rows of both versions' }),
    changed: z.array(
      z.object({
        section: z.string(),
        scope: z.string(),
        metric: z.string(),
        from: figureValues.meta({ description: 'null: the figure is not in the earlier version' }),
        to: figureValues.meta({ description: 'null: the figure is not in the later version' }),
        delta: figure.meta({ description: 'to.actual − from.actual' }),
      }),
    ),
  })
  .meta({ id: 'ReviewComparison' });

/** A version number as a query value; one that was never stored is a 404 naming `version`. */
const versionNumber = z.coerce.number().int().min(1).max(2_147_483_647);
export const reviewVersionQuery = z.strictObject({ version: versionNumber.optional() });
export const reviewPdfQuery = z.strictObject({
  version: versionNumber.optional(),
  lang: z.enum(['en', 'zh-CN']).optional().meta({ description: "The report's language; by default the caller's" }),
});
export const reviewPdfSchema = z
  .custom<Uint8Array>((v) => v instanceof Uint8Array && String.fromCharCode(...v.subarray(0, 5)) === '%PDF-', schemaMessage('not_pdf'))
  .meta({ type: 'string', format: 'binary', description: 'application/pdf: the review page as printed (A4)' });
export const reviewCompareQuery = z.strictObject({ from: versionNumber, to: versionNumber });
