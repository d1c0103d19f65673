import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useExpireSilence, useSilences } from '../api/queries.ts';
import type { Silence } from '../api/types.ts';
import { useErrorText } from '../components/errorText.ts';
import { formatShortDateTime } from '../components/format.ts';
import { useToast } from '../components/Toasts.tsx';
import { useLocale } from '../i18n/index.ts';
import { SilenceDialog } from './SilenceDialog.tsx';

/** Active and planned silences, each with "expire"; ended ones are history and stay out of the way. */
export function SilenceList({ canAct }: { canAct: boolean }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const toast = useToast();
  const errorText = useErrorText();
  const silences = useSilences();
  const expire = useExpireSilence();
  const [creating, setCreating] = useState(false);
  const live = (silences.data ?? []).filter((s) => s.status !== 'expired');
  const when = (iso: string) => formatShortDateTime(iso, locale);

  const scope = (s: Silence) =>
    [s.campaignName, s.ruleId ?? t('alerts.silences.everyRule'), s.channel ?? t('alerts.silences.everyChannel')].join(' · ');

  return (
    <section className="fd-card fd-section fd-silences" aria-labelledby="silences-title" data-testid="silences">
      <div className="fd-silences__head">
        <div>
          <h2 id="silences-title">{t('alerts.silences.title')}</h2>
          <p className="fd-muted fd-small">{t('alerts.silences.subtitle')}</p>
        </div>
        {canAct && (
          <button
            type="button"
            className="fd-btn fd-btn--small"
            aria-haspopup="dialog"
            onClick={() => setCreating(true)}
            data-testid="silence-new"
          >
            {t('alerts.silences.new')}
          </button>
        )}
      </div>
      {silences.isPending ? (
        <p className="fd-muted">{t('common.loading')}</p>
      ) : silences.isError ? (
        <p className="fd-error-text" role="alert">
          {t('alerts.silences.loadError')}: {errorText(silences.error)}
        </p>
      ) : !live.length ? (
        <p className="fd-muted" data-testid="silences-empty">
          {t('alerts.silences.empty')}
        </p>
      ) : (
        <ul className="fd-silences__list">
          {live.map((s) => (
            <li key={s.id} className="fd-silence" data-testid={`silence-${s.id}`} data-status={s.status}>
              <div className="fd-silence__main">
                <span className={`fd-badge fd-silence__status is-${s.status}`}>{t(`alerts.silences.status.${s.status}`)}</span>
                <strong className="fd-silence__scope">{scope(s)}</strong>
                <span className="fd-muted fd-small">
                  {s.status === 'pending' && `${t('alerts.silences.from', { time: when(s.startsAt) })} `}
                  {t('alerts.silences.to', { time: when(s.endsAt) })}
                  {s.createdBy && ` · ${s.createdBy.name}`}
                </span>
                {s.comment && <q className="fd-silence__comment">{s.comment}</q>}
              </div>
              {canAct && (
                <button
                  type="button"
                  className="fd-btn fd-btn--small fd-btn--danger"
                  disabled={expire.isPending}
                  aria-label={t('alerts.silences.expireLabel', { campaign: s.campaignName, time: when(s.endsAt) })}
                  data-testid={`silence-expire-${s.id}`}
                  onClick={() => {
                    if (!window.confirm(t('alerts.silences.confirmExpire'))) return;
                    expire.mutate(s.id, {
                      onSuccess: () => toast('success', t('alerts.silences.expired')),
                      onError: (err) => toast('error', errorText(err)),
                    });
                  }}
                >
                  {t('alerts.silences.expire')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {creating && <SilenceDialog onClose={() => setCreating(false)} />}
    </section>
  );
}
