import { z } from 'zod';
import { INGEST_LIMITS, METRICS_QUERY_ROWS, RAW_METRICS } from '@flightdeck/workflows';
import { schemaMessage } from '@flightdeck/workflows';

/** A campaign by its id or by the slug an import gave it ("s618-new-product-launch"), so a replay script needs no lookup. */
export const campaignRefParam = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_-]+$/, schemaMessage('campaign_ref')),
});

const metricTime = z.string().max(40).meta({ description: 'ISO 8601 with a zone (Z or ±hh:mm), years 2000–2099 (UTC)' });

/**
 * The documented shape of one point. The server checks points itself (workflows/src/metric-points.ts),
 * so that a bad batch is refused whole with every bad row named, JSON or CSV alike.
 */
export const metricPointInputSchema = z.strictObject({
  ts: metricTime,
  channel: z
    .string()
    .min(1)
    .max(INGEST_LIMITS.channelChars)
    .regex(/^[a-z0-9][a-z0-9_-]*$/),
  metric: z.enum(RAW_METRICS).meta({ description: 'A raw metric; case and aliases ("negative") are forgiven, derived KPIs refused' }),
  value: z.number().meta({ description: 'Finite, |value| ≤ 1e15' }),
  dimensions: z
    .record(z.string().max(INGEST_LIMITS.dimensionKeyChars), z.string().max(INGEST_LIMITS.dimensionValueChars))
    .optional()
    .meta({ description: `At most ${INGEST_LIMITS.dimensionKeys} string keys and values` }),
});

export const metricsBatchSchema = z
  .strictObject({ points: z.array(metricPointInputSchema).max(INGEST_LIMITS.points) })
  .meta({ id: 'MetricsBatch' });

export const metricsCsvSchema = z.string().meta({
  description: 'text/csv: a "ts,channel,metric,value" header, then one point a line (the scenario files\' format)',
});

export const ingestResultSchema = z.object({
  accepted: z.number().int().meta({ description: 'Points stored: new ones plus those that replaced a value' }),
  replaced: z.number().int().meta({ description: 'Of those, points that overwrote an earlier value of the same key (last write wins)' }),
  rejected: z.number().int().meta({ description: 'Always 0 on success: a batch with a bad point is refused whole' }),
});

export const metricsQuerySchema = z.strictObject({
  from: metricTime.optional().meta({ description: 'Inclusive start' }),
  to: metricTime.optional().meta({ description: 'Exclusive end' }),
  channel: z.string().min(1).max(INGEST_LIMITS.channelChars).optional(),
  metric: z.string().min(1).max(64).optional(),
  bucket: z.enum(['1h']).optional().meta({ description: 'Sum per hour (UTC hours), channel and metric, across dimensions' }),
});

export const metricPointSchema = z.object({
  ts: z.string(),
  channel: z.string(),
  metric: z.string(),
  value: z.number(),
  /** Absent in an hourly rollup, which sums across dimensions. */
  dimensions: z.record(z.string(), z.string()).optional(),
});

export const metricsAnswerSchema = z.object({
  bucket: z.enum(['1h']).nullable(),
  items: z.array(metricPointSchema),
  truncated: z.boolean().meta({ description: `More than ${METRICS_QUERY_ROWS} rows matched; narrow the window` }),
});
