import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CONVERT_WHOLE_SCOPE, evaluateExpression, ExpressionError } from '../src/expressions.ts';

/** An output nested deeper than the evaluator measures (100 levels), as a hostile webhook receiver could answer. */
function nested(depth: number): unknown {
  let v: unknown = { leaf: 1 };
  for (let i = 0; i < depth; i++) v = { v };
  return v;
}

describe('the variables an expression is given', () => {
  const scope = { input: { n: 5, tags: ['vip'] }, nodes: { call: { status: 'completed', output: { status: 200 } } }, run: { id: 'r' } };

  it('gives the same results whether only the named variables or the whole scope are converted', () => {
    for (const source of [
      'input.n >= 3',
      'nodes.call.output.status == 200 && input.tags.exists(t, t == "vip")',
      'has(nodes.call) ? run.id : "none"',
      '[1, 2].map(input, input * 2)',
      'size(input.tags) + input.n',
    ]) {
      expect(evaluateExpression(source, scope), source).toEqual(evaluateExpression(source, { ...scope, [CONVERT_WHOLE_SCOPE]: true }));
    }
  });

  it('converts only what is named: a variable nested too deep fails the expressions that read it, not the others', () => {
    const deep = { ...scope, nodes: { ...scope.nodes, hook: { status: 'completed', output: nested(150) } } };
    expect(evaluateExpression('input.n >= 3', deep)).toBe(true);
    expect(() => evaluateExpression('has(nodes.hook)', deep)).toThrow(ExpressionError);
    // Runs recorded before the change (no patch marker) keep converting the whole scope, so they replay as they ran.
    expect(() => evaluateExpression('input.n >= 3', { ...deep, [CONVERT_WHOLE_SCOPE]: true })).toThrow(/nested more than 100 deep/);
  });

  it('agrees with converting the whole scope for any input value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom('input', 'input == input', 'size([input])', 'run.id'), (input, source) => {
        const s = { input, run: { id: 'r' } };
        const named = attempt(() => evaluateExpression(source, s));
        const whole = attempt(() => evaluateExpression(source, { ...s, [CONVERT_WHOLE_SCOPE]: true }));
        expect(named).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });
});

function attempt(f: () => unknown): unknown {
  try {
    return { value: f() };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
