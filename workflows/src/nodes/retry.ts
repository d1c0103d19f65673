import { z } from 'zod';
import { lazily } from '../lazy.ts';
import { durationMs, durationSchema } from '../duration.ts';
import type { RetryPolicy } from '../interpreter/ports.ts';

/** The retry policy every activity-backed node carries; Temporal applies it, the node sees only the final outcome. */
export const retrySchema = lazily(() =>
  z
    .strictObject({
      maximumAttempts: z.number().int().min(1).max(50).default(3),
      initialInterval: durationSchema().default('1s'),
      backoffCoefficient: z.number().min(1).max(10).default(2),
      maximumInterval: durationSchema().default('1m'),
    })
    .meta({ title: 'Retry policy' }),
);

export type RetryConfig = z.output<ReturnType<typeof retrySchema>>;

export const DEFAULT_RETRY: RetryConfig = { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' };

export function toRetryPolicy(config: RetryConfig | undefined): RetryPolicy {
  const c = config ?? DEFAULT_RETRY;
  return {
    maximumAttempts: c.maximumAttempts,
    initialIntervalMs: durationMs(c.initialInterval),
    backoffCoefficient: c.backoffCoefficient,
    maximumIntervalMs: durationMs(c.maximumInterval),
  };
}
