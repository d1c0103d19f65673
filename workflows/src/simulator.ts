import type { JsonValue } from './json.ts';
import { validateFlow, type ValidationIssue } from './validator.ts';
import { FlowInterpreter } from './interpreter/interpreter.ts';
import { ActivityCallError, type ActivityCallOptions, type RuntimePorts } from './interpreter/ports.ts';
import type { RunState } from './interpreter/state.ts';

/** A failure a simulated activity throws; `nonRetryable` mirrors Temporal's ApplicationFailure. */
export interface SimulatedFailure {
  message: string;
  nonRetryable?: boolean;
}

export type SimulatedActivity = (args: unknown[], attempt: number, now: number) => unknown | Promise<unknown>;

export interface SimulationOptions {
  input?: JsonValue;
  startAt?: number;
  /** Activity name → fake. Unlisted activities succeed with `{ simulated: true }`. */
  activities?: Record<string, SimulatedActivity>;
  /** Stop the virtual clock after this much simulated time. */
  maxVirtualMs?: number;
}

export interface SimulationResult {
  ok: boolean;
  issues?: ValidationIssue[];
  state?: RunState;
  /** Every activity attempt, in order, with its virtual time. */
  calls: { name: string; args: unknown[]; attempt: number; at: number; outcome: 'ok' | 'error' }[];
  virtualMs: number;
}

/**
 * Runs a flow on a virtual clock with the very interpreter Temporal runs: delays of weeks finish
 * at once, and retries follow the node's policy in virtual time. The editor's dry run and the
 * interpreter's unit tests use it.
 */
export async function simulateFlow(graph: unknown, options: SimulationOptions = {}): Promise<SimulationResult> {
  const checked = validateFlow(graph);
  const calls: SimulationResult['calls'] = [];
  if (!checked.ok) return { ok: false, issues: checked.issues, calls, virtualMs: 0 };

  const start = options.startAt ?? Date.UTC(2026, 5, 1);
  let now = start;
  let seq = 0;
  const timers: { at: number; seq: number; resolve: () => void }[] = [];
  const sleep = (ms: number) => new Promise<void>((resolve) => timers.push({ at: now + Math.max(0, ms), seq: seq++, resolve }));

  const ports: RuntimePorts = {
    now: () => now,
    sleep,
    async callActivity<T>(name: string, args: unknown[], opts: ActivityCallOptions): Promise<T> {
      const fake = options.activities?.[name] ?? (() => ({ simulated: true }));
      let interval = opts.retry.initialIntervalMs;
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await fake(args, attempt, now);
          calls.push({ name, args, attempt, at: now, outcome: 'ok' });
          return result as T;
        } catch (err) {
          calls.push({ name, args, attempt, at: now, outcome: 'error' });
          const failure = err as SimulatedFailure;
          if (failure.nonRetryable || attempt >= opts.retry.maximumAttempts) {
            throw new ActivityCallError(failure.message ?? String(err), { nonRetryable: !!failure.nonRetryable, attempts: attempt });
          }
          await sleep(interval);
          interval = Math.min(interval * opts.retry.backoffCoefficient, opts.retry.maximumIntervalMs);
        }
      }
    },
  };

  const interpreter = new FlowInterpreter(
    checked.flow,
    { runId: 'simulation', flowId: 'simulation', versionId: 'draft', version: 0, input: options.input ?? {} },
    ports,
  );
  let done = false;
  const running = interpreter.run().finally(() => {
    done = true;
  });
  const limit = start + (options.maxVirtualMs ?? 366 * 86_400_000);
  // Let every token run until all are blocked on timers, then jump the clock to the next one.
  while (!done) {
    await new Promise((r) => setTimeout(r, 0));
    if (done) break;
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = timers.shift();
    if (!next || next.at > limit) break;
    now = next.at;
    next.resolve();
  }
  if (!done) {
    return { ok: false, state: interpreter.state, calls, virtualMs: now - start, issues: [{ path: [], code: 'schema', message: 'Simulation stopped: the run is still waiting at the end of the simulated time' }] };
  }
  const state = await running;
  return { ok: true, state, calls, virtualMs: now - start };
}
