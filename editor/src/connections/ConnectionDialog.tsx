import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { problemText } from '@flightdeck/workflows';
import { ApiError } from '../api/client.ts';
import { useCreateConnection, useDepartments, useUpdateConnection } from '../api/queries.ts';
import { CONNECTION_KINDS, type Connection, type ConnectionKind } from '../api/types.ts';
import { useOptionalAuth } from '../auth/AuthProvider.tsx';
import { mayDo } from '../auth/permissions.ts';
import { useErrorText } from '../components/errorText.ts';
import { useLocale } from '../i18n/index.ts';
import { Modal } from '../components/Modal.tsx';
import { formFields, KIND_FIELDS, variantOf, type KindField } from './kinds.ts';

/**
 * Creates a connection, or edits one (`existing`): the secrets go to the server and are never
 * shown again; when editing, an empty secret field keeps the current value.
 */
export function ConnectionDialog({
  existing,
  onClose,
  onSaved,
}: {
  existing?: Connection;
  onClose: () => void;
  onSaved: (c: Connection) => void;
}) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const locale = useLocale();
  const user = useOptionalAuth()?.user;
  const departments = useDepartments();
  const create = useCreateConnection();
  const update = useUpdateConnection();
  const saving = create.isPending || update.isPending;
  const [kind, setKind] = useState<ConnectionKind>(existing?.kind ?? 'wecom');
  const [name, setName] = useState(existing?.name ?? '');
  const [department, setDepartment] = useState<string>(existing?.departmentId ?? '');
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [settings, setSettings] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.entries(existing?.settings ?? {}).map(([k, v]) => [k, String(v)])),
  );
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);

  // Only the departments I may add connections to; mine first.
  const allowed = useMemo(() => {
    const list = (departments.data ?? []).filter((d) => mayDo(user, 'connections:manage', d.id));
    return list.sort((a, b) => (a.id === user?.departmentId ? -1 : b.id === user?.departmentId ? 1 : a.name.localeCompare(b.name)));
  }, [departments.data, user]);
  const departmentId = department || allowed[0]?.id || '';
  const meta = formFields(kind, settings);
  // Another provider has other credentials: every secret is asked for again.
  const switched = !!existing && variantOf(kind, existing.settings ?? {}) !== variantOf(kind, settings);
  const keeps = (group: 'secrets' | 'settings') => !!existing && group === 'secrets' && !switched;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (saving) return;
    setError(null);
    setFieldErrors({});
    // Empty fields are left out, so the server names what is missing rather than "invalid URL".
    const pick = (fields: KindField[], values: Record<string, string>) =>
      Object.fromEntries(fields.map((f) => [f.name, (values[f.name] ?? '').trim()]).filter(([, v]) => v !== ''));
    const set = pick(meta.settings, settings);
    const handlers = {
      onSuccess: onSaved,
      onError: (err: unknown) => {
        const byPath: Record<string, string[]> = {};
        const rest: string[] = [];
        const known = new Set([
          'kind',
          'name',
          'departmentId',
          ...meta.secrets.map((f) => `secrets.${f.name}`),
          ...meta.settings.map((f) => `settings.${f.name}`),
        ]);
        for (const x of err instanceof ApiError ? (err.problem.errors ?? []) : []) {
          if (known.has(x.path)) (byPath[x.path] ??= []).push(problemText(x, locale));
          else if (x.path === 'secrets' || x.path === 'settings') rest.push(problemText(x, locale));
          else rest.push(`${x.path ? `${x.path}: ` : ''}${problemText(x, locale)}`);
        }
        setFieldErrors(byPath);
        setError([errorText(err), ...rest.map((m) => `• ${m}`)].join('\n'));
      },
    };
    const newSecrets = pick(meta.secrets, secrets);
    if (existing) {
      // Settings go as a whole (a cleared field is removed); secrets only where something was typed.
      update.mutate(
        {
          id: existing.id,
          patch: { name: name.trim(), settings: set, ...(Object.keys(newSecrets).length ? { secrets: newSecrets } : {}) },
        },
        handlers,
      );
    } else {
      create.mutate(
        {
          kind,
          name: name.trim(),
          ...(departmentId ? { departmentId } : {}),
          ...(Object.keys(set).length ? { settings: set } : {}),
          secrets: newSecrets,
        },
        handlers,
      );
    }
  };

  const errs = (path: string, id: string) =>
    fieldErrors[path]?.length ? (
      <div className="fd-field__error" id={`${id}-error`} role="alert" data-testid={`${id}-error`}>
        {fieldErrors[path]!.join(' ')}
      </div>
    ) : null;
  const invalid = (path: string) => (fieldErrors[path]?.length ? true : undefined);
  const describe = (path: string, id: string) => (fieldErrors[path]?.length ? `${id}-error` : undefined);

  const input = (group: 'secrets' | 'settings', f: KindField) => {
    const id = group === 'secrets' ? `connection-secret-${f.name}` : `connection-setting-${f.name}`;
    const path = `${group}.${f.name}`;
    const values = group === 'secrets' ? secrets : settings;
    const setValues = group === 'secrets' ? setSecrets : setSettings;
    return (
      <div className={`fd-field${invalid(path) ? ' is-invalid' : ''}`} key={`${kind}-${id}`}>
        <label className="fd-field__label" htmlFor={id}>
          {t(`connections.field.${f.name}`, { defaultValue: f.name })}
          {f.required && !keeps(group) && (
            <span className="fd-required" aria-hidden>
              {' '}
              *
            </span>
          )}
        </label>
        {f.options ? (
          <select
            id={id}
            data-testid={id}
            className="fd-input"
            aria-invalid={invalid(path)}
            aria-describedby={describe(path, id)}
            value={values[f.name] || f.options[0]}
            onChange={(e) => setValues((v) => ({ ...v, [f.name]: e.target.value }))}
          >
            {f.options.map((o) => (
              <option key={o} value={o}>
                {t(`connections.option.${f.name}.${o}`, { defaultValue: o })}
              </option>
            ))}
          </select>
        ) : (
          <input
            id={id}
            data-testid={id}
            className={`fd-input${group === 'secrets' ? ' fd-mono' : ''}`}
            type={group === 'secrets' ? 'password' : 'text'}
            autoComplete={group === 'secrets' ? 'new-password' : 'off'}
            spellCheck={false}
            required={f.required && !keeps(group)}
            placeholder={keeps(group) && existing!.secretFields.includes(f.name) ? t('connections.keepSecret') : f.example}
            aria-invalid={invalid(path)}
            aria-describedby={describe(path, id)}
            value={values[f.name] ?? ''}
            onChange={(e) => setValues((v) => ({ ...v, [f.name]: e.target.value }))}
          />
        )}
        {t(`connections.help.${kind}.${f.name}`, { defaultValue: t(`connections.ruleHelp.${f.name}`, { defaultValue: '' }) }) && (
          <p className="fd-field__help">
            {t(`connections.help.${kind}.${f.name}`, { defaultValue: t(`connections.ruleHelp.${f.name}`, { defaultValue: '' }) })}
          </p>
        )}
        {errs(path, id)}
      </div>
    );
  };

  return (
    <Modal
      title={existing ? t('connections.editTitle', { name: existing.name }) : t('connections.newTitle')}
      onClose={onClose}
      testId="connection-dialog"
      footer={
        <>
          <button type="button" className="fd-btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="submit"
            form="connection-form"
            className="fd-btn fd-btn--primary"
            data-testid={existing ? 'connection-save' : 'connection-create'}
            disabled={saving}
          >
            {existing
              ? saving
                ? t('connections.saving')
                : t('connections.save')
              : saving
                ? t('connections.creating')
                : t('connections.create')}
          </button>
        </>
      }
    >
      {/* noValidate: the server's answer is shown next to each field, in the same words for every client. */}
      <form id="connection-form" className="fd-form" onSubmit={submit} noValidate>
        <div className={`fd-field${invalid('kind') ? ' is-invalid' : ''}`}>
          <label className="fd-field__label" htmlFor="connection-kind">
            {t('connections.kindLabel')}
          </label>
          <select
            id="connection-kind"
            data-testid="connection-kind"
            className="fd-input"
            value={kind}
            disabled={!!existing}
            onChange={(e) => {
              setKind(e.target.value as ConnectionKind);
              setFieldErrors({});
            }}
          >
            {CONNECTION_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_FIELDS[k].icon} {t(`connections.kind.${k}`)}
              </option>
            ))}
          </select>
          {errs('kind', 'connection-kind')}
        </div>
        <div className={`fd-field${invalid('name') ? ' is-invalid' : ''}`}>
          <label className="fd-field__label" htmlFor="connection-name">
            {t('connections.name')}
            <span className="fd-required" aria-hidden>
              {' '}
              *
            </span>
          </label>
          <input
            id="connection-name"
            data-testid="connection-name"
            className="fd-input"
            maxLength={200}
            required
            placeholder={t('connections.namePlaceholder')}
            aria-invalid={invalid('name')}
            aria-describedby={describe('name', 'connection-name')}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          {errs('name', 'connection-name')}
        </div>
        <div className={`fd-field${invalid('departmentId') ? ' is-invalid' : ''}`}>
          <label className="fd-field__label" htmlFor="connection-department">
            {t('connections.department')}
          </label>
          <select
            id="connection-department"
            data-testid="connection-department"
            className="fd-input"
            value={departmentId}
            disabled={!allowed.length || !!existing}
            aria-invalid={invalid('departmentId')}
            onChange={(e) => setDepartment(e.target.value)}
          >
            {!allowed.length && <option value="">{departments.isPending ? t('common.loading') : t('connections.myDepartment')}</option>}
            {allowed.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
          {errs('departmentId', 'connection-department')}
        </div>
        {meta.settings.map((f) => input('settings', f))}
        <fieldset className="fd-fieldset">
          <legend>{t('connections.secrets')}</legend>
          <p className="fd-field__help">{t('connections.secretsHelp')}</p>
          {meta.secrets.map((f) => input('secrets', f))}
        </fieldset>
        {error && (
          <pre className="fd-pre fd-pre--error" role="alert" data-testid="connection-error">
            {error}
          </pre>
        )}
      </form>
    </Modal>
  );
}
