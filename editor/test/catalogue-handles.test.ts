import { describe, expect, it } from 'vitest';
import { handlesFor } from '../src/catalogue.ts';

describe('handlesFor', () => {
  it('answers the same array for the same config object, so a node and its edges share one parse', () => {
    const config = { expression: 'input.amount > 100' };
    const first = handlesFor('control.condition', config);
    expect(first).toEqual(['true', 'false']);
    expect(handlesFor('control.condition', config)).toBe(first);
  });

  it('follows an edit, which makes a new config object', () => {
    const before = { branches: ['legal', 'brand'] };
    expect(handlesFor('control.parallel', before)).toEqual(['legal', 'brand']);
    expect(handlesFor('control.parallel', { ...before, branches: ['legal', 'brand', 'finance'] })).toEqual(['legal', 'brand', 'finance']);
    expect(handlesFor('control.parallel', before)).toEqual(['legal', 'brand']);
  });

  it('does not hand one type the answer remembered for another on a shared config object', () => {
    const shared = {};
    expect(handlesFor('control.end', shared)).toEqual([]);
    expect(handlesFor('control.delay', shared)).toEqual(['next']);
    expect(handlesFor('no.such.type', shared)).toEqual([]);
  });
});
