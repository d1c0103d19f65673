import { useTranslation } from 'react-i18next';
import type { AlertDetail } from '../api/types.ts';
import { formatDateTime, formatShortDateTime, formatTarget } from '../components/format.ts';
import { useLocale } from '../i18n/index.ts';
import { formatDelay, keyDelays, timelineSteps, type Step } from './alertFormat.ts';

/** Glyphs from the common text fonts (DejaVu, Segoe, SF): emoji are missing on many Linux desktops. */
const ICON: Record<Step['kind'], string> = {
  fired: '⚡',
  refired: '⚡',
  held: '‖',
  notified: '✉',
  escalated: '⇪',
  acknowledged: '✓',
  resolved: '✔',
  snoozed: '◷',
  unsnoozed: '↻',
  silenced: '∅',
};

/**
 * The alert's story, oldest first: each step with who did it, when, and how long after the point's
 * arrival. The delays are the point of this view: how fast the team heard, and how fast it answered.
 */
export function AlertTimeline({ alert }: { alert: AlertDetail }) {
  const { t } = useTranslation();
  const steps = timelineSteps(alert);
  const key = keyDelays(steps);
  return (
    <>
      <section className="fd-card fd-section" aria-labelledby="alert-key-title">
        <h2 id="alert-key-title">{t('alerts.detail.key')}</h2>
        <dl className="fd-keydelays" data-testid="alert-key-delays">
          {(
            [
              ['notified', 'alerts.detail.keyNotified'],
              ['acknowledged', 'alerts.detail.keyAcked'],
              ['resolved', 'alerts.detail.keyResolved'],
            ] as const
          ).map(([k, label]) => (
            <div key={k} className="fd-keydelay" data-testid={`alert-key-${k}`}>
              <dt>{t(label)}</dt>
              <dd className={key[k] === null ? 'fd-muted' : undefined}>
                {key[k] === null ? t('alerts.detail.notYet') : formatDelay(key[k])}
              </dd>
            </div>
          ))}
        </dl>
      </section>
      <section className="fd-card fd-section" aria-labelledby="alert-timeline-title">
        <h2 id="alert-timeline-title">{t('alerts.detail.timeline')}</h2>
        <p className="fd-muted fd-small">{t('alerts.detail.timelineHelp')}</p>
        <ol className="fd-timeline" data-testid="alert-timeline">
          {steps.map((s) => (
            <TimelineStep key={s.id} step={s} unit={alert.unit} />
          ))}
        </ol>
        {alert.timeline.length >= 1000 && <p className="fd-muted fd-small">{t('alerts.detail.truncated')}</p>}
      </section>
    </>
  );
}

function TimelineStep({ step: s, unit }: { step: Step; unit: string }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const channel = s.channelKind ? t(`deliveries.channels.${s.channelKind}`, { defaultValue: s.channelKind }) : '—';
  const target = s.target ?? t('alerts.step.someone');
  const reason = s.reason ? t(`deliveries.reason.${s.reason}`, { defaultValue: s.reason }) : '—';
  const title =
    s.kind === 'notified' || s.kind === 'escalated'
      ? t(`alerts.step.${s.kind}`, { target, channel })
      : s.kind === 'held'
        ? s.until
          ? t('alerts.step.held', { target, channel, reason, time: formatShortDateTime(s.until, locale) })
          : t('alerts.step.heldPaused', { target, channel, reason })
        : s.kind === 'snoozed'
          ? t('alerts.step.snoozed', { time: formatShortDateTime(s.until, locale) })
          : s.kind === 'resolved' && s.by === 'rule'
            ? t('alerts.step.resolvedByRule')
            : t(`alerts.step.${s.kind}`);
  // Who: a person, or the rule (fired, refired, resolved by it), or the clock (a snooze running out), or the system.
  const who = s.actor
    ? s.actor
    : s.kind === 'fired' || s.kind === 'refired' || s.by === 'rule'
      ? t('alerts.by.rule')
      : s.kind === 'unsnoozed'
        ? t('alerts.by.clock')
        : t('alerts.by.system');
  const via = s.actor && s.via ? t(`alerts.via.${s.via}`, { defaultValue: s.via }) : null;
  const fmt = (n: number) => formatTarget(n, unit, locale);
  const measure =
    s.value !== null
      ? s.threshold !== null
        ? t('alerts.step.valueVs', { value: fmt(s.value), threshold: fmt(s.threshold) })
        : t('alerts.step.value', { value: fmt(s.value) })
      : null;
  const delay = s.delayMs === null ? null : formatDelay(s.delayMs);
  return (
    <li className={`fd-step fd-step--${s.kind}`} data-testid="alert-step" data-kind={s.kind}>
      <span className="fd-step__icon" aria-hidden>
        {ICON[s.kind]}
      </span>
      <div className="fd-step__body">
        <div className="fd-step__title">{title}</div>
        <div className="fd-step__meta">
          <span className="fd-step__who" data-testid="alert-step-actor">
            {who}
          </span>
          {via && <span className="fd-muted"> · {via}</span>}
          <span className="fd-muted">
            {' · '}
            <time dateTime={s.at}>{formatDateTime(s.at, locale)}</time>
          </span>
        </div>
        {(measure || s.eventTime) && (
          <div className="fd-step__extra fd-muted fd-small">
            {[measure, s.eventTime ? t('alerts.step.eventTime', { time: formatShortDateTime(s.eventTime, locale) }) : null]
              .filter(Boolean)
              .join(' · ')}
          </div>
        )}
      </div>
      {delay && (
        <span
          className={`fd-step__delay${s.measured ? ' is-measured' : ''}`}
          data-testid="alert-step-delay"
          title={t(s.measured ? 'alerts.delayMeasured' : 'alerts.delayCounted')}
          aria-label={t('alerts.delay', { delay })}
        >
          {delay}
        </span>
      )}
    </li>
  );
}
