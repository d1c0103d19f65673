import { z } from 'zod';
import { timestamp } from './common.ts';
import { schemaMessage } from '@flightdeck/workflows';

/** Bounds that keep a lesson, and a search over them, cheap: texts are paragraphs, not documents. */
export const LESSON_LIMITS = { text: 4000, short: 64, query: 200, pageSize: 50, pages: 20 } as const;

export const LESSON_OUTCOMES = ['met', 'missed', 'mixed'] as const;
export type LessonOutcome = (typeof LESSON_OUTCOMES)[number];
export const LESSON_LANGS = ['en', 'zh-CN'] as const;

const lessonText = (what: string) =>
  z
    .string()
    .trim()
    .min(1, { message: `Say the ${what}` })
    .max(LESSON_LIMITS.text, { message: `At most ${LESSON_LIMITS.text} characters` });
const shortText = z.string().trim().min(1).max(LESSON_LIMITS.short);

/**
 * One lesson, in the review's form (fact, cause, insight, action) with the KPI, channel and outcome
 * it is about. Shared by the HTTP route and the review node's lesson tasks (LessonService.create).
 * departmentId: by default the campaign's department, else the author's.
 */
export const lessonInputSchema = z.strictObject({
  campaignId: z.uuid().optional(),
  reviewVersion: z.number().int().min(1).max(1_000_000).optional(),
  runId: z.uuid().optional(),
  departmentId: z.uuid().nullable().optional(),
  fact: lessonText('fact: what happened'),
  cause: lessonText('cause: why it happened'),
  insight: lessonText('insight: what it teaches'),
  action: lessonText('action: what to do next time'),
  kpi: shortText.optional(),
  channel: shortText.optional(),
  outcome: z.enum(LESSON_OUTCOMES).optional(),
  lang: z.enum(LESSON_LANGS).optional().meta({ description: 'Detected from the text when left out (any Chinese character: zh-CN)' }),
});
export type LessonInput = z.input<typeof lessonInputSchema>;
export type LessonInputParsed = z.output<typeof lessonInputSchema>;

/** PATCH: any of the texts and tags; null clears a tag. */
export const lessonPatchSchema = z
  .strictObject({
    fact: lessonText('fact').optional(),
    cause: lessonText('cause').optional(),
    insight: lessonText('insight').optional(),
    action: lessonText('action').optional(),
    kpi: shortText.nullable().optional(),
    channel: shortText.nullable().optional(),
    outcome: z.enum(LESSON_OUTCOMES).nullable().optional(),
    lang: z.enum(LESSON_LANGS).optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: schemaMessage('change_one_field') });
export type LessonPatch = z.output<typeof lessonPatchSchema>;

export const lessonSharedBodySchema = z.strictObject({ shared: z.boolean() });

// Years 1970 to 9999: every such time is one PostgreSQL and JS both store and compare alike.
const dateOrInstant = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .refine((v) => Date.parse(v) >= 0 && Date.parse(v) < Date.UTC(9999, 11, 31), { message: schemaMessage('date_range') });

/** GET /api/lessons: every filter optional; without q the newest come first. */
export const lessonQuerySchema = z
  .strictObject({
    q: z
      .string()
      .max(LESSON_LIMITS.query, { message: `At most ${LESSON_LIMITS.query} characters` })
      .optional(),
    department: z.uuid().optional(),
    channel: shortText.optional(),
    kpi: shortText.optional(),
    outcome: z.enum(LESSON_OUTCOMES).optional(),
    campaignId: z.uuid().optional(),
    from: dateOrInstant.optional().meta({ description: 'Created at or after (a date is its first instant, UTC)' }),
    to: dateOrInstant.optional().meta({ description: 'Created before the end of this date, or before this instant' }),
    limit: z.coerce.number().int().min(1).max(LESSON_LIMITS.pageSize).default(20),
    page: z.coerce.number().int().min(1).max(LESSON_LIMITS.pages).default(1),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), { message: schemaMessage('from_after_to'), path: ['from'] });
export type LessonQuery = z.output<typeof lessonQuerySchema>;

export const lessonSchema = z
  .object({
    id: z.uuid(),
    authorId: z.uuid().nullable(),
    author: z.string().nullable(),
    departmentId: z.uuid().nullable(),
    department: z.string().nullable(),
    campaignId: z.uuid().nullable(),
    campaign: z.string().nullable(),
    reviewVersion: z.number().int().nullable(),
    runId: z.uuid().nullable(),
    fact: z.string(),
    cause: z.string(),
    insight: z.string(),
    action: z.string(),
    kpi: z.string().nullable(),
    channel: z.string().nullable(),
    outcome: z.enum(LESSON_OUTCOMES).nullable(),
    lang: z.enum(LESSON_LANGS),
    shared: z.boolean(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Lesson' });
export type LessonView = z.output<typeof lessonSchema>;

/** A text cut into runs, the matched ones marked: the editor renders them as text, never as HTML. */
const highlightedSchema = z.array(z.object({ text: z.string(), match: z.boolean() }));
export const lessonHighlightSchema = z.object({
  fact: highlightedSchema,
  cause: highlightedSchema,
  insight: highlightedSchema,
  action: highlightedSchema,
});
export type LessonHighlight = z.output<typeof lessonHighlightSchema>;

export const lessonHitSchema = lessonSchema.extend({
  rank: z.number().nullable().meta({ description: 'ts_rank of the match (null without q)' }),
  highlight: lessonHighlightSchema,
});

export const lessonSearchSchema = z.object({
  items: z.array(lessonHitSchema),
  page: z.number().int(),
  limit: z.number().int(),
  total: z.number().int().meta({ description: 'Matches in every page (counted up to 1000)' }),
});

export const lessonsRelatedQuerySchema = z
  .strictObject({
    campaignId: z.uuid().optional(),
    channels: z.string().max(1000).optional().meta({ description: 'Comma-separated channel names' }),
    kpis: z.string().max(1000).optional().meta({ description: 'Comma-separated KPI names (goals)' }),
    limit: z.coerce.number().int().min(1).max(20).default(5),
  })
  .refine((q) => q.campaignId || q.channels || q.kpis, { message: schemaMessage('related_needs'), path: ['campaignId'] });

const attainmentSchema = z.object({
  kpi: z.string(),
  target: z.number(),
  actual: z.number().nullable(),
  rate: z.number().nullable(),
  status: z.enum(['under', 'at_risk', 'on_track', 'over']).nullable(),
});
export const comparableCampaignSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  status: z.string(),
  sharedChannels: z.array(z.string()),
  sharedKpis: z.array(z.string()),
  attainment: z
    .array(attainmentSchema)
    .meta({ description: "The review's goal rows over the campaign's stored totals (as the portfolio); empty without metrics" }),
});
export const lessonsRelatedSchema = z.object({
  lessons: z.array(lessonSchema),
  campaigns: z.array(comparableCampaignSchema),
});
export type LessonsRelated = z.output<typeof lessonsRelatedSchema>;
