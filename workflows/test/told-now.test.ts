import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toldNow, type AlertGroup, type FlowAlert } from '../src/index.ts';

const alertOf = (id: string, label: string): FlowAlert => ({
  alertId: id,
  ruleId: id,
  ruleLabel: label,
  ruleText: null,
  channel: 'weibo',
  severity: 'critical',
  state: 'firing',
  firedAt: '2026-06-09T14:00:00Z',
  value: 1,
  threshold: 0.5,
  unit: 'ratio',
});
const group: AlertGroup = { key: 'campaign', reason: 'new', size: 3, summary: 'as handed', more: '\nFiring with it (2):\n…\n' };
const [a, b, c] = [alertOf('a', 'Spike'), alertOf('b', 'Rise'), alertOf('c', 'Drop')];

describe('toldNow: a later level of a grouped ladder', () => {
  it('leads with the first alert still firing and says how many are told and how many still fire', () => {
    const told = toldNow(a, group, [a, b, c], ['c', 'b']);
    expect(told.lead).toBe(b);
    expect(told.alerts.map((x) => x.alertId)).toEqual(['b', 'a', 'c']);
    expect(told.group).toMatchObject({ size: 3, firing: 2 });
    expect(told.group.more).toBe(
      '\n3 alerts told together, 2 still firing. With it (2):\n- Spike on weibo: 1 against 0.5\n- Drop on weibo: 1 against 0.5\n',
    );
  });

  it('keeps the group as handed while every one fires, for a lone alert, and for an answer without `firing`', () => {
    for (const [lead, alerts, firing] of [
      [a, [a, b, c], ['a', 'b', 'c']],
      [a, [a], []],
      [a, [a, b, c], undefined],
    ] as const)
      expect(toldNow(lead, group, alerts, firing)).toEqual({ lead, alerts, group });
    // The handed lead still firing stays the lead, though another was acknowledged.
    expect(toldNow(a, group, [a, b, c], ['a', 'c']).lead).toBe(a);
  });

  it('whatever fires, the lead is one the message tells, firing if any is, and every alert is told once', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    fc.assert(
      fc.property(fc.subarray(ids), fc.integer({ min: 0, max: 4 }), (firing, leadAt) => {
        const alerts = ids.map((id) => alertOf(id, `rule ${id}`));
        const told = toldNow(alerts[leadAt]!, { ...group, size: alerts.length }, alerts, firing);
        expect(told.alerts.map((x) => x.alertId).sort()).toEqual(ids);
        // Unchanged while every one fires; otherwise the lead comes first, and is firing if any is.
        if (firing.length === ids.length) expect(told.lead).toBe(alerts[leadAt]);
        else expect(told.alerts[0]).toBe(told.lead);
        if (firing.length && firing.length < ids.length) expect(firing).toContain(told.lead.alertId);
      }),
    );
  });
});
