/**
 * One rule's state for one channel (or the campaign), as Prometheus and Grafana keep it: ok;
 * pending from the first evaluation the condition holds until it has held for `for`; firing
 * until the condition has stopped holding for `keepFiringFor`. Times are event times (the
 * buckets' own starts, epoch ms), never the clock.
 *
 * A bucket is judged when it is complete, so its judgement plays Prometheus' evaluation at the
 * bucket's end: `for: 3h` on hourly buckets fires on the fourth bad bucket in a row (3 hours after
 * the first was judged), and `keepFiringFor: 2h` resolves on the third clear one. A lull of two
 * clear hours inside a crisis thus keeps one alert, which is what the template counts on.
 */

export type RulePhase = 'ok' | 'pending' | 'firing';

export interface MachineState {
  phase: RulePhase;
  /** When the current pending or firing phase began. */
  since: number | null;
  /** While firing: the first evaluation since which the condition no longer holds (keepFiringFor runs from it). */
  cleared: number | null;
  /** Sustained over evaluations: how many in a row held, up to the count. */
  streak: number;
  /** No data: the last bucket with data (null until the channel is expected). */
  lastSeen: number | null;
  /** Sustained over days: the last complete day's verdict, which holds until the next day completes. */
  carried: boolean | null;
  value: number | null;
  threshold: number | null;
  baseline: number | null;
  /** The last evaluation that had a value. */
  at: number | null;
}

export interface Judgement {
  /** Whether the condition holds; null when there is no value to judge (the evaluation is skipped). */
  holds: boolean | null;
  value: number | null;
  threshold: number | null;
  baseline?: number | null;
}

export interface PhaseChange {
  from: RulePhase;
  to: RulePhase;
}

export function freshMachine(lastSeen: number | null = null): MachineState {
  return {
    phase: 'ok',
    since: null,
    cleared: null,
    streak: 0,
    lastSeen,
    carried: null,
    value: null,
    threshold: null,
    baseline: null,
    at: null,
  };
}

/**
 * Machines are keyed by channel name, which the data chooses: a map without a prototype, so a
 * channel called "__proto__" or "constructor" is a channel like any other.
 */
export function machineMap(): Record<string, MachineState> {
  return Object.create(null) as Record<string, MachineState>;
}

/** Machines hold only primitives, so a spread is a full copy. */
export function copyMachines(machines: Readonly<Record<string, MachineState>>): Record<string, MachineState> {
  const out = machineMap();
  for (const key of Object.keys(machines)) out[key] = { ...machines[key]! };
  return out;
}

/**
 * Applies one evaluation at bucket `at`. An evaluation without a value changes nothing: a gap in
 * the data neither fires, nor resolves, nor counts toward a pending period's evaluations.
 */
export function step(m: MachineState, at: number, j: Judgement, forMs: number, keepFiringMs: number): PhaseChange | undefined {
  if (j.holds === null) return undefined;
  m.value = j.value;
  m.threshold = j.threshold;
  m.baseline = j.baseline ?? null;
  m.at = at;
  const from = m.phase;
  if (m.phase === 'firing') {
    if (j.holds) m.cleared = null;
    else {
      m.cleared ??= at;
      if (at - m.cleared >= keepFiringMs) enter(m, 'ok', null);
    }
  } else if (j.holds) {
    if (m.phase === 'ok') enter(m, forMs > 0 ? 'pending' : 'firing', at);
    else if (at - m.since! >= forMs) enter(m, 'firing', at);
  } else if (m.phase === 'pending') enter(m, 'ok', null);
  return m.phase === from ? undefined : { from, to: m.phase };
}

function enter(m: MachineState, phase: RulePhase, since: number | null): void {
  m.phase = phase;
  m.since = since;
  m.cleared = null;
}

/**
 * When this machine would change by itself, if every evaluation from now on judged as the last
 * one did: a pending period ending, a keep-firing period ending. The bucket at which it happens.
 */
export function selfChangeAt(m: MachineState, every: number, forMs: number, keepFiringMs: number): number | undefined {
  const ceil = (from: number, ms: number) => from + Math.ceil(ms / every) * every;
  if (m.phase === 'pending' && m.since !== null) return ceil(m.since, forMs);
  if (m.phase === 'firing' && m.cleared !== null) return ceil(m.cleared, keepFiringMs);
  return undefined;
}
