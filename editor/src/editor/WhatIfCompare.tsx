import { useTranslation } from 'react-i18next';
import type { ComparedAlert, WhatIfComparison, WhatIfSummary } from '@flightdeck/workflows/whatif';
import type { Outcome } from './WhatIfPanel.tsx';

/**
 * Two simulations side by side (the one before the last change and the last one): their summaries, then only what
 * differs, the alerts each was told of alone, escalations and messages by node, and the other figures.
 */
export function WhatIfCompare(props: {
  before: Outcome;
  after: Outcome;
  comparison: WhatIfComparison;
  summaryLine: (s: WhatIfSummary) => string;
  label: (nodeId: string) => string;
  when: (at: number) => string;
  onForget: () => void;
}) {
  const { t } = useTranslation();
  const c = props.comparison;
  const alert = (a: ComparedAlert) =>
    t('whatIf.compare.alert', {
      rule: a.ruleId,
      channel: a.channel ?? t('whatIf.compare.campaignWide'),
      at: Number.isNaN(Date.parse(a.firedAt)) ? a.firedAt : props.when(Date.parse(a.firedAt)),
    });
  const status = (s: string) => t(`whatIf.status.${s}`, { defaultValue: s });
  const figure = (key: string, value: number) => (key === 'virtualMs' ? Math.round(value / 3_600_000) : value);
  return (
    <section className="fd-whatif__compare" data-testid="whatif-compare">
      <h3 className="fd-whatif__sub">{t('whatIf.compare.title')}</h3>
      <div className="fd-whatif__sides">
        <div data-testid="whatif-compare-before">
          <strong>{t('whatIf.compare.before')}</strong>
          <p>{props.summaryLine(props.before.summary)}</p>
        </div>
        <div data-testid="whatif-compare-after">
          <strong>{t('whatIf.compare.now')}</strong>
          <p>{props.summaryLine(props.after.summary)}</p>
        </div>
      </div>
      {c.same ? (
        <p data-testid="whatif-compare-same">{t('whatIf.compare.same')}</p>
      ) : (
        <ul className="fd-whatif__diff" data-testid="whatif-diff">
          {c.status && (
            <li data-diff="status">{t('whatIf.compare.status', { before: status(c.status.before), after: status(c.status.after) })}</li>
          )}
          <AlertList kind="added" title={t('whatIf.compare.added')} alerts={c.alerts.added} text={alert} />
          <AlertList kind="removed" title={t('whatIf.compare.removed')} alerts={c.alerts.removed} text={alert} />
          {c.escalations.length > 0 && (
            <li data-diff="escalations">
              {t('whatIf.compare.escalations')}
              <ul>
                {c.escalations.map((e) => (
                  <li key={e.key}>
                    {t('whatIf.compare.change', {
                      key: t('whatIf.compare.level', { node: props.label(e.nodeId), level: e.level }),
                      before: e.before,
                      after: e.after,
                    })}
                  </li>
                ))}
              </ul>
            </li>
          )}
          {c.messages.length > 0 && (
            <li data-diff="messages">
              {t('whatIf.compare.messages')}
              <ul>
                {c.messages.map((m) => (
                  <li key={m.key}>{t('whatIf.compare.change', { key: props.label(m.nodeId), before: m.before, after: m.after })}</li>
                ))}
              </ul>
            </li>
          )}
          {c.launch && (
            <li data-diff="launch">
              {t('whatIf.compare.launch', {
                before: c.launch.before === null ? t('whatIf.compare.never') : props.when(c.launch.before),
                after: c.launch.after === null ? t('whatIf.compare.never') : props.when(c.launch.after),
              })}
            </li>
          )}
          {c.figures.length > 0 && (
            <li data-diff="figures">
              {t('whatIf.compare.figures')}
              <ul>
                {c.figures.map((f) => (
                  <li key={f.key}>
                    {t('whatIf.compare.change', {
                      key: t(`whatIf.compare.figure.${f.key}`, { defaultValue: f.key }),
                      before: figure(f.key, f.before),
                      after: figure(f.key, f.after),
                    })}
                  </li>
                ))}
              </ul>
            </li>
          )}
        </ul>
      )}
      <button type="button" className="fd-btn" data-testid="whatif-compare-forget" onClick={props.onForget}>
        {t('whatIf.compare.forget')}
      </button>
    </section>
  );
}

function AlertList(props: { kind: string; title: string; alerts: ComparedAlert[]; text: (a: ComparedAlert) => string }) {
  if (!props.alerts.length) return null;
  return (
    <li data-diff={props.kind}>
      {props.title}
      <ul>
        {props.alerts.map((a) => (
          <li key={`${a.ruleId}${a.channel}${a.firedAt}`}>{props.text(a)}</li>
        ))}
      </ul>
    </li>
  );
}
