import { useTranslation } from 'react-i18next';
import { useAckAlerts } from '../api/queries.ts';
import type { Alert } from '../api/types.ts';
import { useErrorText } from '../components/errorText.ts';
import { useToast } from '../components/Toasts.tsx';
import { alertActions } from './alertFormat.ts';

/** Alerts the multi-select may take: those an ack applies to (firing or snoozed). */
export const ackable = (a: Alert) => alertActions(a.state).ack;

/**
 * "Acknowledge selected": the ticked alerts in one decision (`POST /api/alerts/ack`). The toast says how many were
 * acknowledged and how many someone else had handled meanwhile, since a shared Alerts page goes stale.
 */
export function AckSelected({ selected, onDone }: { selected: string[]; onDone: () => void }) {
  const { t } = useTranslation();
  const toast = useToast();
  const errorText = useErrorText();
  const ack = useAckAlerts();
  const submit = () =>
    ack.mutate(selected, {
      onSuccess: ({ results }) => {
        const acked = results.filter((r) => r.outcome === 'acknowledged').length;
        const others = results.length - acked;
        const text = t('alerts.ackedMany', { acked, count: results.length });
        toast(acked ? 'success' : 'error', others ? `${text}; ${t('alerts.ackedManyOthers', { others })}` : text);
        onDone();
      },
      onError: (err) => toast('error', errorText(err)),
    });
  return (
    <button
      type="button"
      className="fd-btn fd-btn--primary"
      disabled={!selected.length || ack.isPending}
      onClick={submit}
      data-testid="alerts-ack-selected"
    >
      ✓ {t('alerts.ackSelected', { count: selected.length })}
    </button>
  );
}
