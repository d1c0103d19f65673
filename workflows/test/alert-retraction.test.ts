import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { orphanedAlerts } from '../src/monitoring/retraction.ts';
import { parseMonitor, type MonitorConfig } from '../src/monitoring/schema.ts';
import type { RuleStatus } from '../src/monitoring/evaluate.ts';

const H = 3_600_000;
const monitor = (keepFiringFor: string): MonitorConfig => {
  const parsed = parseMonitor({
    every: '1h',
    rules: [{ id: 'neg', kind: 'threshold', metric: 'negative_mentions', per: 'campaign', op: 'above', value: 100, keepFiringFor }],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.monitor;
};
const status = (state: RuleStatus['state']): RuleStatus => ({
  ruleId: 'neg',
  label: 'neg',
  kind: 'threshold',
  severity: 'warning',
  channel: null,
  state,
  since: null,
  value: null,
  threshold: null,
  baseline: null,
  unit: 'count',
  at: null,
});
const open = [{ id: 'a1', ruleId: 'neg', channel: null, lastFiredAt: 5 * H }];

describe('alerts whose fire a late point took back', () => {
  it('resolve once the data is keepFiringFor past the corrected bucket, in whole buckets', () => {
    expect(orphanedAlerts(monitor('0s'), [status('ok')], open, 5 * H)).toEqual({ resolve: [{ id: 'a1', at: 5 * H }], pendingUntil: null });
    expect(orphanedAlerts(monitor('2h'), [status('ok')], open, 6 * H)).toEqual({ resolve: [], pendingUntil: 7 * H });
    expect(orphanedAlerts(monitor('90m'), [status('pending')], open, 7 * H).resolve).toEqual([{ id: 'a1', at: 7 * H }]);
  });

  it('a rule still firing keeps its alert; a rule the monitor does not have is not its to judge', () => {
    expect(orphanedAlerts(monitor('0s'), [status('firing')], open, 9 * H).resolve).toEqual([]);
    expect(orphanedAlerts(monitor('0s'), [], [{ ...open[0]!, ruleId: 'other' }], 9 * H).resolve).toEqual([]);
    // A channel the rule judges no more (its machine gone) is not firing either.
    expect(orphanedAlerts(monitor('0s'), [], open, 9 * H).resolve).toEqual([{ id: 'a1', at: 5 * H }]);
  });

  it('never resolves before the keep-firing period ends, whatever the times', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 48 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 0, max: 2000 }),
        (k, fired, judged) => {
          const v = orphanedAlerts(monitor(`${k}h`), [status('ok')], [{ ...open[0]!, lastFiredAt: fired * H }], judged * H);
          const ends = (fired + k) * H;
          expect(v.resolve.length === 1).toBe(judged * H >= ends);
          if (v.resolve.length) expect(v.resolve[0]!.at).toBe(ends);
          else expect(v.pendingUntil).toBe(ends);
        },
      ),
      { numRuns: 300 },
    );
  });
});
