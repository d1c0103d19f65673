import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { alertListQuery, silenceBody, snoozeBody } from '../../engine/src/api/contracts/index.ts';
import {
  alertActions,
  formatDelay,
  keyDelays,
  localInput,
  MAX_SNOOZE_MS,
  presetUntil,
  resolveUntil,
  ruleInWords,
  timelineSteps,
} from '../src/alerts/alertFormat.ts';
import { alertQuery } from '../src/api/client.ts';
import { alertFilterOf, alertsViewOf, href, parseRoute } from '../src/routes.ts';
import type { AlertEvent } from '../src/api/types.ts';

const NOW = Date.parse('2026-06-01T08:00:00.000Z');
const UUID = '0b7c4f6e-3a1d-4e8b-9c2f-5d6e7f8a9b0c';

describe('alert delays', () => {
  it('read as an offset after the point arrived, with the unit that fits', () => {
    expect(formatDelay(1234)).toBe('+1.2 s');
    expect(formatDelay(0)).toBe('+0 s');
    expect(formatDelay(350)).toBe('+0.35 s');
    expect(formatDelay(9_960)).toBe('+10 s');
    expect(formatDelay(42_400)).toBe('+42 s');
    expect(formatDelay(59_600)).toBe('+1 min');
    expect(formatDelay(185_000)).toBe('+3 min 5 s');
    expect(formatDelay(3_599_700)).toBe('+1 h');
    expect(formatDelay(2 * 3_600_000 + 10 * 60_000)).toBe('+2 h 10 min');
    expect(formatDelay(28 * 3_600_000)).toBe('+1 d 4 h');
    // A server clock a little behind the ingest clock: shown, not hidden.
    expect(formatDelay(-200)).toBe('−0.2 s');
    expect(formatDelay(Number.NaN)).toBe('—');
  });

  it('never throw, always carry a sign and a unit, for any number', () => {
    fc.assert(
      fc.property(fc.double(), (ms) => {
        const s = formatDelay(ms);
        expect(Number.isFinite(ms) ? /^[+−]\d+(\.\d+)? (s|min|h|d)( \d+ (s|min|h))?$/.test(s) : s === '—').toBe(true);
      }),
    );
  });
});

describe('the timeline', () => {
  const openedAt = '2026-06-01T08:00:00.000Z';
  const ev = (id: number, kind: AlertEvent['kind'], at: string, detail: Record<string, unknown> = {}, actor: AlertEvent['actor'] = null) =>
    ({ id, kind, at, actor, detail }) satisfies AlertEvent;
  const timeline = [
    ev(1, 'fired', openedAt, { eventTime: '2026-06-01T07:00:00.000Z', value: 0.011, threshold: 0.015 }),
    ev(2, 'notified', '2026-06-01T08:00:01.234Z', { channelKind: 'wecom', target: 'Ops room', delayMs: 1234 }),
    ev(3, 'escalated', '2026-06-01T08:15:02.000Z', { channelKind: 'sms', target: 'On-call', delayMs: 902_000 }),
    ev(4, 'acknowledged', '2026-06-01T08:20:00.000Z', { via: 'session', from: 'firing' }, { id: UUID, name: 'Dee' }),
    ev(5, 'resolved', '2026-06-01T09:00:00.000Z', { by: 'rule', value: 0.02 }),
  ];

  it('a held message is a step of its own: why, and until when', () => {
    const until = '2026-06-01T08:15:39.000Z';
    const held = ev(6, 'held', '2026-06-01T08:15:02.000Z', {
      reason: 'rate_limit',
      until,
      channelKind: 'sms',
      target: 'On-call',
      delayMs: 902_000,
    });
    const [s] = timelineSteps({ openedAt, timeline: [held] });
    expect(s).toMatchObject({
      kind: 'held',
      reason: 'rate_limit',
      until,
      channelKind: 'sms',
      target: 'On-call',
      delayMs: 902_000,
      measured: true,
    });
    // Until the channel resumed: no end time.
    expect(timelineSteps({ openedAt, timeline: [{ ...held, detail: { reason: 'paused', until: null } }] })[0]).toMatchObject({
      until: null,
    });
  });

  it('takes the measured delay where the server recorded one, and counts from the arrival otherwise', () => {
    const steps = timelineSteps({ openedAt, timeline });
    expect(steps.map((s) => [s.kind, s.delayMs, s.measured])).toEqual([
      ['fired', 0, false],
      ['notified', 1234, true],
      ['escalated', 902_000, true],
      ['acknowledged', 1_200_000, false],
      ['resolved', 3_600_000, false],
    ]);
    expect(steps[1]).toMatchObject({ channelKind: 'wecom', target: 'Ops room', actor: null });
    expect(steps[3]).toMatchObject({ actor: 'Dee', via: 'session' });
    expect(steps[4]).toMatchObject({ by: 'rule', value: 0.02 });
    expect(keyDelays(steps)).toEqual({ notified: 1234, acknowledged: 1_200_000, resolved: 3_600_000 });
    expect(keyDelays(steps.slice(0, 1))).toEqual({ notified: null, acknowledged: null, resolved: null });
  });

  it('reads any detail the column may hold without throwing, and keeps only well-typed fields', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string(), (detail, openedAt) => {
        const [s] = timelineSteps({ openedAt, timeline: [ev(1, 'notified', '2026-06-01T08:00:00.000Z', detail)] });
        for (const v of [s!.channelKind, s!.target, s!.via, s!.by, s!.until, s!.eventTime])
          expect(v === null || typeof v === 'string').toBe(true);
        expect(s!.delayMs === null || Number.isFinite(s!.delayMs)).toBe(true);
      }),
    );
  });

  it('offers only what the alert lifecycle allows', () => {
    expect(alertActions('firing')).toEqual({ ack: true, resolve: true, snooze: true });
    expect(alertActions('snoozed')).toEqual({ ack: true, resolve: true, snooze: true });
    expect(alertActions('acknowledged')).toEqual({ ack: false, resolve: true, snooze: true });
    expect(alertActions('resolved')).toEqual({ ack: false, resolve: false, snooze: false });
  });
});

describe('the rule in words', () => {
  const text = { en: 'CTR below 2 % on tmall', 'zh-CN': 'tmall 的点击率低于 2%' };
  it("shows the author's label, with the condition in the reader's language under it", () => {
    expect(ruleInWords({ ruleId: 'ctr_low', ruleLabel: 'CTR too low', ruleText: text }, 'zh-CN')).toEqual({
      title: 'CTR too low',
      text: 'tmall 的点击率低于 2%',
    });
  });
  it('a rule without a label is its condition, in the reader language; an old alert is its id', () => {
    expect(ruleInWords({ ruleId: 'ctr_low', ruleLabel: text.en, ruleText: text }, 'zh-CN')).toEqual({ title: text['zh-CN'], text: null });
    expect(ruleInWords({ ruleId: 'ctr_low', ruleLabel: text.en, ruleText: text }, 'en')).toEqual({ title: text.en, text: null });
    expect(ruleInWords({ ruleId: 'ctr_low', ruleLabel: 'ctr_low', ruleText: null }, 'en')).toEqual({ title: 'ctr_low', text: null });
  });
  it('names the chat room that acknowledged from its link', () => {
    const [step] = timelineSteps({
      openedAt: '2026-06-01T08:00:00.000Z',
      timeline: [
        { id: 1, kind: 'acknowledged', at: '2026-06-01T08:01:00.000Z', actor: null, detail: { via: 'chat-link', room: 'Ops (wecom)' } },
      ],
    });
    expect(step).toMatchObject({ actor: 'Ops (wecom)', via: 'chat-link' });
  });
});

describe('snooze and silence times', () => {
  it('presets count from now; a chosen time must be ahead and within the limit', () => {
    expect(presetUntil('1h', NOW)).toBe('2026-06-01T09:00:00.000Z');
    expect(presetUntil('4h', NOW)).toBe('2026-06-01T12:00:00.000Z');
    expect(presetUntil('1d', NOW)).toBe('2026-06-02T08:00:00.000Z');
    const local = localInput(NOW + 3 * 3_600_000);
    expect(resolveUntil({ custom: local }, NOW, MAX_SNOOZE_MS)).toEqual({ at: new Date(NOW + 3 * 3_600_000).toISOString() });
    expect(resolveUntil({ custom: localInput(NOW - 60_000) }, NOW, MAX_SNOOZE_MS)).toEqual({ error: 'alerts.notFuture' });
    expect(resolveUntil({ custom: localInput(NOW + 31 * 86_400_000) }, NOW, MAX_SNOOZE_MS)).toEqual({ error: 'alerts.tooFar' });
    expect(resolveUntil({ custom: localInput(NOW + 91 * 86_400_000) }, NOW, 90 * 86_400_000)).toEqual({ error: 'alerts.tooLong' });
    expect(resolveUntil({ custom: '' }, NOW, MAX_SNOOZE_MS)).toEqual({ error: 'alerts.notATime' });
  });

  it('whatever is typed, the picker either refuses it or gives a time the API takes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.date({ noInvalidDate: true }).map((d) => localInput(d.getTime())),
        ),
        (custom) => {
          const r = resolveUntil({ custom }, NOW, MAX_SNOOZE_MS);
          if ('at' in r) {
            expect(snoozeBody.safeParse({ until: r.at }).success).toBe(true);
            expect(Date.parse(r.at)).toBeGreaterThan(NOW);
            expect(silenceBody.safeParse({ campaignId: UUID, endsAt: r.at }).success).toBe(true);
          } else expect(r.error).toMatch(/^alerts\./);
        },
      ),
    );
  });
});

describe('the Alerts address', () => {
  it('routes #/alerts with its filters and #/alerts/:id; a shared link round-trips', () => {
    expect(parseRoute('#/alerts')).toEqual({ name: 'alerts', view: { state: 'open' } });
    expect(parseRoute(`#/alerts?campaignId=${UUID}&severity=critical&state=all`)).toEqual({
      name: 'alerts',
      view: { campaignId: UUID, severity: 'critical', state: 'all' },
    });
    expect(parseRoute(`#/alerts/${UUID}`)).toEqual({ name: 'alert', alertId: UUID });
    expect(href.alerts()).toBe('#/alerts');
    const view = { campaignId: UUID, severity: 'warning', state: 'snoozed' } as const;
    expect(parseRoute(href.alerts(view))).toEqual({ name: 'alerts', view });
    expect(alertFilterOf({ state: 'all' })).toEqual({});
    expect(alertFilterOf({ state: 'open', severity: 'info' })).toEqual({ state: 'open', severity: 'info' });
    expect(alertQuery({ state: 'open', campaignId: UUID }, 'abc_-1')).toBe(`state=open&campaignId=${UUID}&limit=50&cursor=abc_-1`);
  });

  it('a hand-edited or hostile address never becomes a query the API refuses', () => {
    const key = fc.constantFrom('campaignId', 'severity', 'state', 'ruleId', 'limit', '__proto__', 'from');
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.oneof(fc.string(), fc.constantFrom('critical', 'open', 'all', 'resolved', UUID)))), (pairs) => {
        const q = new URLSearchParams(pairs);
        const filter = alertFilterOf(alertsViewOf(q));
        const sent = Object.fromEntries(new URLSearchParams(alertQuery(filter)));
        expect(alertListQuery.safeParse(sent).success).toBe(true);
        expect(parseRoute(`#/alerts?${q}`).name).toBe('alerts');
      }),
    );
  });
});
