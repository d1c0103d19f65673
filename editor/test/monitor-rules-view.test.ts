import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatRuleValue, isMonitorDetail } from '../src/runs/monitorDetail.ts';

describe('monitor rules in the run view', () => {
  it('recognises a monitor node detail and nothing else', () => {
    expect(isMonitorDetail({ monitorId: 'm', watermark: null, statuses: [] })).toBe(true);
    for (const v of [null, undefined, 1, 'x', [], { monitorId: 1, statuses: [] }, { monitorId: 'm' }])
      expect(isMonitorDetail(v)).toBe(false);
  });

  it('formats values in their unit', () => {
    expect(formatRuleValue(0.0123, 'ratio', 'en')).toBe('1.23 %');
    expect(formatRuleValue(4 * 3_600_000, 'ms', 'en')).toBe('4 h');
    expect(formatRuleValue(1234.567, 'money', 'en')).toBe('1,234.57');
    expect(formatRuleValue(null, 'count', 'en')).toBe('—');
  });

  it('never throws or prints NaN on any value', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double(), fc.constant(null)),
        fc.constantFrom('ratio', 'ms', 'money', 'count') as fc.Arbitrary<never>,
        (v, u) => {
          expect(formatRuleValue(v, u, 'zh-CN')).not.toMatch(/NaN|Infinity/);
        },
      ),
    );
  });
});
