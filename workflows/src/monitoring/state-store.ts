import type { MachineState, RulePhase } from './machine.ts';
import { MONITOR_STATE_FORMAT, type Checkpoint, type MonitorState, type RuleState } from './evaluate.ts';

/**
 * The monitor state as the engine stores it after every batch, in a compact form: each machine as a tuple in a fixed
 * order instead of an object with ten named fields. Most of a state is its rules' daily snapshots, a machine per channel
 * each (the 618 watch: 11 rules × 8 snapshots), so the keys were most of what was written on every batch. Numbers are
 * kept exactly; unpacking gives back the state the evaluator returned. A stored state in the evaluator's own form
 * (format 1, rows written before this) is handed on as it is.
 */
export const STORED_STATE_FORMAT = 2;

const PHASES: readonly RulePhase[] = ['ok', 'pending', 'firing'];

/** [phase, since, cleared, streak, lastSeen, carried (1, 0, null), value, threshold, baseline, at] */
type PackedMachine = [number, number | null, number | null, number, number | null, 0 | 1 | null, ...(number | null)[]];
type PackedMachines = Record<string, PackedMachine>;
type PackedCheckpoint = [at: number, machines: PackedMachines];

interface PackedRule {
  fingerprint: string;
  through: number | null;
  origin?: number | null;
  machines: PackedMachines;
  checkpoints: PackedCheckpoint[];
  tail: PackedCheckpoint | null;
  log: RuleState['log'];
}

export interface StoredMonitorState {
  format: typeof STORED_STATE_FORMAT;
  rules: Record<string, PackedRule>;
}

const packMachine = (m: MachineState): PackedMachine => [
  PHASES.indexOf(m.phase),
  m.since,
  m.cleared,
  m.streak,
  m.lastSeen,
  m.carried === null ? null : m.carried ? 1 : 0,
  m.value,
  m.threshold,
  m.baseline,
  m.at,
];

function packMachines(machines: Record<string, MachineState>): PackedMachines {
  const out: PackedMachines = {};
  for (const [key, m] of Object.entries(machines)) out[key] = packMachine(m);
  return out;
}

const packCheckpoint = (c: Checkpoint): PackedCheckpoint => [c.at, packMachines(c.machines)];

export function packMonitorState(state: MonitorState): StoredMonitorState {
  const rules: Record<string, PackedRule> = {};
  for (const [id, r] of Object.entries(state.rules)) {
    rules[id] = {
      fingerprint: r.fingerprint,
      through: r.through,
      ...(r.origin === undefined ? {} : { origin: r.origin }),
      machines: packMachines(r.machines),
      checkpoints: r.checkpoints.map(packCheckpoint),
      tail: r.tail === null ? null : packCheckpoint(r.tail),
      log: r.log,
    };
  }
  return { format: STORED_STATE_FORMAT, rules };
}

const nullableNumber = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** A machine as stored, or undefined when it is not one: its rule then starts again, as any state not understood does. */
function unpackMachine(v: unknown): MachineState | undefined {
  if (!Array.isArray(v) || v.length !== 10 || typeof v[0] !== 'number') return undefined;
  const phase = PHASES[v[0]];
  if (!phase || typeof v[3] !== 'number') return undefined;
  return {
    phase,
    since: nullableNumber(v[1]),
    cleared: nullableNumber(v[2]),
    streak: v[3],
    lastSeen: nullableNumber(v[4]),
    carried: v[5] === null ? null : v[5] === 1,
    value: nullableNumber(v[6]),
    threshold: nullableNumber(v[7]),
    baseline: nullableNumber(v[8]),
    at: nullableNumber(v[9]),
  };
}

function unpackMachines(v: unknown): Record<string, MachineState> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, MachineState> = {};
  for (const [key, packed] of Object.entries(v)) {
    const m = unpackMachine(packed);
    if (!m) return undefined;
    out[key] = m;
  }
  return out;
}

function unpackCheckpoint(v: unknown): Checkpoint | undefined {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'number') return undefined;
  const machines = unpackMachines(v[1]);
  return machines && { at: v[0], machines };
}

function unpackRule(v: unknown): RuleState | undefined {
  const r = v as PackedRule | null;
  if (!r || typeof r !== 'object' || !Array.isArray(r.checkpoints)) return undefined;
  const machines = unpackMachines(r.machines);
  const checkpoints = r.checkpoints.map(unpackCheckpoint);
  const tail = r.tail === null ? null : unpackCheckpoint(r.tail);
  if (!machines || tail === undefined || checkpoints.some((c) => c === undefined)) return undefined;
  // The evaluator checks the rest (fingerprint, times, log) as it checks any state handed back.
  return {
    fingerprint: r.fingerprint,
    through: r.through,
    ...(Object.hasOwn(r, 'origin') ? { origin: r.origin } : {}),
    machines,
    checkpoints: checkpoints as Checkpoint[],
    tail,
    log: r.log,
  };
}

/** A stored state back in the evaluator's form; one in neither form is handed on for the evaluator to refuse (and start over). */
export function unpackMonitorState(stored: unknown): MonitorState | null {
  const s = stored as { format?: unknown; rules?: unknown } | null;
  if (!s || typeof s !== 'object' || s.format !== STORED_STATE_FORMAT) return stored as MonitorState | null;
  const rules: Record<string, RuleState> = {};
  if (s.rules && typeof s.rules === 'object')
    for (const [id, packed] of Object.entries(s.rules)) {
      const rule = unpackRule(packed);
      if (rule) rules[id] = rule;
    }
  return { format: MONITOR_STATE_FORMAT, rules };
}
