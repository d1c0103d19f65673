import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { problemText } from '@flightdeck/workflows';
import { ApiError } from '../api/client.ts';
import { useSetCampaignPhases } from '../api/queries.ts';
import type { Campaign } from '../api/types.ts';
import { useErrorText } from '../components/errorText.ts';
import { useLocale } from '../i18n/index.ts';
import { Modal } from '../components/Modal.tsx';
import { useToast } from '../components/Toasts.tsx';
import { fromZonedInput, toZonedInput } from '../components/zonedTime.ts';
import { usePhaseLabel } from './CampaignFacts.tsx';

interface Row {
  name: string;
  start: string;
  end: string;
}

/**
 * Moves a campaign's phase dates, on the campaign's own clock. With "keep lengths" on, moving a
 * phase's start carries its end and every later phase along, which is what postponing a launch
 * means. Runs waiting for a phase follow the new dates; the toast says how many.
 */
export function PhaseDatesDialog({ campaign, onClose }: { campaign: Campaign; onClose: () => void }) {
  const { t } = useTranslation();
  const toast = useToast();
  const errorText = useErrorText();
  const locale = useLocale();
  const phaseLabel = usePhaseLabel();
  const save = useSetCampaignPhases(campaign.id);
  const tz = campaign.timezone;
  const [rows, setRows] = useState<Row[]>(() =>
    campaign.phases.map((p) => ({ name: p.name, start: toZonedInput(p.startsAt, tz), end: toZonedInput(p.endsAt, tz) })),
  );
  const [keepLengths, setKeepLengths] = useState(true);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);

  const setStart = (index: number, value: string) => {
    setRows((old) => {
      const before = fromZonedInput(old[index]!.start, tz);
      const after = fromZonedInput(value, tz);
      if (!keepLengths || before === undefined || after === undefined) return old.map((r, i) => (i === index ? { ...r, start: value } : r));
      const shift = (text: string) => {
        const ms = fromZonedInput(text, tz);
        return ms === undefined ? text : toZonedInput(ms + after - before, tz);
      };
      return old.map((r, i) =>
        i === index ? { ...r, start: value, end: shift(r.end) } : i > index ? { ...r, start: shift(r.start), end: shift(r.end) } : r,
      );
    });
  };
  const setEnd = (index: number, value: string) => setRows((old) => old.map((r, i) => (i === index ? { ...r, end: value } : r)));

  const submit = () => {
    const local: Record<string, string> = {};
    const phases = rows.map((r, i) => {
      const startsAt = fromZonedInput(r.start, tz);
      const endsAt = fromZonedInput(r.end, tz);
      if (startsAt === undefined) local[`phases.${i}.startsAt`] = t('phaseDates.notATime');
      if (endsAt === undefined) local[`phases.${i}.endsAt`] = t('phaseDates.notATime');
      return { name: r.name, startsAt: new Date(startsAt ?? 0).toISOString(), endsAt: new Date(endsAt ?? 0).toISOString() };
    });
    setFieldErrors(local);
    setError(null);
    if (Object.keys(local).length) return;
    save.mutate(phases, {
      onSuccess: (c) => {
        toast('success', c.notifiedRuns ? t('phaseDates.savedRuns', { count: c.notifiedRuns }) : t('phaseDates.saved'));
        onClose();
      },
      onError: (err) => {
        const byPath: Record<string, string> = {};
        for (const x of err instanceof ApiError ? (err.problem.errors ?? []) : []) byPath[x.path] = problemText(x, locale);
        setFieldErrors(byPath);
        setError(errorText(err));
      },
    });
  };

  const input = (i: number, which: 'startsAt' | 'endsAt') => {
    const path = `phases.${i}.${which}`;
    const id = `phase-${i}-${which}`;
    const row = rows[i]!;
    return (
      <div className="fd-field">
        <label className="fd-field__label" htmlFor={id}>
          {t(which === 'startsAt' ? 'phaseDates.starts' : 'phaseDates.ends')}
        </label>
        <input
          id={id}
          type="datetime-local"
          className="fd-input"
          data-testid={id}
          value={which === 'startsAt' ? row.start : row.end}
          aria-invalid={fieldErrors[path] ? true : undefined}
          aria-describedby={fieldErrors[path] ? `${id}-error` : undefined}
          onChange={(e) => (which === 'startsAt' ? setStart(i, e.target.value) : setEnd(i, e.target.value))}
        />
        {fieldErrors[path] && (
          <div className="fd-field__error" id={`${id}-error`} role="alert" data-testid={`${id}-error`}>
            {fieldErrors[path]}
          </div>
        )}
      </div>
    );
  };

  return (
    <Modal
      title={t('phaseDates.title')}
      onClose={onClose}
      testId="phase-dates-dialog"
      footer={
        <>
          <button type="button" className="fd-btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="submit"
            form="phase-dates-form"
            className="fd-btn fd-btn--primary"
            data-testid="phase-dates-save"
            disabled={save.isPending}
          >
            {save.isPending ? t('phaseDates.saving') : t('phaseDates.save')}
          </button>
        </>
      }
    >
      <form
        id="phase-dates-form"
        className="fd-form"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <p className="fd-muted fd-small">{t('phaseDates.help', { timezone: tz })}</p>
        <label className="fd-check">
          <input type="checkbox" checked={keepLengths} onChange={(e) => setKeepLengths(e.target.checked)} data-testid="phase-dates-keep" />
          {t('phaseDates.keepLengths')}
        </label>
        {rows.map((r, i) => (
          <fieldset key={r.name} className="fd-phase-dates" data-testid={`phase-dates-${r.name}`}>
            <legend>{phaseLabel(r.name)}</legend>
            {input(i, 'startsAt')}
            {input(i, 'endsAt')}
          </fieldset>
        ))}
        {error && (
          <pre className="fd-pre fd-pre--error" role="alert" data-testid="phase-dates-error">
            {error}
          </pre>
        )}
      </form>
    </Modal>
  );
}
