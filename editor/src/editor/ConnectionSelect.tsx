import { useTranslation } from 'react-i18next';
import { useConnections } from '../api/queries.ts';
import { KIND_FIELDS, MESSAGE_KINDS } from '../connections/kinds.ts';
import { href } from '../routes.ts';

/** The control for a config field with widget "connection": one of the channel connections I can read. */
export function ConnectionSelect(props: {
  id: string;
  value: unknown;
  onChange: (id: string | undefined) => void;
  invalid: boolean;
  describedBy?: string;
  ariaLabel?: string;
  kinds?: readonly string[];
}) {
  const { t } = useTranslation();
  const connections = useConnections();
  const kinds: readonly string[] = props.kinds ?? MESSAGE_KINDS;
  const usable = (connections.data ?? []).filter((c) => kinds.includes(c.kind));
  // New nodes carry an all-zero placeholder id until a connection is chosen.
  const placeholder = typeof props.value === 'string' && /^0{8}-0{4}-/.test(props.value);
  const current = typeof props.value === 'string' && !placeholder ? props.value : '';
  const unknown = current && connections.isSuccess && !usable.some((c) => c.id === current);
  return (
    <>
      <select
        id={props.id}
        data-testid="field-connection"
        className={`fd-input${props.invalid ? ' is-invalid' : ''}`}
        aria-invalid={props.invalid}
        aria-describedby={props.describedBy}
        aria-label={props.ariaLabel}
        value={current}
        onChange={(e) => props.onChange(e.target.value || undefined)}
      >
        <option value="">{connections.isPending ? t('common.loading') : t('connections.choose')}</option>
        {unknown && <option value={current}>{t('connections.unknown', { id: current.slice(0, 8) })}</option>}
        {usable.map((c) => (
          <option key={c.id} value={c.id}>
            {KIND_FIELDS[c.kind]?.icon} {c.name} · {t(`connections.kind.${c.kind}`, { defaultValue: c.kind })}
          </option>
        ))}
      </select>
      {placeholder && (
        <p className="fd-field__error" data-testid="field-connection-unset">
          {t('connections.notChosen')}
        </p>
      )}
      {connections.isError && <div className="fd-field__error">{t('connections.loadError')}</div>}
      {connections.isSuccess && !usable.length && <p className="fd-field__help">{t('connections.noneYet')}</p>}
      {/* A new tab, so the flow being edited stays open with its unsaved changes. */}
      <a className="fd-field__link" href={href.connections()} target="_blank" rel="noopener" data-testid="field-connection-manage">
        {t('connections.manage')} ↗
      </a>
    </>
  );
}
