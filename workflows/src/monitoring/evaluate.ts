import { canonicalJson, contentHash } from '../frozen.ts';
import { parseDuration } from '../duration.ts';
import { METRICS, type MetricUnit } from '../kpi.ts';
import { addLocalDays, bucketStart, DAY_MS, localDayStart } from '../time.ts';
import { campaignFacts, isSaneTime, MonitorInputError, type CampaignFacts, type MonitoredCampaign } from './campaign.ts';
import { Judge, namedGoal, type Scope } from './judge.ts';
import {
  copyMachines,
  freshMachine,
  machineMap,
  selfChangeAt,
  step,
  type Judgement,
  type MachineState,
  type RulePhase,
} from './machine.ts';
import type { MonitorConfig, Rule, RuleCondition, Severity } from './schema.ts';
import type { MetricSeries } from './series.ts';

/**
 * The monitor's evaluator: pure, incremental, in event time. Each rule is judged at every bucket
 * of the campaign's series up to its watermark (the latest bucket any channel reported); a
 * transition's time is the start of the bucket that caused it, so the same points give the same
 * transitions at the same times however they arrive.
 *
 * Late points: a rule keeps snapshots of its machines (one at the first bucket of each UTC day,
 * and one before its last evaluated bucket) for `lateness`. Points that change a bucket already
 * judged rewind the rule to the newest snapshot at or before them and judge again from there;
 * transitions that no longer hold come back as `retracted`, new ones as `transitions`. A point
 * older than the oldest snapshot counts in sums from then on but changes no earlier transition.
 */

export const MONITOR_STATE_FORMAT = 1;

/** A replay never walks more buckets than this in one call (400 days of hours), whatever the timestamps. */
export const MAX_REPLAY_MS = 400 * DAY_MS;

/** Every channel is a machine per rule and a read per bucket: more than this is not one campaign's channels but bad data. */
export const MAX_MONITORED_CHANNELS = 200;

export interface Transition {
  ruleId: string;
  /** The channel, or null for a rule over the whole campaign. */
  channel: string | null;
  from: RulePhase;
  to: RulePhase;
  /** Event time: the start of the bucket whose evaluation made the change (ISO). */
  at: string;
  value: number | null;
  threshold: number | null;
  /** Deviation rules: the baseline the value was compared with. */
  baseline?: number | null;
  severity: Severity;
  /** "ms" for a no-data rule's silence. */
  unit: MetricUnit | 'ms';
}

export interface Checkpoint {
  /** The machines as they were before bucket `at` was evaluated. */
  at: number;
  machines: Record<string, MachineState>;
}

export interface RuleState {
  /** Of the rule's config, cadence and zone: a changed rule starts again. */
  fingerprint: string;
  /** The last bucket evaluated. */
  through: number | null;
  machines: Record<string, MachineState>;
  checkpoints: Checkpoint[];
  tail: Checkpoint | null;
  /** Transitions since the oldest checkpoint: the ones a late point may still retract. */
  log: Transition[];
  /**
   * The bucket judging began at. Without phase dates it is the earliest point seen then, and a
   * point older than it (within lateness) starts the rule again from there. Absent in older states.
   */
  origin?: number | null;
}

/** Per (campaign, monitor): store it as JSON and hand it back on the next call. */
export interface MonitorState {
  format: typeof MONITOR_STATE_FORMAT;
  rules: Record<string, RuleState>;
}

export interface RuleStatus {
  ruleId: string;
  label: string;
  kind: Rule['kind'];
  severity: Severity;
  channel: string | null;
  state: RulePhase;
  since: string | null;
  value: number | null;
  threshold: number | null;
  baseline: number | null;
  unit: MetricUnit | 'ms';
  /** The last evaluation that had a value. */
  at: string | null;
}

export interface MonitorProblem {
  ruleId: string;
  path: (string | number)[];
  message: string;
}

export interface Wake {
  /** The instant a call with `now` at or after it changes something, if nothing else does first. */
  at: string;
  ruleId: string;
  channel: string | null;
  reason: 'pending' | 'keep_firing' | 'no_data';
}

export interface EvaluationResult {
  state: MonitorState;
  /** New transitions, in event-time order. */
  transitions: Transition[];
  /** Transitions reported before that late points have undone. */
  retracted: Transition[];
  statuses: RuleStatus[];
  watermark: string | null;
  /** The earliest wake: set one durable timer for it and call again with `now`. */
  nextWake: Wake | null;
  problems: MonitorProblem[];
}

export interface EvaluateInput {
  series: MetricSeries;
  /** The earliest event time among the points added or replaced since the last call; absent: new buckets only. */
  changedFrom?: string | number;
  /** The wall clock, when live: no-data rules also judge silence up to the last bucket complete by then. */
  now?: string | number;
}

const toMs = (t: string | number | undefined): number | undefined => {
  if (t === undefined) return undefined;
  const ms = typeof t === 'number' ? t : Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
};
/** An input time: absent, or a time the zone arithmetic can handle (refused by name otherwise). */
function saneMs(field: string, t: string | number | undefined): number | undefined {
  if (t === undefined) return undefined;
  const ms = toMs(t);
  if (ms === undefined || !isSaneTime(ms)) throw new MonitorInputError(`${field}: "${String(t)}" is not a time between 2000 and 2099`);
  return ms;
}
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const durationOf = (text: string) => parseDuration(text) ?? 0;

interface Prepared {
  rule: Rule;
  index: number;
  forMs: number;
  keepMs: number;
  unit: MetricUnit | 'ms';
  fingerprint: string;
}

const fingerprints = new WeakMap<Rule, Map<string, string>>();
function fingerprintOf(rule: Rule, every: number, timeZone: string): string {
  let byContext = fingerprints.get(rule);
  if (!byContext) fingerprints.set(rule, (byContext = new Map()));
  const key = `${every}|${timeZone}`;
  let fp = byContext.get(key);
  if (!fp) byContext.set(key, (fp = contentHash({ rule, every, timeZone }).slice(0, 16)));
  return fp;
}

function unitOf(rule: Rule): MetricUnit | 'ms' {
  if (rule.kind === 'no_data') return 'ms';
  if (rule.kind === 'budget') return 'ratio';
  return METRICS[rule.kind === 'sustained' ? rule.condition.metric : rule.metric].unit;
}

class Evaluation {
  readonly every: number;
  readonly lateness: number;
  readonly facts: CampaignFacts;
  readonly judge: Judge;
  readonly watermark: number | undefined;
  readonly changedFrom: number | undefined;
  readonly now: number | undefined;
  readonly campaignStart: number | null;

  constructor(
    readonly monitor: MonitorConfig,
    campaign: MonitoredCampaign,
    readonly series: MetricSeries,
    input: EvaluateInput,
  ) {
    this.every = durationOf(monitor.every);
    if (series.every !== this.every)
      throw new MonitorInputError(`The series has buckets of ${series.every} ms; the monitor evaluates every ${monitor.every}`);
    this.lateness = durationOf(monitor.lateness);
    this.facts = campaignFacts(campaign);
    this.judge = new Judge(series, this.facts);
    this.watermark = series.latest();
    const first = series.earliest();
    for (const [field, t] of [
      ['series.latest()', this.watermark],
      ['series.earliest()', first],
    ] as const)
      if (t !== undefined && !isSaneTime(t)) throw new MonitorInputError(`${field}: ${t} is not a time between 2000 and 2099`);
    const changed = saneMs('changedFrom', input.changedFrom);
    this.changedFrom = changed === undefined ? undefined : this.bucket(changed);
    this.now = saneMs('now', input.now);
    this.campaignStart = this.facts.start === null ? null : this.bucket(this.facts.start);
  }

  bucket(ms: number): number {
    return bucketStart(ms, this.every, this.facts.timeZone);
  }

  prepare(rule: Rule, index: number): Prepared {
    return {
      rule,
      index,
      forMs: durationOf(rule.for),
      keepMs: durationOf(rule.keepFiringFor),
      unit: unitOf(rule),
      fingerprint: fingerprintOf(rule, this.every, this.facts.timeZone),
    };
  }

  /** The last bucket this rule should judge: the watermark, and for no-data rules the clock's last complete bucket. */
  headFor(rule: Rule): number | undefined {
    let head = this.watermark;
    if (rule.kind === 'no_data' && this.now !== undefined) {
      let clock = this.bucket(this.now - this.every);
      if (this.facts.end !== null) clock = Math.min(clock, this.bucket(this.facts.end - 1));
      if (this.campaignStart === null || clock >= this.campaignStart) head = Math.max(head ?? clock, clock);
    }
    return head;
  }

  scopes(rule: Rule, known: readonly string[]): Scope[] {
    const chosen = rule.channels.length ? rule.channels : [...new Set([...this.facts.declared, ...this.series.channels()])].sort();
    if (chosen.length > MAX_MONITORED_CHANNELS)
      throw new MonitorInputError(`The series has ${chosen.length} channels; a monitor judges at most ${MAX_MONITORED_CHANNELS}`);
    if (rule.per === 'campaign') {
      const budget = rule.channels.length ? sumLines(this.facts, rule.channels) : this.facts.total;
      return [{ key: '*', channels: chosen, budget }];
    }
    const keys = rule.channels.length ? chosen : [...new Set([...chosen, ...known.filter((k) => k !== '*')])].sort();
    if (keys.length > MAX_MONITORED_CHANNELS)
      throw new MonitorInputError(`The series has ${keys.length} channels; a monitor judges at most ${MAX_MONITORED_CHANNELS}`);
    return keys.map((c) => ({ key: c, channels: [c], budget: this.facts.lines.get(c) ?? null }));
  }

  /** Where a rule's replay starts, and from which machines. */
  replayStart(
    p: Prepared,
    prior: RuleState | undefined,
    head: number,
  ): { start: number; machines: Record<string, MachineState>; fresh: boolean; origin: number | null } {
    const point = replayPoint(
      prior,
      p.fingerprint,
      this.changedFrom,
      this.every,
      this.campaignStart ?? this.bucket(this.series.earliest() ?? head),
      this.campaignStart === null ? head - this.lateness : null,
    );
    const anew = point.from === 'fresh' || point.from === 'restart';
    const machines = anew ? machineMap() : copyMachines(point.from === 'current' ? prior!.machines : (point.from as Checkpoint).machines);
    // Whatever the timestamps say, one call walks a bounded number of buckets.
    const start = Math.max(point.start, this.bucket(head - MAX_REPLAY_MS));
    return { start, machines, fresh: point.from === 'fresh', origin: anew ? start : (prior?.origin ?? null) };
  }

  newMachine(rule: Rule, scope: Scope, start: number): MachineState {
    if (rule.kind !== 'no_data') return freshMachine();
    const after = durationOf(rule.after);
    for (let t = start - this.every; t >= start - after; t -= this.every) {
      if (this.judge.hasData(scope.channels, t, rule.metric, rule.zeroIsData)) return freshMachine(t);
    }
    const expected = scope.key === '*' || rule.channels.includes(scope.key) || this.facts.declared.includes(scope.key);
    if (!expected) return freshMachine(null);
    // Silent since the campaign began, or for longer than we look back.
    const origin = this.campaignStart ?? start;
    return freshMachine(Math.max(origin - this.every, start - this.every - Math.floor(after / this.every) * this.every));
  }

  judgeAt(p: Prepared, scope: Scope, m: MachineState, b: number): Judgement {
    const rule = p.rule;
    switch (rule.kind) {
      case 'threshold':
      case 'target':
      case 'deviation':
        return this.judge.atBucket(rule, scope, b);
      case 'sustained':
        return rule.unit === 'days'
          ? this.sustainedDays(rule.condition, rule.count, scope, m, b)
          : this.sustainedEvaluations(rule.condition, rule.count, scope, m, b);
      case 'budget': {
        const burn = this.burn(this.judge.spendBefore(scope.channels, b + this.every), scope.budget, b, rule.basis);
        return { holds: burn === null ? null : burn >= rule.share, value: burn, threshold: rule.share };
      }
      case 'no_data': {
        if (this.judge.hasData(scope.channels, b, rule.metric, rule.zeroIsData)) m.lastSeen = b;
        if (m.lastSeen === null) return { holds: null, value: null, threshold: null };
        const after = durationOf(rule.after);
        return { holds: b - m.lastSeen >= after, value: b - m.lastSeen, threshold: after };
      }
    }
  }

  private sustainedEvaluations(cond: RuleCondition, count: number, scope: Scope, m: MachineState, b: number): Judgement {
    const j = this.judge.atBucket(cond, scope, b);
    if (j.holds === null) return j;
    m.streak = j.holds ? Math.min(m.streak + 1, count) : 0;
    return { ...j, holds: m.streak >= count };
  }

  /**
   * A day is judged on its last bucket, on the whole day's value; the verdict (the last `count`
   * days all held) stands for every evaluation until the next day is complete.
   */
  private sustainedDays(cond: RuleCondition, count: number, scope: Scope, m: MachineState, b: number): Judgement {
    if (!this.judge.endsDay(b))
      return m.carried === null
        ? { holds: null, value: null, threshold: null }
        : { holds: m.carried, value: m.value, threshold: m.threshold, baseline: m.baseline };
    const tz = this.facts.timeZone;
    const day = localDayStart(b, tz);
    const last = this.judge.overDay(cond, scope, day);
    let holds = last.holds;
    for (let i = 1; holds && i < count; i++) holds = this.judge.overDay(cond, scope, addLocalDays(day, -i, tz)).holds === true;
    m.carried = holds;
    return { ...last, holds };
  }

  /** Spend as a share of the budget, so far or extended in a straight line to the campaign's end. */
  private burn(spent: number, budget: number | null, b: number, basis: 'actual' | 'projected'): number | null {
    if (budget === null || budget <= 0) return null;
    const actual = spent / budget;
    if (basis === 'actual') return actual;
    const { start, end } = this.facts;
    if (start === null || end === null || end <= start) return null;
    const elapsed = b + this.every - start;
    if (elapsed >= end - start) return actual;
    // A first hour's spend says little about a month: no projection before a day (or a tenth of a short campaign).
    if (elapsed < Math.min(DAY_MS, (end - start) / 10)) return null;
    const projected = (actual * (end - start)) / elapsed;
    return Number.isFinite(projected) ? projected : null;
  }

  problems(p: Prepared): MonitorProblem[] {
    const rule = p.rule;
    const at = ['rules', p.index];
    const out: MonitorProblem[] = [];
    const say = (path: (string | number)[], message: string) => out.push({ ruleId: rule.id, path: [...at, ...path], message });
    const cond = rule.kind === 'target' ? rule : rule.kind === 'sustained' && rule.condition.kind === 'target' ? rule.condition : undefined;
    if (cond) {
      const where = rule.kind === 'sustained' ? ['condition'] : [];
      if (cond.against === 'plan') {
        if (rule.per === 'campaign') say([...where, 'against'], 'A plan is per channel: judge this rule per channel');
        else if (![...this.facts.plans.values()].some((plan) => plan[cond.metric] !== undefined))
          say([...where, 'metric'], `No channel of the campaign plans a ${cond.metric}`);
      } else {
        const goal = namedGoal(this.facts, cond);
        if (!goal) say([...where, cond.goal ? 'goal' : 'metric'], `The campaign has no goal for ${cond.goal ?? cond.metric}`);
        else if (goal.by === 'end')
          say(
            [...where, 'goal'],
            `The ${goal.kpi} goal is a total for the campaign's end, not a rate to hold; use a threshold or budget rule`,
          );
      }
    }
    if (rule.kind === 'budget') {
      if (rule.per === 'campaign' && !rule.channels.length && this.facts.total === null) say(['per'], 'The campaign has no budget total');
      if (rule.per === 'channel' && this.facts.lines.size === 0) say(['per'], "The campaign's budget has no lines per channel");
      for (const [i, c] of rule.channels.entries()) if (!this.facts.lines.has(c)) say(['channels', i], `The budget has no line for ${c}`);
      if (rule.basis === 'projected' && (this.facts.start === null || this.facts.end === null))
        say(['basis'], "A projection needs the campaign's phase dates");
    }
    return out;
  }
}

/**
 * Where a rule's judging resumes: a new or changed rule from the campaign's start; otherwise
 * after its last bucket, or, when points changed a bucket already judged, from the newest
 * snapshot at or before them (the oldest one when they are older than every snapshot). A
 * campaign without phase dates starts where its data starts, so a point before that (and no
 * older than `openHorizon`) starts the rule again from the point, as if it had come first.
 */
function replayPoint(
  prior: RuleState | undefined,
  fingerprint: string,
  changedFrom: number | undefined,
  every: number,
  freshStart: number,
  openHorizon: number | null,
): { start: number; from: Checkpoint | 'current' | 'fresh' | 'restart' } {
  if (!prior || prior.fingerprint !== fingerprint || prior.through === null) return { start: freshStart, from: 'fresh' };
  const next = prior.through + every;
  if (changedFrom === undefined || changedFrom >= next) return { start: next, from: 'current' };
  if (openHorizon !== null && typeof prior.origin === 'number' && changedFrom < prior.origin && changedFrom >= openHorizon)
    return { start: changedFrom, from: 'restart' };
  const snapshots = prior.tail ? [...prior.checkpoints, prior.tail] : prior.checkpoints;
  let best: Checkpoint | undefined;
  let oldest: Checkpoint | undefined;
  for (const c of snapshots) {
    if (c.at <= changedFrom && (!best || c.at > best.at)) best = c;
    if (!oldest || c.at < oldest.at) oldest = c;
  }
  const from = best ?? oldest;
  return from ? { start: from.at, from } : { start: next, from: 'current' };
}

function sumLines(facts: CampaignFacts, channels: readonly string[]): number | null {
  let total = 0;
  let any = false;
  for (const c of channels) {
    const line = facts.lines.get(c);
    if (line !== undefined) {
      total += line;
      any = true;
    }
  }
  return any ? total : null;
}

/** A transition is the same only if everything about it is: a late point that changes its value retracts and re-adds it. */
const identity = (t: Transition) => canonicalJson(t);

const PHASES: readonly unknown[] = ['ok', 'pending', 'firing'];
const timeOrNull = (v: unknown) => v === null || isSaneTime(v);
const numberOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));
/** Machine times become ISO strings in statuses: one out of Date's range would throw there. */
function isMachine(v: unknown): v is MachineState {
  const m = v as MachineState | null;
  return (
    !!m &&
    typeof m === 'object' &&
    PHASES.includes(m.phase) &&
    [m.since, m.cleared, m.lastSeen, m.at].every(timeOrNull) &&
    [m.value, m.threshold, m.baseline].every(numberOrNull) &&
    Number.isInteger(m.streak) &&
    (m.carried === null || typeof m.carried === 'boolean')
  );
}
const isMachines = (v: unknown): v is Record<string, MachineState> => !!v && typeof v === 'object' && Object.values(v).every(isMachine);
const isCheckpoint = (c: unknown): c is Checkpoint =>
  !!c && typeof c === 'object' && isSaneTime((c as Checkpoint).at) && isMachines((c as Checkpoint).machines);

/** State comes back from storage: a shape we did not write starts the rule again rather than failing the call. */
function isRuleState(v: unknown): v is RuleState {
  const s = v as RuleState | null;
  return (
    !!s &&
    typeof s === 'object' &&
    typeof s.fingerprint === 'string' &&
    (s.through === null || isSaneTime(s.through)) &&
    (s.origin === undefined || s.origin === null || isSaneTime(s.origin)) &&
    Array.isArray(s.checkpoints) &&
    s.checkpoints.every(isCheckpoint) &&
    (s.tail === null || isCheckpoint(s.tail)) &&
    Array.isArray(s.log) &&
    s.log.every((t) => !!t && typeof t === 'object' && typeof t.at === 'string') &&
    isMachines(s.machines)
  );
}

/** First bucket of a UTC day: where a rule keeps a snapshot for late points. */
const startsUtcDay = (b: number, every: number) => Math.floor(b / DAY_MS) !== Math.floor((b - every) / DAY_MS);

interface RuleRun {
  state: RuleState;
  added: Transition[];
  retracted: Transition[];
}

function runRule(ev: Evaluation, p: Prepared, prior: RuleState | undefined): RuleRun {
  const every = ev.every;
  const rule = p.rule;
  const usable = prior && prior.fingerprint === p.fingerprint ? prior : undefined;
  let head = ev.headFor(rule);
  if (head === undefined) return { state: usable ?? emptyRuleState(p.fingerprint), added: [], retracted: [] };
  // Never un-judge: a rule the clock carried past the watermark stays judged that far.
  if (usable?.through != null) head = Math.max(head, usable.through);
  const { start, machines, fresh, origin } = ev.replayStart(p, usable, head);
  const base = fresh || !usable ? emptyRuleState(p.fingerprint) : usable;
  if (start > head) return { state: base, added: [], retracted: [] };

  const checkpoints = base.checkpoints.filter((c) => c.at < start);
  const kept = base.log.filter((t) => Date.parse(t.at) < start);
  const revisable = base.log.filter((t) => Date.parse(t.at) >= start);
  const scopes = ev.scopes(rule, Object.keys(machines));
  for (const scope of scopes) machines[scope.key] ??= ev.newMachine(rule, scope, start);

  const fresh_: Transition[] = [];
  let tail: Checkpoint | null = null;
  for (let b = start; b <= head; b += every) {
    if (b === head) tail = { at: b, machines: copyMachines(machines) };
    if (startsUtcDay(b, every) || checkpoints.length === 0) checkpoints.push({ at: b, machines: copyMachines(machines) });
    for (const scope of scopes) {
      const m = machines[scope.key]!;
      const j = ev.judgeAt(p, scope, m, b);
      const change = step(m, b, j, p.forMs, p.keepMs);
      if (change) {
        fresh_.push({
          ruleId: rule.id,
          channel: scope.key === '*' ? null : scope.key,
          ...change,
          at: iso(b)!,
          value: j.value,
          threshold: j.threshold,
          ...(j.baseline !== undefined ? { baseline: j.baseline } : {}),
          severity: rule.severity,
          unit: p.unit,
        });
      }
    }
  }

  const before = new Set(revisable.map(identity));
  const after = new Set(fresh_.map(identity));
  const horizon = head - ev.lateness;
  const older = checkpoints.filter((c) => c.at < horizon);
  const retained = [...(older.length ? [older[older.length - 1]!] : []), ...checkpoints.filter((c) => c.at >= horizon)];
  const oldest = retained[0]?.at ?? start;
  return {
    state: {
      fingerprint: p.fingerprint,
      through: head,
      machines,
      checkpoints: retained,
      tail,
      log: [...kept, ...fresh_].filter((t) => Date.parse(t.at) >= oldest),
      origin,
    },
    added: fresh_.filter((t) => !before.has(identity(t))),
    retracted: revisable.filter((t) => !after.has(identity(t))),
  };
}

function emptyRuleState(fingerprint: string): RuleState {
  return { fingerprint, through: null, machines: machineMap(), checkpoints: [], tail: null, log: [] };
}

export function emptyMonitorState(): MonitorState {
  return { format: MONITOR_STATE_FORMAT, rules: {} };
}

function wakeOf(ev: Evaluation, p: Prepared, key: string, m: MachineState): Wake | undefined {
  const channel = key === '*' ? null : key;
  const change = selfChangeAt(m, ev.every, p.forMs, p.keepMs);
  const candidates: Wake[] = [];
  if (change !== undefined)
    candidates.push({ at: iso(change + ev.every)!, ruleId: p.rule.id, channel, reason: m.phase === 'pending' ? 'pending' : 'keep_firing' });
  if (p.rule.kind === 'no_data' && m.phase === 'ok' && m.lastSeen !== null) {
    const silentAt = m.lastSeen + Math.ceil(durationOf(p.rule.after) / ev.every) * ev.every;
    if (ev.facts.end === null || silentAt < ev.facts.end)
      candidates.push({ at: iso(silentAt + ev.every)!, ruleId: p.rule.id, channel, reason: 'no_data' });
  }
  return candidates.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
}

/**
 * Judges a monitor's rules over a campaign's series. Pure: the same (config, campaign, state,
 * series, changedFrom, now) give the same result, in the workflow sandbox, the server or a browser.
 */
export function evaluateMonitor(
  monitor: MonitorConfig,
  campaign: MonitoredCampaign,
  state: MonitorState | null | undefined,
  input: EvaluateInput,
): EvaluationResult {
  const ev = new Evaluation(monitor, campaign, input.series, input);
  const priorRules = state && state.format === MONITOR_STATE_FORMAT && state.rules && typeof state.rules === 'object' ? state.rules : {};
  const rules: Record<string, RuleState> = {};
  const transitions: (Transition & { order: number })[] = [];
  const retracted: Transition[] = [];
  const statuses: RuleStatus[] = [];
  const problems: MonitorProblem[] = [];
  let nextWake: Wake | null = null;
  monitor.rules.forEach((rule, index) => {
    const p = ev.prepare(rule, index);
    const prior = Object.hasOwn(priorRules, rule.id) && isRuleState(priorRules[rule.id]) ? priorRules[rule.id] : undefined;
    const run = runRule(ev, p, prior);
    rules[rule.id] = run.state;
    for (const t of run.added) transitions.push({ ...t, order: index });
    retracted.push(...run.retracted);
    problems.push(...ev.problems(p));
    for (const key of Object.keys(run.state.machines).sort()) {
      const m = run.state.machines[key]!;
      statuses.push({
        ruleId: rule.id,
        label: rule.label || rule.id,
        kind: rule.kind,
        severity: rule.severity,
        channel: key === '*' ? null : key,
        state: m.phase,
        since: iso(m.since),
        value: m.value,
        threshold: m.threshold,
        baseline: m.baseline,
        unit: p.unit,
        at: iso(m.at),
      });
      const wake = wakeOf(ev, p, key, m);
      if (wake && (!nextWake || Date.parse(wake.at) < Date.parse(nextWake.at))) nextWake = wake;
    }
  });
  transitions.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.order - b.order);
  return {
    state: { format: MONITOR_STATE_FORMAT, rules },
    transitions: transitions.map(({ order: _o, ...t }) => t),
    retracted,
    statuses,
    watermark: ev.watermark === undefined ? null : iso(ev.watermark),
    nextWake,
    problems,
  };
}

/** How far before a bucket its judgement reads the series: windows, baselines, sustained days, a no-data look-back. */
function lookback(rule: Rule, every: number): number {
  const windowed = (c: RuleCondition) => (c.window ? durationOf(c.window) - every : 0);
  // A day more than the baseline's days: 23-hour and 25-hour days around a DST change.
  const baseline = (c: RuleCondition) =>
    c.kind === 'deviation' ? Math.max(c.baseline === 'same_time' ? (c.days + 1) * DAY_MS : 0, durationOf(c.trailing)) : 0;
  switch (rule.kind) {
    case 'threshold':
    case 'target':
    case 'deviation':
      return windowed(rule) + baseline(rule);
    case 'sustained':
      return rule.unit === 'days'
        ? (rule.count + 1) * DAY_MS + baseline(rule.condition)
        : windowed(rule.condition) + baseline(rule.condition);
    case 'budget':
      return 0;
    case 'no_data':
      return durationOf(rule.after);
  }
}

export interface EvaluationPlan {
  /**
   * The earliest bucket the series must hold for the next call (ISO), or null for all of the
   * campaign's points. Budget rules also read each channel's totals before it (BucketSeries'
   * `opening`).
   */
  from: string | null;
}

/** What to load before calling evaluateMonitor, given what changed and the new watermark. */
export function planEvaluation(
  monitor: MonitorConfig,
  campaign: MonitoredCampaign,
  state: MonitorState | null | undefined,
  options: { changedFrom?: string | number; watermark?: string | number } = {},
): EvaluationPlan {
  const every = durationOf(monitor.every);
  const facts = campaignFacts(campaign);
  const bucket = (ms: number) => bucketStart(ms, every, facts.timeZone);
  const changed = saneMs('changedFrom', options.changedFrom);
  const watermark = saneMs('watermark', options.watermark);
  const priorRules = state && state.format === MONITOR_STATE_FORMAT && state.rules ? state.rules : {};
  let from = Infinity;
  for (const rule of monitor.rules) {
    const prior = Object.hasOwn(priorRules, rule.id) && isRuleState(priorRules[rule.id]) ? priorRules[rule.id] : undefined;
    const fresh = facts.start === null ? undefined : bucket(facts.start);
    if (fresh === undefined && (!prior || prior.fingerprint !== fingerprintOf(rule, every, facts.timeZone))) return { from: null };
    const point = replayPoint(
      prior,
      fingerprintOf(rule, every, facts.timeZone),
      changed === undefined ? undefined : bucket(changed),
      every,
      fresh ?? 0,
      fresh === undefined ? (watermark ?? changed ?? 0) - durationOf(monitor.lateness) : null,
    );
    let start = point.start;
    if (watermark !== undefined) start = Math.max(start, bucket(watermark - MAX_REPLAY_MS));
    from = Math.min(from, start - lookback(rule, every));
  }
  return { from: Number.isFinite(from) ? iso(bucket(from)) : null };
}
