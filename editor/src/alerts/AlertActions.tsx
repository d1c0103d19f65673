import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAlertAction, type AlertAct } from '../api/queries.ts';
import type { Alert } from '../api/types.ts';
import { useErrorText } from '../components/errorText.ts';
import { useToast } from '../components/Toasts.tsx';
import { useLocale } from '../i18n/index.ts';
import { alertActions, ruleInWords } from './alertFormat.ts';
import { SilenceDialog } from './SilenceDialog.tsx';
import { SnoozeDialog } from './SnoozeDialog.tsx';

/**
 * Ack, resolve, snooze and silence for one alert, in a table row or on the alert's page. Each button's
 * accessible name says which alert it acts on, since a row of "Acknowledge" buttons reads alike.
 */
export function AlertActions({ alert, canAct }: { alert: Alert; canAct: boolean }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const toast = useToast();
  const errorText = useErrorText();
  const act = useAlertAction();
  const [dialog, setDialog] = useState<'snooze' | 'silence' | null>(null);
  if (!canAct) return null;
  const allowed = alertActions(alert.state);
  const names = { rule: ruleInWords(alert, locale).title, campaign: alert.campaignName };
  const run = (a: AlertAct, done: string) =>
    act.mutate({ id: alert.id, act: a }, { onSuccess: () => toast('success', done), onError: (err) => toast('error', errorText(err)) });

  return (
    <div className="fd-alert-actions">
      {allowed.ack && (
        <button
          type="button"
          className="fd-btn fd-btn--small fd-btn--primary"
          disabled={act.isPending}
          aria-label={t('alerts.ackLabel', names)}
          data-testid={`alert-ack-${alert.id}`}
          onClick={() => run({ kind: 'ack' }, t('alerts.acked', names))}
        >
          ✓ {t('alerts.ack')}
        </button>
      )}
      {allowed.snooze && (
        <button
          type="button"
          className="fd-btn fd-btn--small"
          aria-label={t('alerts.snoozeLabel', names)}
          aria-haspopup="dialog"
          data-testid={`alert-snooze-${alert.id}`}
          onClick={() => setDialog('snooze')}
        >
          {t('alerts.snooze')}
        </button>
      )}
      {allowed.resolve && (
        <button
          type="button"
          className="fd-btn fd-btn--small"
          disabled={act.isPending}
          aria-label={t('alerts.resolveLabel', names)}
          data-testid={`alert-resolve-${alert.id}`}
          onClick={() => {
            if (window.confirm(t('alerts.confirmResolve', names))) run({ kind: 'resolve' }, t('alerts.resolvedToast', names));
          }}
        >
          {t('alerts.resolve')}
        </button>
      )}
      <button
        type="button"
        className="fd-btn fd-btn--small"
        aria-label={t('alerts.silenceLabel', names)}
        aria-haspopup="dialog"
        data-testid={`alert-silence-${alert.id}`}
        onClick={() => setDialog('silence')}
      >
        {t('alerts.silence')}
      </button>
      {dialog === 'snooze' && <SnoozeDialog alert={alert} onClose={() => setDialog(null)} />}
      {dialog === 'silence' && (
        <SilenceDialog
          target={{ campaignId: alert.campaignId, campaignName: alert.campaignName, ruleId: alert.ruleId, channel: alert.channel }}
          onClose={() => setDialog(null)}
        />
      )}
    </div>
  );
}
