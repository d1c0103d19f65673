import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { DomainError } from '../services/errors.ts';
import { HttpProblem } from '../api/problem.ts';

/**
 * A service's refusal (a campaign that may not go live, a connection that is gone) is the same
 * answer on every attempt: retrying it only delays the node's failed path by minutes. So domain
 * errors, and the 4xx problems services still throw, leave an activity as non-retryable failures
 * carrying the service's own words. Anything else (a lost database connection, a timeout) stays
 * retryable. 429 is the one 4xx that is worth waiting for.
 */
export function finalFailureOf(err: unknown): ApplicationFailure | undefined {
  if (err instanceof DomainError) return ApplicationFailure.nonRetryable(err.message, err.name, { kind: err.kind, issues: err.issues });
  if (err instanceof HttpProblem && err.status >= 400 && err.status < 500 && err.status !== 429) {
    return ApplicationFailure.nonRetryable(err.detail ?? err.title, err.title.replace(/[^A-Za-z]+/g, '') || 'Refused', {
      status: err.status,
      errors: err.errors ?? [],
    });
  }
  return undefined;
}

export class DomainErrorsAreFinal implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) {
    try {
      return await next(input);
    } catch (err) {
      throw finalFailureOf(err) ?? err;
    }
  }
}
