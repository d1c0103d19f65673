import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  beginExpressionTask,
  checkExpression,
  endExpressionTask,
  evaluateExpression,
  EXPRESSION_LIMITS,
  ExpressionError,
} from '../src/expressions.ts';
import { checkMessage, MESSAGE_LIMITS, PARTIALS_REFUSED, renderMessage } from '../src/messages.ts';

/**
 * Hostile expressions and templates: each is refused when checked, or fails with a budget or
 * limit error when run. None may hang (the tests would time out) or return something unbounded.
 */
const BUDGET = /budget|longer than|more than|nest|Regular expression|limit exceeded/;

function outcome(
  source: string,
  scope: Record<string, unknown> = {},
  anyFailure = false,
): 'refused' | 'over budget' | 'failed' | { value: unknown } {
  const check = checkExpression(source);
  if (!check.ok) return 'refused';
  try {
    return { value: evaluateExpression(source, scope) };
  } catch (err) {
    expect(err).toBeInstanceOf(ExpressionError);
    if (anyFailure && !BUDGET.test((err as Error).message)) return 'failed';
    expect((err as Error).message).toMatch(BUDGET);
    return 'over budget';
  }
}

const literalList = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`;

describe('hostile CEL', () => {
  it('refuses comprehensions nested deeper than the limit before they run', () => {
    const deep = 'input.a.exists(a, input.a.exists(b, input.a.exists(c, input.a.exists(d, d == a))))';
    const check = checkExpression(deep);
    expect(check.ok).toBe(false);
    expect(check.error).toMatch(/nest 4 deep; at most 3/);
    expect(() => evaluateExpression(deep, { input: { a: [1] } })).toThrow(/nest 4 deep/);
    // A chain (receivers) is not nesting.
    expect(checkExpression('input.a.map(x, x).filter(y, y > 1).map(z, z).exists(w, w == 2)')).toEqual({ ok: true });
  });

  it('stops nested comprehensions over large literals at the step budget', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 200, max: 1000 }),
        fc.constantFrom('map', 'filter', 'all', 'exists', 'exists_one'),
        fc.integer({ min: 2, max: 3 }),
        (n, fn, depth) => {
          const body = (level: number): string =>
            level === depth ? 'x0 + 1 > 0' : `${literalList(n)}.${fn}(x${level + 1}, ${body(level + 1)})`;
          const source = `${literalList(n)}.${fn}(x0, ${body(0)})`.replace(/x0 \+ 1 > 0/, fn === 'map' ? 'x0 + 1' : 'x0 + 1 > 0');
          const result = outcome(source);
          // Four levels are refused by the nesting limit (or the parser's size limit) before running.
          if (depth === 3) expect(result).toBe('refused');
          else expect(result === 'refused' || result === 'over budget' || typeof result === 'object').toBe(true);
          // exists stops at its first match; the others walk every element.
          if (depth === 2 && fn !== 'exists' && result !== 'refused') expect(result).toBe('over budget');
        },
      ),
      { numRuns: 15 },
    );
  });

  it('stops string doubling at the string and allocation limits', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 4, max: 10 }),
        (seed, fan, levels) => {
          let source = 'v0';
          for (let i = levels; i >= 1; i--)
            source = `cel.bind(v${i}, ${Array(fan)
              .fill(`v${i - 1}`)
              .join(' + ')}, ${source.replaceAll(`v${i - 1}`, `v${i}`)})`;
          source = `cel.bind(v0, ${JSON.stringify(seed)}, ${source})`;
          const result = outcome(source);
          if (typeof result === 'object') expect(String(result.value).length).toBeLessThanOrEqual(EXPRESSION_LIMITS.maxStringLength);
          if (seed.length * fan ** levels > EXPRESSION_LIMITS.maxStringLength)
            expect(result).not.toEqual(expect.objectContaining({ value: expect.anything() }));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('stops lists doubled by + and huge splits and joins', () => {
    const bigString = 'ab,'.repeat(60_000);
    fc.assert(
      fc.property(
        fc.constantFrom(
          'input.s.split("").size()',
          'input.s.split(",").map(x, input.s.split(",")).size()',
          'input.parts.map(p, input.s).join("")',
          'input.parts.map(p, input.parts).size()',
          'cel.bind(l, input.parts + input.parts, cel.bind(m, l + l + l + l, m + m + m + m + m + m)).size()',
          '[input.s, input.s, input.s, input.s, input.s, input.s, input.s, input.s].join("").size()',
          'input.parts.all(p, input.parts == input.parts)',
          'input.parts.exists(p, size(input.s.split(",")) < 0)',
        ),
        (source) => {
          expect(outcome(source, { input: { s: bigString, parts: Array.from({ length: 5_000 }, (_, i) => `p${i}`) } })).toBe('over budget');
        },
      ),
      { numRuns: 16 },
    );
  });

  it('a budget error inside || or a quantifier still fails the evaluation', () => {
    const expensive = `${literalList(100)}.map(a, ${literalList(100)}.map(b, ${literalList(100)}.map(c, a * b * c))).size() > 0`;
    const wide = 'input.xs.map(a, input.xs.map(b, a * b)).size() > 0';
    for (const source of [
      `true || ${expensive}`,
      `${expensive} || true`,
      `[1, 2].exists(x, x == 2 || ${wide})`,
      `!(${expensive}) && false`,
    ]) {
      const result = outcome(source, { input: { xs: Array.from({ length: 2_000 }, (_, i) => i) } });
      // `true || …` short-circuits without evaluating; every other form spends the budget.
      if (source.startsWith('true ||')) expect(result).toEqual({ value: true });
      else expect(result).toBe('over budget');
    }
  });

  it('matches() runs in linear time: regex bombs answer instead of backtracking', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('(a+)+$', '(a|a)*$', '(a*)*b', '^(a|aa)+$', '(.*a){20}', '(x+x+)+y'),
        fc.integer({ min: 20, max: 5_000 }),
        (pattern, n) => {
          const result = outcome(`input.s.matches(${JSON.stringify(pattern)})`, { input: { s: `${'a'.repeat(n)}!` } });
          expect(result === 'over budget' || (typeof result === 'object' && typeof result.value === 'boolean')).toBe(true);
        },
      ),
      { numRuns: 30 },
    );
    expect(evaluateExpression('"2026-05-20".matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")', {})).toBe(true);
    expect(() => evaluateExpression(`"a".matches("${'a'.repeat(EXPRESSION_LIMITS.maxRegexLength + 1)}")`, {})).toThrow(/longer than/);
    // RE2 has no backreferences: refused as an invalid pattern, not run.
    expect(() => evaluateExpression('"aa".matches("(a)\\\\1")', {})).toThrow(ExpressionError);
  });

  it('generated expressions never escape the budget', () => {
    const leaf = fc.constantFrom('input.xs', literalList(300), '"abcdefgh".split("")', 'input.s.split("")');
    const step: fc.Arbitrary<string> = fc.letrec((tie) => ({
      expr: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc
          .tuple(tie('expr'), fc.constantFrom('map', 'filter', 'exists', 'all'))
          .map(([recv, fn]) => `${recv}.${fn}(y, ${fn === 'map' ? `${literalList(50)}` : 'true'})`),
        fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `(${a} + ${b})`),
        fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `${a}.map(q, ${b})`),
      ),
    })).expr;
    fc.assert(
      fc.property(step, (source) => {
        // Some mix types that CEL refuses at run time ('failed'); none may run unbounded.
        const result = outcome(
          `size(${source}) >= 0`,
          { input: { xs: Array.from({ length: 2_000 }, (_, i) => i), s: 'x'.repeat(50_000) } },
          true,
        );
        expect(
          result === 'refused' || result === 'over budget' || result === 'failed' || (typeof result === 'object' && result.value === true),
        ).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('expressions of one workflow task share a budget; the next task starts afresh', () => {
    // About 400,000 steps each: under the budget of one expression, over the shared one by the fourth.
    const source = 'input.xs.map(a, input.ys.map(b, b)).size()';
    const scope = { input: { xs: Array.from({ length: 1_000 }, (_, i) => i), ys: Array.from({ length: 200 }, (_, i) => i) } };
    beginExpressionTask();
    try {
      let spent = 0;
      let failure: unknown;
      for (let i = 0; i < 50 && !failure; i++) {
        try {
          evaluateExpression(source, scope);
          spent++;
        } catch (err) {
          failure = err;
        }
      }
      expect(spent).toBeGreaterThan(0);
      expect((failure as Error).message).toContain(`shared budget of ${EXPRESSION_LIMITS.maxStepsPerTask} steps in one workflow task`);
    } finally {
      endExpressionTask();
    }
    expect(evaluateExpression(source, scope)).toBe(1000);
  });

  it('reads big inputs freely: a full broadcast list maps within the budget', () => {
    const people = Array.from({ length: 100_000 }, (_, i) => ({ email: `p${i}@example.com`, name: `P ${i}` }));
    const emails = evaluateExpression('input.people.map(p, p.email)', { input: { people } }) as string[];
    expect(emails).toHaveLength(100_000);
    expect(evaluateExpression('has(input.people) && size(input.people) > 10', { input: { people } })).toBe(true);
  });
});

describe('hostile Liquid', () => {
  const SECRETS = [
    '../../.data/secret',
    '.data/secret',
    '.data/encryption-key',
    '/etc/passwd',
    '../../../../etc/passwd',
    'package.json',
    'C:\\Windows\\win.ini',
    'file:///etc/passwd',
  ];
  const partialName = fc.oneof(
    fc.constantFrom(...SECRETS).map((p) => JSON.stringify(p)),
    fc.constantFrom(...SECRETS).map((p) => `'${p}'`),
    fc.constantFrom('campaign.name', 'recipient.email', '{{ campaign.name }}', 'input.path', 'x'),
    fc.string({ maxLength: 30 }).map((p) => JSON.stringify(p)),
  );

  it('refuses include, render and layout with any name, at check time and at render time', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('include', 'render', 'layout'),
        partialName,
        fc.constantFrom('', '-'),
        fc.string({ maxLength: 20 }),
        (tag, name, trim, around) => {
          const source = `${around.replaceAll('{', '')}{%${trim} ${tag} ${name} ${trim}%}`;
          const checked = checkMessage(source);
          expect(checked).not.toBeNull();
          for (const mode of ['text', 'html'] as const) {
            let rendered: string | undefined;
            try {
              rendered = renderMessage(source, { campaign: { name: '../../.data/secret' }, input: { path: '/etc/passwd' } }, mode);
            } catch (err) {
              expect((err as Error).message).not.toMatch(/root:|ENOENT|secret/);
            }
            expect(rendered).toBeUndefined();
          }
        },
      ),
      { numRuns: 120 },
    );
    expect(checkMessage('{% include "../../.data/secret" %}')).toContain(PARTIALS_REFUSED);
    // Inside {% liquid %} too.
    expect(checkMessage('{% liquid\ninclude "x"\n%}')).toContain(PARTIALS_REFUSED);
  });

  // Each case may run up to the render limit (wall time) before it is stopped: a hang guard, not a speed bound.
  it('stops nested loops, huge ranges and string doubling at the render and memory limits', { timeout: 120_000 }, () => {
    const loops = (depth: number, list: string) => {
      let body = '{{ a0 }}';
      for (let i = depth - 1; i >= 0; i--) body = `{% for a${i} in ${list} %}${body}{% endfor %}`;
      return `{% assign s = "x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x" | split: "," %}${body}`;
    };
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 5, max: 8 }).map((d) => loops(d, 's')),
          fc.integer({ min: 3, max: 5 }).map((d) => loops(d, '(1..1000)')),
          fc.integer({ min: 3_000_000, max: 20_000_000 }).map((n) => `{% for i in (1..${n}) %}{{ i }}{% endfor %}`),
          fc
            .integer({ min: 20, max: 40 })
            .map((n) => `{% assign s = "xxxxxxxxxx" %}{% for i in (1..${n}) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}`),
          fc.constant('{% liquid\nfor i in (1..2000)\nfor j in (1..2000)\necho i\nendfor\nendfor\n%}'),
          fc.constant(`{{ "${'x'.repeat(1000)}" | split: "" | join: "${'y'.repeat(2000)}" }}`),
        ),
        (source) => {
          expect(checkMessage(source)).toBeNull();
          expect(() => renderMessage(source, {})).toThrow(/limit exceeded|longer than/);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('refuses overlong templates when parsing', () => {
    expect(checkMessage('x'.repeat(MESSAGE_LIMITS.maxTemplateLength + 1))).toMatch(/limit/);
  });

  it('still renders ordinary templates', () => {
    expect(
      renderMessage('{% for p in campaign.phases %}{{ p.name }} {% endfor %}', {
        campaign: { phases: [{ name: 'warm_up' }, { name: 'burst' }] },
      }),
    ).toBe('warm_up burst ');
  });
});
