/**
 * The interpreter's only contact with the outside world. Temporal implements these in the
 * workflow (durable timers, activities); the simulator implements them on a virtual clock.
 */
export interface RetryPolicy {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
}

export interface ActivityCallOptions {
  startToCloseTimeoutMs: number;
  retry: RetryPolicy;
}

export interface RuntimePorts {
  now(): number;
  sleep(ms: number): Promise<void>;
  callActivity<T = unknown>(name: string, args: unknown[], options: ActivityCallOptions): Promise<T>;
}

/** An activity failed for good (retries exhausted or non-retryable). Nodes decide what that means. */
export class ActivityCallError extends Error {
  constructor(
    message: string,
    readonly details: { nonRetryable: boolean; type?: string; attempts?: number; data?: unknown },
  ) {
    super(message);
    this.name = 'ActivityCallError';
  }
}
