import { describe, expect, it } from 'vitest';
import { checkExpression, evaluateExpression, ExpressionError, fromCel, MAX_EXPRESSION_LENGTH } from '../src/expressions.ts';
import { checkTemplate, renderTemplate, renderText, templateExpressions } from '../src/templates.ts';

describe('checkExpression', () => {
  it.each([
    'true',
    'input.amount > 100',
    'nodes.call_crm.output.status == 200',
    'input.tags.exists(t, t == "vip")',
    'size(input.items) >= 2 && run.version > 0',
    '"a" + "b"',
    'has(input.optional)',
  ])('accepts %j', (src) => {
    expect(checkExpression(src)).toEqual({ ok: true });
  });

  it.each([
    ['input.amount >', /./],
    ['(1 + 2', /./],
    ['launchMissiles()', /./],
    ['1 +* 2', /./],
    ['', /empty/],
    ['   ', /empty/],
  ])('rejects %j with a one-line error', (src, pattern) => {
    const check = checkExpression(src);
    expect(check.ok).toBe(false);
    expect(check.error).toMatch(pattern);
    expect(check.error).not.toContain('\n');
  });

  it('rejects a type error in literals', () => {
    expect(checkExpression('1 + "a"').ok).toBe(false);
  });

  it('rejects overlong expressions before parsing them', () => {
    const check = checkExpression('1 == 1 && '.repeat(500) + 'true');
    expect(check).toEqual({ ok: false, error: `Longer than ${MAX_EXPRESSION_LENGTH} characters` });
  });

  it('rejects expressions beyond the AST limits without throwing', () => {
    const deep = '('.repeat(200) + '1' + ')'.repeat(200);
    expect(checkExpression(deep).ok).toBe(false);
  });

  it('gives the same answer from the cache', () => {
    expect(checkExpression('input.a ==')).toEqual(checkExpression('input.a =='));
  });
});

describe('evaluateExpression', () => {
  it('turns JSON integers into CEL ints, so integer arithmetic works', () => {
    expect(evaluateExpression('input.x + 1', { input: { x: 41 } })).toBe(42);
    expect(evaluateExpression('input.items[0] * 2', { input: { items: [21] } })).toBe(42);
    expect(evaluateExpression('input.x / 2', { input: { x: 7 } })).toBe(3);
  });

  it('keeps non-integers as doubles', () => {
    expect(evaluateExpression('input.x * 2.0', { input: { x: 1.25 } })).toBe(2.5);
    expect(evaluateExpression('input.x > 1.0', { input: { x: 1.5 } })).toBe(true);
  });

  it('compares ints with doubles', () => {
    expect(evaluateExpression('input.a < input.b', { input: { a: 1, b: 1.5 } })).toBe(true);
  });

  it('returns JSON values: numbers, strings, lists, maps', () => {
    expect(evaluateExpression('[1, 2, 3].map(x, x * 2)', {})).toEqual([2, 4, 6]);
    expect(evaluateExpression('{"a": 1, "b": [true]}', {})).toEqual({ a: 1, b: [true] });
    expect(evaluateExpression('input', { input: { nested: { n: 3, s: 'x', z: null } } })).toEqual({ nested: { n: 3, s: 'x', z: null } });
    expect(evaluateExpression('"618" + "!"', {})).toBe('618!');
  });

  it('throws an ExpressionError naming the expression', () => {
    let err: unknown;
    try {
      evaluateExpression('input.missing + 1', { input: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExpressionError);
    expect((err as ExpressionError).expression).toBe('input.missing + 1');
    expect((err as Error).message).toMatch(/^Expression "input.missing \+ 1" failed: /);
  });

  it('does not expose prototype properties of the scope', () => {
    for (const src of ['input.constructor', 'input.__proto__', 'input.toString', 'input["constructor"]']) {
      expect(() => evaluateExpression(src, { input: {} }), src).toThrow(ExpressionError);
    }
    expect(evaluateExpression('has(input.constructor)', { input: {} })).toBe(false);
  });

  it('does not let an expression change the scope it reads', () => {
    const scope = { input: { list: [1, 2] } };
    evaluateExpression('input.list + [3]', scope);
    expect(scope).toEqual({ input: { list: [1, 2] } });
  });
});

describe('fromCel', () => {
  it('converts CEL values back to JSON', () => {
    expect(fromCel(5n)).toBe(5);
    expect(fromCel([1n, [2n]])).toEqual([1, [2]]);
    expect(
      fromCel(
        new Map<unknown, unknown>([
          ['a', 1n],
          [2, 'b'],
        ]),
      ),
    ).toEqual({ a: 1, '2': 'b' });
    expect(fromCel(new Uint8Array([1, 2]))).toEqual([1, 2]);
    expect(fromCel(new Date(Date.UTC(2026, 5, 18)))).toBe('2026-06-18T00:00:00.000Z');
    expect(fromCel({ x: { y: 3n } })).toEqual({ x: { y: 3 } });
    expect(fromCel(null)).toBeNull();
    expect(fromCel('s')).toBe('s');
    expect(fromCel(true)).toBe(true);
    expect(fromCel(1.5)).toBe(1.5);
  });
});

describe('templates', () => {
  const scope = { input: { n: 5, name: 'Mia', tags: ['a'], price: 9.5 }, nodes: { w: { output: { status: 200 } } }, run: { id: 'r1' } };

  it('keeps the type of a string that is exactly one placeholder', () => {
    expect(renderTemplate('{{ input.n }}', scope)).toBe(5);
    expect(renderTemplate('{{input.tags}}', scope)).toEqual(['a']);
    expect(renderTemplate('{{ input.n > 3 }}', scope)).toBe(true);
    expect(renderTemplate('{{ input.price }}', scope)).toBe(9.5);
    expect(renderTemplate('{{ nodes.w.output }}', scope)).toEqual({ status: 200 });
  });

  it('interpolates text around placeholders', () => {
    expect(renderTemplate('Hi {{ input.name }}, you are #{{ input.n }}', scope)).toBe('Hi Mia, you are #5');
    expect(renderTemplate('{{ input.name }} {{ input.n }}', scope)).toBe('Mia 5');
    expect(renderTemplate('tags={{ input.tags }}', scope)).toBe('tags=["a"]');
    expect(renderText('{{ input.n }}', scope)).toBe('5');
    expect(renderText('{{ nodes.w.output }}', scope)).toBe('{"status":200}');
  });

  it('renders nested objects and arrays and leaves other values alone', () => {
    expect(renderTemplate({ a: ['{{ run.id }}', 1, null, false], b: { c: 'x{{ input.n + 1 }}' } }, scope)).toEqual({
      a: ['r1', 1, null, false],
      b: { c: 'x6' },
    });
  });

  it('does not render keys', () => {
    expect(renderTemplate({ '{{ input.n }}': 1 }, scope)).toEqual({ '{{ input.n }}': 1 });
  });

  it('lists template expressions with their paths', () => {
    expect(templateExpressions({ a: 'x {{ input.n }} y {{run.id}}', b: [{ c: '{{ 1 + 1 }}' }], d: 3 }, ['body'])).toEqual([
      { path: ['body', 'a'], source: 'input.n' },
      { path: ['body', 'a'], source: 'run.id' },
      { path: ['body', 'b', 0, 'c'], source: '1 + 1' },
    ]);
  });

  it('checkTemplate reports bad expressions and unclosed placeholders with paths', () => {
    const problems = checkTemplate({ ok: '{{ input.n }}', bad: '{{ input. }}', open: 'Hi {{ input.name', list: ['{{ ) }}'] });
    expect(problems).toHaveLength(3);
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: ['open'], error: 'A "{{" placeholder is not closed with "}}"' },
        { path: ['bad'], error: expect.any(String) },
        { path: ['list', 0], error: expect.any(String) },
      ]),
    );
    expect(checkTemplate({ fine: 'a {{ input.n }} b', plain: 'no braces }}' })).toEqual([]);
  });

  it('fails rendering with an ExpressionError when a placeholder fails', () => {
    expect(() => renderTemplate('{{ input.nope }}', scope)).toThrow(ExpressionError);
    expect(() => renderTemplate('a {{ input.nope }}', scope)).toThrow(/input.nope/);
  });

  it('renders null results as empty text', () => {
    expect(renderTemplate('[{{ null }}]', scope)).toBe('[]');
    expect(renderTemplate('{{ null }}', scope)).toBeNull();
  });
});
