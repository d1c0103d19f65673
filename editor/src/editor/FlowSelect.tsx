import { useTranslation } from 'react-i18next';
import { useFlows } from '../api/queries.ts';

/** The control for a config field with widget "flow": a published flow I can see, for a sub-flow step to start. */
export function FlowSelect(props: {
  id: string;
  value: unknown;
  onChange: (id: string | undefined) => void;
  invalid: boolean;
  describedBy?: string;
  ariaLabel?: string;
}) {
  const { t } = useTranslation();
  const flows = useFlows();
  const published = (flows.data ?? []).filter((f) => f.latestVersion !== null);
  // New nodes carry an all-zero placeholder id until a flow is chosen.
  const placeholder = typeof props.value === 'string' && /^0{8}-0{4}-/.test(props.value);
  const current = typeof props.value === 'string' && !placeholder ? props.value : '';
  const unknown = current && flows.isSuccess && !published.some((f) => f.id === current);
  return (
    <>
      <select
        id={props.id}
        data-testid="field-flow"
        className={`fd-input${props.invalid ? ' is-invalid' : ''}`}
        aria-invalid={props.invalid}
        aria-describedby={props.describedBy}
        aria-label={props.ariaLabel}
        value={current}
        onChange={(e) => props.onChange(e.target.value || undefined)}
      >
        <option value="">{flows.isPending ? t('common.loading') : t('subflow.choose')}</option>
        {unknown && <option value={current}>{t('subflow.unknown', { id: current.slice(0, 8) })}</option>}
        {published.map((f) => (
          <option key={f.id} value={f.id}>
            {t('subflow.option', { name: f.name, version: f.latestVersion })}
          </option>
        ))}
      </select>
      {placeholder && (
        <p className="fd-field__error" data-testid="field-flow-unset">
          {t('subflow.notChosen')}
        </p>
      )}
      {flows.isError && <div className="fd-field__error">{t('subflow.loadError')}</div>}
    </>
  );
}
