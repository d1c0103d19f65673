import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { problemText } from '@flightdeck/workflows';
import { ApiError } from '../api/client.ts';
import { useAlertAction } from '../api/queries.ts';
import type { Alert } from '../api/types.ts';
import { useErrorText } from '../components/errorText.ts';
import { formatShortDateTime } from '../components/format.ts';
import { Modal } from '../components/Modal.tsx';
import { useToast } from '../components/Toasts.tsx';
import { useLocale } from '../i18n/index.ts';
import { MAX_SNOOZE_MS, resolveUntil, type Until } from './alertFormat.ts';
import { UntilPicker } from './UntilPicker.tsx';

/** Snooze until 1 h, 4 h, a day from now, or a chosen time (30 days at most, as the server allows). */
export function SnoozeDialog({ alert, onClose }: { alert: Alert; onClose: () => void }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const toast = useToast();
  const errorText = useErrorText();
  const act = useAlertAction();
  const [until, setUntil] = useState<Until>({ preset: '1h' });
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);

  const submit = () => {
    const r = resolveUntil(until, Date.now(), MAX_SNOOZE_MS);
    setError(null);
    if ('error' in r) return setFieldError(t(r.error));
    setFieldError(undefined);
    act.mutate(
      { id: alert.id, act: { kind: 'snooze', until: r.at } },
      {
        onSuccess: () => {
          toast('success', t('alerts.snoozedToast', { time: formatShortDateTime(r.at, locale) }));
          onClose();
        },
        onError: (err) => {
          const field = err instanceof ApiError ? err.problem.errors?.find((x) => x.path.endsWith('until')) : undefined;
          if (field) setFieldError(problemText(field, locale));
          else setError(errorText(err));
        },
      },
    );
  };

  return (
    <Modal
      title={t('alerts.snoozeDialog.title', { rule: alert.ruleId })}
      onClose={onClose}
      testId="snooze-dialog"
      footer={
        <>
          <button type="button" className="fd-btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" form="snooze-form" className="fd-btn fd-btn--primary" disabled={act.isPending} data-testid="snooze-submit">
            {t('alerts.snoozeDialog.submit')}
          </button>
        </>
      }
    >
      <form
        id="snooze-form"
        className="fd-form"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <p className="fd-muted fd-small">{t('alerts.snoozeDialog.help')}</p>
        <UntilPicker legend={t('alerts.silenceDialog.until')} value={until} onChange={setUntil} error={fieldError} testId="snooze-until" />
        {error && (
          <pre className="fd-pre fd-pre--error" role="alert" data-testid="snooze-error">
            {error}
          </pre>
        )}
      </form>
    </Modal>
  );
}
