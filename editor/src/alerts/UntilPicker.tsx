import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { SNOOZE_PRESETS, type SnoozePreset, type Until } from './alertFormat.ts';

const PRESET_KEY: Record<SnoozePreset, string> = { '1h': 'alerts.when.h1', '4h': 'alerts.when.h4', '1d': 'alerts.when.d1' };

/** 1 h, 4 h, 1 day or a time of one's own: the choice snooze and silence share. */
export function UntilPicker(props: { legend: string; value: Until; onChange: (u: Until) => void; error?: string; testId: string }) {
  const { t } = useTranslation();
  const name = useId();
  const customId = `${name}-custom`;
  const custom = 'custom' in props.value;
  return (
    <fieldset className="fd-fieldset fd-until" data-testid={props.testId}>
      <legend>{props.legend}</legend>
      <div className="fd-until__presets">
        {SNOOZE_PRESETS.map((p) => (
          <label key={p} className={`fd-chip${'preset' in props.value && props.value.preset === p ? ' is-on' : ''}`}>
            <input
              type="radio"
              name={name}
              value={p}
              checked={'preset' in props.value && props.value.preset === p}
              onChange={() => props.onChange({ preset: p })}
              data-testid={`${props.testId}-${p}`}
            />
            {t(PRESET_KEY[p])}
          </label>
        ))}
      </div>
      <div className="fd-field">
        <label className="fd-check" htmlFor={`${customId}-on`}>
          <input
            id={`${customId}-on`}
            type="radio"
            name={name}
            checked={custom}
            onChange={() => props.onChange({ custom: '' })}
            data-testid={`${props.testId}-custom-on`}
          />
          {t('alerts.customTime')}
        </label>
        <input
          id={customId}
          type="datetime-local"
          className="fd-input"
          aria-label={t('alerts.customTime')}
          value={custom ? (props.value as { custom: string }).custom : ''}
          onChange={(e) => props.onChange({ custom: e.target.value })}
          onFocus={() => !custom && props.onChange({ custom: '' })}
          aria-invalid={props.error ? true : undefined}
          aria-describedby={props.error ? `${customId}-error` : undefined}
          data-testid={`${props.testId}-custom`}
        />
        {props.error && (
          <div className="fd-field__error" id={`${customId}-error`} role="alert" data-testid={`${props.testId}-error`}>
            {props.error}
          </div>
        )}
      </div>
    </fieldset>
  );
}
