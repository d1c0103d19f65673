import { Environment } from '@marcbachmann/cel-js';
import { RE2JS } from 're2js';

/**
 * CEL is the one expression language of a flow: conditions, templated fields and, later,
 * monitor rules. It is side-effect free and deterministic, so it runs inside the Temporal
 * workflow sandbox and in the browser alike.
 *
 * Whoever writes an expression, its cost is bounded: the parser limits its size, `checkExpression`
 * limits how deeply comprehensions nest, and evaluation is metered step by step (below). Going
 * over a limit throws an `ExpressionError` that fails only the node evaluating it.
 */
const env = new Environment({
  unlistedVariablesAreDyn: true,
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
  limits: { maxAstNodes: 2000, maxDepth: 64, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 16 },
});

export const MAX_EXPRESSION_LENGTH = 4000;

/**
 * What one evaluation may cost. Steps: every evaluated node costs one, and an operation also pays
 * for the size of the values it reads (comparing two 1,000-element lists costs 2,000), so a step
 * is a bounded amount of work. Allocation: the total size of every string, list and map the
 * expression produces (a string counts its length, a list its elements, deeply). Values read from
 * the scope (`input`, `nodes`, …) are free to read; what is built from them is not.
 */
export const EXPRESSION_LIMITS = {
  /** About 150 ms of one core; see engine/bench/hostile.ts. */
  maxSteps: 500_000,
  maxAllocation: 4_000_000,
  maxStringLength: 100_000,
  /** As many as one broadcast takes, so `input.people.map(p, p.email)` works for a full list. */
  maxListSize: 100_000,
  /** map/filter/all/exists/exists_one inside each other's predicate; checked before any run. */
  maxComprehensionNesting: 3,
  maxRegexLength: 1_000,
  /**
   * All expressions evaluated in one Temporal workflow task together (see `beginExpressionTask`):
   * a chain of conditions runs in one task, and the sandbox's execution timeout must stay out of
   * reach, because Node aborts the whole process when that timeout hits inside a microtask.
   */
  maxStepsPerTask: 1_500_000,
} as const;

export interface ExpressionCheck {
  ok: boolean;
  error?: string;
}

export class ExpressionError extends Error {
  constructor(
    readonly expression: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

/** Thrown while metering; sticky, because cel-js turns errors inside `||`, `&&` and quantifiers into values. */
class BudgetExceeded extends Error {}

/* ------------------------------------------------------------------------------------------
 * The AST as cel-js builds it: nodes with `op` and `args`; `rcall` args are [name, receiver, args].
 * ---------------------------------------------------------------------------------------- */
interface CelNode {
  op: string;
  args: unknown;
  evaluate: (ev: Evaluator, ast: CelNode, ctx: unknown) => unknown;
}
interface Evaluator {
  run(ast: CelNode, ctx: unknown): unknown;
}

function isNode(value: unknown): value is CelNode {
  return value !== null && typeof value === 'object' && typeof (value as CelNode).op === 'string' && 'args' in value;
}

function children(node: CelNode): CelNode[] {
  if (node.op === 'value') return [];
  const out: CelNode[] = [];
  const visit = (v: unknown) => {
    if (isNode(v)) out.push(v);
    else if (Array.isArray(v)) v.forEach(visit);
  };
  visit(node.args);
  return out;
}

const COMPREHENSIONS = new Set(['map', 'filter', 'all', 'exists', 'exists_one']);

/** How deeply comprehensions nest in each other's bodies (a receiver is evaluated once, so it does not count). */
export function comprehensionNesting(root: CelNode): number {
  let max = 0;
  const stack: [CelNode, number][] = [[root, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    max = Math.max(max, depth);
    if (node.op === 'rcall' && Array.isArray(node.args) && COMPREHENSIONS.has(node.args[0] as string)) {
      const [, receiver, args] = node.args as [string, CelNode, CelNode[]];
      stack.push([receiver, depth]);
      for (const a of args) stack.push([a, depth + 1]);
      continue;
    }
    for (const c of children(node)) stack.push([c, depth]);
  }
  return max;
}

/* ------------------------------------------------------------------------------------------
 * Sizes. Objects are measured once: scope values when they come in, produced values when made.
 * ---------------------------------------------------------------------------------------- */
const sizes = new WeakMap<object, number>();
const MAX_MEASURE_DEPTH = 100;

function sizeOf(value: unknown, depth = 0): number {
  if (typeof value === 'string') return value.length || 1;
  if (value === null || typeof value !== 'object') return 1;
  const known = sizes.get(value);
  if (known !== undefined) return known;
  if (depth > MAX_MEASURE_DEPTH) throw new BudgetExceeded(`Expression built values nested more than ${MAX_MEASURE_DEPTH} deep`);
  let total = 1;
  if (Array.isArray(value)) for (const v of value) total += sizeOf(v, depth + 1);
  else if (value instanceof Map) for (const [k, v] of value) total += sizeOf(k, depth + 1) + sizeOf(v, depth + 1);
  else if (value instanceof Uint8Array) total += value.length;
  else if (value instanceof Set) for (const v of value) total += sizeOf(v, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    for (const k in value) total += k.length + sizeOf((value as Record<string, unknown>)[k], depth + 1);
  }
  sizes.set(value, total);
  return total;
}

function lengthOf(value: unknown): number {
  if (typeof value === 'string' || Array.isArray(value) || value instanceof Uint8Array) return value.length;
  if (value instanceof Map || value instanceof Set) return value.size;
  return 0;
}

/* ------------------------------------------------------------------------------------------
 * The meter: one per evaluation, installed around the library's evaluator.
 * ---------------------------------------------------------------------------------------- */

/** Reads and pass-throughs: they hand on a value that exists already, so they are not charged for it. */
const PASS_THROUGH = new Set(['id', '.', '.?', '[]', '[?]', 'value', 'accuValue', 'accuInc', '?:', '||', '&&', '!_', 'comprehension']);

/** Calls that do not walk their arguments: charging them the size of what they are given would refuse `has(input.x)` on a big input. */
const CONSTANT_TIME_CALLS = new Set([
  'size',
  'has',
  'bind',
  'dyn',
  'type',
  'of',
  'ofNonZeroValue',
  'none',
  'hasValue',
  'value',
  'orValue',
  'or',
]);

class Meter {
  steps = 0;
  allocated = 0;
  exceeded: BudgetExceeded | undefined;
  /** Per evaluation depth: the total size of the values the children at that depth gave back. */
  readonly reads: number[] = [0];
  depth = 0;

  fail(reason: string): never {
    throw (this.exceeded ??= new BudgetExceeded(reason));
  }

  step(cost: number): void {
    this.steps += cost;
    if (this.steps > EXPRESSION_LIMITS.maxSteps) this.fail(`Expression exceeded its budget of ${EXPRESSION_LIMITS.maxSteps} steps`);
    if (task && task.steps + this.steps > EXPRESSION_LIMITS.maxStepsPerTask) {
      this.fail(`Expressions exceeded their shared budget of ${EXPRESSION_LIMITS.maxStepsPerTask} steps in one workflow task`);
    }
  }

  /** After a node has been evaluated: charges what it read and what it built, and reports its size upward. */
  settle(node: CelNode, result: unknown, reads: number): void {
    const op = node.op;
    let size: number;
    if (op === 'accuPush' && Array.isArray(result)) {
      // The accumulator grows in place: it gains what was pushed, not its whole size again.
      size = (sizes.get(result) ?? 1) + reads;
      sizes.set(result, size);
      this.allocate(reads, result);
    } else if (PASS_THROUGH.has(op) || isComprehensionCall(node)) {
      size = sizeOf(result);
    } else {
      const cheapCall = (op === 'rcall' || op === 'call') && Array.isArray(node.args) && CONSTANT_TIME_CALLS.has(node.args[0] as string);
      if (!cheapCall) this.step(reads);
      const known = result !== null && typeof result === 'object' && sizes.has(result);
      size = sizeOf(result);
      if (typeof result === 'string' || !known) this.allocate(size, result);
    }
    this.reads[this.depth] = (this.reads[this.depth] ?? 0) + size;
  }

  private allocate(amount: number, value: unknown): void {
    this.allocated += amount;
    if (this.allocated > EXPRESSION_LIMITS.maxAllocation)
      this.fail(
        `Expression exceeded its allocation budget of ${EXPRESSION_LIMITS.maxAllocation} (string characters plus list and map elements)`,
      );
    const length = lengthOf(value);
    if (typeof value === 'string' && length > EXPRESSION_LIMITS.maxStringLength)
      this.fail(`Expression built a string longer than ${EXPRESSION_LIMITS.maxStringLength} characters`);
    if (typeof value !== 'string' && length > EXPRESSION_LIMITS.maxListSize)
      this.fail(`Expression built a list or map with more than ${EXPRESSION_LIMITS.maxListSize} elements`);
  }
}

/** map/filter/… before expansion: the comprehension inside is metered step by step, so the call itself passes through. */
function isComprehensionCall(node: CelNode): boolean {
  return node.op === 'rcall' && Array.isArray(node.args) && COMPREHENSIONS.has(node.args[0] as string);
}

let meter: Meter | undefined;
/** The steps spent in the current workflow task, when one is open. */
let task: { steps: number } | undefined;

/**
 * Opens a shared step budget for every expression evaluated until `endExpressionTask`. The
 * Temporal shell calls these around each workflow activation (an activate interceptor): one
 * activation runs in one go, and activations of different runs never interleave.
 */
export function beginExpressionTask(): void {
  task = { steps: 0 };
}
export function endExpressionTask(): void {
  task = undefined;
}

function meteredRun(this: Evaluator, ast: CelNode, ctx: unknown): unknown {
  const m = meter;
  if (!m) throw new BudgetExceeded('Expression evaluated without a budget');
  if (m.exceeded) throw m.exceeded;
  m.step(1);
  const depth = ++m.depth;
  m.reads[depth] = 0;
  let result: unknown;
  try {
    result = ast.evaluate(this, ast, ctx);
  } finally {
    m.depth--;
  }
  if (result instanceof Promise) m.fail('Expression evaluated asynchronously');
  m.settle(ast, result, m.reads[depth]!);
  return result;
}

/**
 * cel-js has only parse-time limits. Every child evaluation goes through `run` on its (unexported)
 * evaluator, which the root node receives as its first argument: we take it from one probe
 * evaluation and meter its `run`. If a new library version stops doing that, `meterReady` stays
 * false and every evaluation fails closed, rather than running unmetered.
 */
let meterReady = false;
function installMeter(): void {
  const probe = env.parse('[1].map(x, x + 1)');
  const root = probe.ast as unknown as CelNode;
  const original = root.evaluate;
  let captured: Evaluator | undefined;
  root.evaluate = function (ev, ast, ctx) {
    captured = ev;
    return original.call(this, ev, ast, ctx);
  };
  probe({});
  if (!captured || Object.isFrozen(captured) || typeof captured.run !== 'function') return;
  captured.run = meteredRun;
  const m = (meter = new Meter());
  try {
    probe({});
  } finally {
    meter = undefined;
  }
  meterReady = m.steps > 0;
}
installMeter();

/* ------------------------------------------------------------------------------------------
 * string.matches with RE2 (linear time, and what the CEL specification prescribes), not RegExp.
 * ---------------------------------------------------------------------------------------- */
const regexCache = new Map<string, RE2JS>();

function compileRegex(pattern: string): RE2JS {
  let re = regexCache.get(pattern);
  if (!re) {
    if (pattern.length > EXPRESSION_LIMITS.maxRegexLength)
      throw new Error(`Regular expression longer than ${EXPRESSION_LIMITS.maxRegexLength} characters`);
    try {
      re = RE2JS.compile(pattern);
    } catch (err) {
      throw new Error(`Invalid regular expression: ${pattern} (${err instanceof Error ? err.message : String(err)})`, { cause: err });
    }
    if (regexCache.size > 200) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

function matchesEvaluate(ev: Evaluator, ast: CelNode, ctx: unknown): unknown {
  const [, receiver, args] = ast.args as [string, CelNode, CelNode[]];
  const text = ev.run(receiver, ctx);
  const pattern = ev.run(args[0]!, ctx);
  if (typeof text !== 'string' || typeof pattern !== 'string') throw new Error('matches() takes a string and a string pattern');
  const re = compileRegex(pattern);
  // RE2 is linear in the text for a given pattern; the pattern's size is the factor.
  meter?.step(Math.ceil((text.length * Math.min(pattern.length, 64)) / 16));
  return re.matcher(text).find();
}

/** Replaces the library's RegExp-based `matches` in one parsed expression with the RE2 one. */
function useRe2(root: CelNode): void {
  const stack = [root];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.op === 'rcall' && Array.isArray(node.args) && node.args[0] === 'matches' && (node.args[2] as unknown[]).length === 1) {
      node.evaluate = matchesEvaluate;
    }
    stack.push(...children(node));
  }
}

/* ------------------------------------------------------------------------------------------ */

type Compiled = ReturnType<typeof env.parse>;
interface Prepared {
  compiled: Compiled;
  /** The variables the expression names (comprehension variables too: a superset is harmless). */
  names: readonly string[];
  /** Set when the expression is refused before it runs (too deeply nested comprehensions). */
  refusal?: string;
}
const cache = new Map<string, Prepared>();

function compile(source: string): Prepared {
  let prepared = cache.get(source);
  if (!prepared) {
    const compiled = env.parse(source);
    const root = compiled.ast as unknown as CelNode;
    const nesting = comprehensionNesting(root);
    useRe2(root);
    prepared = { compiled, names: namedVariables(root) };
    if (nesting > EXPRESSION_LIMITS.maxComprehensionNesting) {
      prepared.refusal =
        `Comprehensions (map, filter, all, exists, exists_one) nest ${nesting} deep; ` +
        `at most ${EXPRESSION_LIMITS.maxComprehensionNesting} are allowed`;
    }
    if (cache.size > 500) cache.clear();
    cache.set(source, prepared);
  }
  return prepared;
}

function namedVariables(root: CelNode): string[] {
  const names = new Set<string>();
  const stack = [root];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.op === 'id' && typeof node.args === 'string') names.add(node.args.split('.')[0]!);
    stack.push(...children(node));
  }
  return [...names];
}

/**
 * Set on a scope to convert all of it for every expression, as runs recorded before CONVERT_NAMED_VARIABLES did: a
 * variable nested over MAX_MEASURE_DEPTH deep failed every expression then, named or not, and such a run must replay so.
 */
export const CONVERT_WHOLE_SCOPE = Symbol('convert the whole scope');
/** Patch id (Temporal's patched()) of converting only the variables an expression names. */
export const CONVERT_NAMED_VARIABLES = 'cel-convert-named-variables';

/**
 * Only what the expression names is converted to CEL values: a condition late in a long flow used to convert every
 * earlier node's output for each evaluation (a 20-node flow's conditions and templates, 0.9 ms of each run).
 */
function celVariables(scope: Record<string | symbol, unknown>, names: readonly string[]): Record<string, unknown> {
  if (scope[CONVERT_WHOLE_SCOPE]) return toCel(scope) as Record<string, unknown>;
  const vars: Record<string, unknown> = {};
  for (const name of names) if (Object.hasOwn(scope, name)) vars[name] = toCel(scope[name], 1);
  return vars;
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]?.trim() || 'invalid expression';
}

/** Parses and type-checks; unknown functions, syntax errors and over-nested comprehensions are reported here, before a run. */
export function checkExpression(source: string): ExpressionCheck {
  if (source.length > MAX_EXPRESSION_LENGTH) return { ok: false, error: `Longer than ${MAX_EXPRESSION_LENGTH} characters` };
  if (!source.trim()) return { ok: false, error: 'Expression is empty' };
  try {
    const { compiled, refusal } = compile(source);
    if (refusal) return { ok: false, error: refusal };
    const checked = compiled.check() as { valid: boolean; error?: { message?: string } };
    if (!checked.valid) return { ok: false, error: firstLine(checked.error?.message ?? 'type check failed') };
    return { ok: true };
  } catch (err) {
    return { ok: false, error: firstLine(err) };
  }
}

/**
 * Converted scope values, by identity. The interpreter hands every node the same `input` and node
 * outputs, which it never changes once set: converting a 100,000-recipient input once, not once
 * per condition, keeps a chain of conditions from costing a conversion each. Small values are
 * cheaper to convert again than to remember.
 */
const converted = new WeakMap<object, unknown>();
const REMEMBER_FROM = 256;
let convertedCount = 0;

/** JSON integers become CEL ints (so `input.count + 1` works); everything else passes through. */
function toCel(value: unknown, depth = 0): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (value === null || typeof value !== 'object') return value;
  const known = converted.get(value);
  if (known !== undefined) return known;
  if (depth > MAX_MEASURE_DEPTH) throw new BudgetExceeded(`The expression's variables are nested more than ${MAX_MEASURE_DEPTH} deep`);
  const before = convertedCount++;
  let out: unknown;
  if (Array.isArray(value)) out = value.map((v) => toCel(v, depth + 1));
  else {
    const obj: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) obj[k] = toCel(v, depth + 1);
    out = obj;
  }
  if (convertedCount - before > REMEMBER_FROM) converted.set(value, out);
  return out;
}

/** CEL results back into JSON: ints to numbers, maps to plain objects. */
export function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), fromCel(v)]));
  if (value instanceof Uint8Array) return Array.from(value);
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromCel(v);
    return out;
  }
  return value;
}

// Not exported as the object itself: the worker shares this module between runs and freezes what it exports.
const lastCost = { steps: 0, allocated: 0 };
/** What the last evaluation on this thread cost; for the bench and the tests. */
export function lastExpressionCost(): { steps: number; allocated: number } {
  return { ...lastCost };
}

export function evaluateExpression(source: string, scope: Record<string, unknown>): unknown {
  if (!meterReady)
    throw new ExpressionError(source, `Expression "${source}" failed: the evaluator cannot be metered, so nothing is evaluated`);
  const outer = meter;
  const m = new Meter();
  try {
    const { compiled, refusal, names } = compile(source);
    if (refusal) throw new BudgetExceeded(refusal);
    const vars = celVariables(scope, names);
    meter = m;
    const result = compiled(vars);
    // The root node is evaluated by the library directly, not through `run`: settle it here.
    m.settle(compiled.ast as unknown as CelNode, result, m.reads[0]!);
    // A budget error swallowed by `||` or a quantifier still fails the whole evaluation.
    if (m.exceeded) throw m.exceeded;
    return fromCel(result);
  } catch (err) {
    const reason = m.exceeded ?? err;
    throw new ExpressionError(source, `Expression "${clip(source)}" failed: ${firstLine(reason)}`);
  } finally {
    meter = outer;
    if (task) task.steps += m.steps;
    lastCost.steps = m.steps;
    lastCost.allocated = m.allocated;
  }
}

function clip(source: string): string {
  return source.length > 200 ? `${source.slice(0, 200)}…` : source;
}
