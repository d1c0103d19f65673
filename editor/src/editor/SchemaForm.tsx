import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { parseDuration, formatDuration, problemText, type NodeText } from '@flightdeck/workflows';
import { configPath, type Issue } from '../flow/issues.ts';
import { useLocale } from '../i18n/index.ts';
import { ConnectionSelect } from './ConnectionSelect.tsx';
import { FlowSelect } from './FlowSelect.tsx';
import { MessagePreview } from './MessagePreview.tsx';
import { JsonField } from './JsonField.tsx';
import { discriminatorOf, emptyValue, fieldKind, humanize, isRequired, resolve, type JsonSchema } from './schema.ts';

type Path = string[];

interface FormContext {
  idPrefix: string;
  root: JsonSchema;
  text?: NodeText;
  fallback?: NodeText;
  issues: Issue[];
  setAt: (path: Path, value: unknown) => void;
}

function getAt(value: unknown, path: Path): unknown {
  let v = value;
  for (const key of path) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/**
 * Immutable write; undefined removes the key so optional fields fall back to their defaults.
 * Numeric keys into an array write that element, so list items are edited in place.
 */
function setIn(obj: unknown, path: Path, value: unknown): Record<string, unknown> {
  return setAny(obj, path, value) as Record<string, unknown>;
}

function setAny(obj: unknown, path: Path, value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (Array.isArray(obj) && /^\d+$/.test(head)) {
    const arr = [...obj];
    const i = Number(head);
    arr[i] = rest.length === 0 ? value : setAny(arr[i], rest, value);
    return arr;
  }
  const base: Record<string, unknown> =
    obj && typeof obj === 'object' && !Array.isArray(obj) ? { ...(obj as Record<string, unknown>) } : {};
  if (rest.length === 0) {
    if (value === undefined) delete base[head];
    else base[head] = value;
  } else {
    base[head] = setAny(base[head], rest, value);
  }
  return base;
}

/** Labels are looked up by dotted path first, then by the bare key (how the catalogue writes nested ones). */
function fieldText(ctx: FormContext, path: Path, schema: JsonSchema): { label: string; help?: string; options?: Record<string, string> } {
  const key = path[path.length - 1] ?? '';
  const dotted = path.join('.');
  type Entry = { label: string; help?: string; options?: Record<string, string> };
  const entry = (ctx.text?.fields?.[dotted] ?? ctx.text?.fields?.[key] ?? ctx.fallback?.fields?.[dotted] ?? ctx.fallback?.fields?.[key]) as
    Entry | undefined;
  return { label: entry?.label ?? schema.title ?? humanize(key), help: entry?.help ?? schema.description, options: entry?.options };
}

function issuesAt(ctx: FormContext, path: Path, exact: boolean): Issue[] {
  return ctx.issues.filter((i) => {
    const p = configPath(i);
    if (!p) return false;
    if (exact ? p.length !== path.length : p.length < path.length) return false;
    return path.every((k, n) => String(p[n]) === k);
  });
}

/** A form for a node's config, generated from the JSON Schema in the catalogue. */
export function SchemaForm(props: {
  nodeId: string;
  schema: JsonSchema;
  value: Record<string, unknown>;
  onChange: (value: Record<string, unknown>) => void;
  text?: NodeText;
  fallbackText?: NodeText;
  issues: Issue[];
}) {
  const { t } = useTranslation();
  const root = props.schema;
  const ctx: FormContext = {
    idPrefix: `cfg-${props.nodeId}`,
    root,
    text: props.text,
    fallback: props.fallbackText,
    issues: props.issues,
    setAt: (path, v) => props.onChange(setIn(props.value, path, v)),
  };
  const schema = resolve(root, root);
  const rootIssues = issuesAt(ctx, [], true);
  if (fieldKind(schema, root) !== 'object') {
    // A config that is not a plain object of fields is edited as JSON as a whole.
    return (
      <div className="fd-form">
        <JsonField
          id={`${ctx.idPrefix}-all`}
          testId="field-config"
          value={props.value}
          onChange={(v) => props.onChange((v ?? {}) as Record<string, unknown>)}
        />
        <IssueList issues={rootIssues} />
      </div>
    );
  }
  return (
    <div className="fd-form" data-testid="schema-form">
      <IssueList issues={rootIssues} />
      <Fields ctx={ctx} schema={schema} path={[]} value={props.value} />
      {!Object.keys(schema.properties ?? {}).length && <p className="fd-muted">{t('form.noSettings')}</p>}
    </div>
  );
}

function Fields({ ctx, schema, path, value }: { ctx: FormContext; schema: JsonSchema; path: Path; value: unknown }) {
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([key, child]) => (
        <Field
          key={key}
          ctx={ctx}
          schema={resolve(child, ctx.root)}
          path={[...path, key]}
          required={isRequired(schema, key)}
          value={getAt(value, [key])}
        />
      ))}
    </>
  );
}

function IssueList({ issues, id }: { issues: Issue[]; id?: string }) {
  const locale = useLocale();
  if (!issues.length) return null;
  return (
    <ul className="fd-field__issues" id={id}>
      {issues.map((i, n) => (
        <li key={n}>{problemText(i, locale)}</li>
      ))}
    </ul>
  );
}

function Field({
  ctx,
  schema,
  path,
  required,
  value,
}: {
  ctx: FormContext;
  schema: JsonSchema;
  path: Path;
  required: boolean;
  value: unknown;
}) {
  const kind = fieldKind(schema, ctx.root);
  const name = path.join('.');
  const id = `${ctx.idPrefix}-${name}`;
  const testId = `field-${name}`;
  const { label, help } = fieldText(ctx, path, schema);
  const fieldIssues = issuesAt(ctx, path, kind === 'object' || kind === 'array' || kind === 'union');
  const invalid = fieldIssues.length > 0;
  const helpId = help ? `${id}-help` : undefined;
  const issuesId = invalid ? `${id}-issues` : undefined;
  const describedBy = [helpId, issuesId].filter(Boolean).join(' ') || undefined;

  if (kind === 'object' || kind === 'array' || kind === 'union') {
    return (
      <fieldset className="fd-fieldset" data-testid={testId} data-field={name}>
        <legend>
          {label}
          {required && (
            <span className="fd-required" aria-hidden>
              {' '}
              *
            </span>
          )}
        </legend>
        {help && <p className="fd-field__help">{help}</p>}
        <IssueList issues={fieldIssues} id={issuesId} />
        {kind === 'object' && <Fields ctx={ctx} schema={schema} path={path} value={value} />}
        {kind === 'array' && <ArrayField ctx={ctx} schema={schema} path={path} value={value} label={label} />}
        {kind === 'union' && <UnionField ctx={ctx} schema={schema} path={path} value={value} />}
      </fieldset>
    );
  }

  return (
    <div className={`fd-field${invalid ? ' is-invalid' : ''}`} data-field={name}>
      {kind !== 'boolean' && (
        <label className="fd-field__label" htmlFor={id}>
          {label}
          {required && (
            <span className="fd-required" aria-hidden>
              {' '}
              *
            </span>
          )}
          {schema.widget === 'cel' && <span className="fd-tag">CEL</span>}
        </label>
      )}
      <Control
        ctx={ctx}
        schema={schema}
        path={path}
        required={required}
        value={value}
        id={id}
        testId={testId}
        invalid={invalid}
        describedBy={describedBy}
        label={label}
      />
      {help && (
        <p className="fd-field__help" id={helpId}>
          {help}
        </p>
      )}
      <IssueList issues={fieldIssues} id={issuesId} />
    </div>
  );
}

/** The input for one scalar value; list items use it without the label and help around it. */
function Control(props: {
  ctx: FormContext;
  schema: JsonSchema;
  path: Path;
  required: boolean;
  value: unknown;
  id: string;
  testId: string;
  invalid: boolean;
  describedBy?: string;
  label: string;
  /** For inputs without a visible label (list items). */
  ariaLabel?: string;
}) {
  const { t } = useTranslation();
  const { ctx, schema, path, required, value, id, testId, invalid, describedBy, label } = props;
  const kind = fieldKind(schema, ctx.root);
  const { options } = fieldText(ctx, path, schema);
  const set = (v: unknown) => ctx.setAt(path, v);
  const common = { id, 'data-testid': testId, 'aria-invalid': invalid, 'aria-describedby': describedBy, 'aria-label': props.ariaLabel };
  switch (kind) {
    case 'enum': {
      const values = schema.enum ?? [];
      const current = value ?? schema.default;
      return (
        <select
          {...common}
          className="fd-input"
          value={current === undefined ? '' : String(current)}
          onChange={(e) => {
            const raw = e.target.value;
            set(raw === '' ? undefined : values.find((v) => String(v) === raw));
          }}
        >
          {(current === undefined || !required) && schema.default === undefined && <option value="">{t('form.none')}</option>}
          {values.map((v) => (
            <option key={String(v)} value={String(v)}>
              {options?.[String(v)] ?? String(v)}
            </option>
          ))}
        </select>
      );
    }
    case 'boolean':
      return (
        <label className="fd-check">
          <input {...common} type="checkbox" checked={Boolean(value ?? schema.default ?? false)} onChange={(e) => set(e.target.checked)} />
          <span>{label}</span>
        </label>
      );
    case 'number':
    case 'integer':
      return <NumberInput common={common} schema={schema} integer={kind === 'integer'} value={value} onChange={set} invalid={invalid} />;
    case 'const':
      return <input {...common} className="fd-input" readOnly value={String(schema.const)} />;
    case 'string': {
      const widget = schema.widget;
      if (widget === 'flow') {
        return <FlowSelect id={id} value={value} onChange={set} invalid={invalid} describedBy={describedBy} ariaLabel={props.ariaLabel} />;
      }
      if (widget === 'connection') {
        return (
          <ConnectionSelect
            id={id}
            value={value}
            onChange={set}
            invalid={invalid}
            describedBy={describedBy}
            ariaLabel={props.ariaLabel}
            kinds={schema.connectionKinds}
          />
        );
      }
      const mono = widget === 'cel' || widget === 'template' || widget === 'json-template' || widget === 'message';
      const long = (!widget && (schema.maxLength ?? 0) > 200) || widget === 'message';
      const str = typeof value === 'string' ? value : value === undefined ? '' : String(value);
      // Optional strings are removed when cleared; required ones keep "" so the validator can say why.
      // List items always keep their place: removing one is what the remove button is for.
      const inList = /^\d+$/.test(path[path.length - 1] ?? '');
      const onText = (s: string) => set(s === '' && !required && !inList ? undefined : s);
      const placeholder =
        schema.default !== undefined
          ? String(schema.default)
          : widget === 'duration'
            ? '1h30m'
            : widget === 'cel'
              ? 'input.amount > 100'
              : undefined;
      const control = long ? (
        <textarea
          {...common}
          className={`fd-input${mono ? ' fd-mono' : ''}${invalid ? ' is-invalid' : ''}`}
          spellCheck={mono ? false : undefined}
          rows={widget === 'message' ? 5 : 3}
          value={str}
          placeholder={placeholder}
          onChange={(e) => onText(e.target.value)}
        />
      ) : (
        <input
          {...common}
          type="text"
          className={`fd-input${mono ? ' fd-mono' : ''}${invalid ? ' is-invalid' : ''}`}
          spellCheck={mono || widget === 'duration' ? false : undefined}
          autoComplete="off"
          value={str}
          placeholder={placeholder}
          onChange={(e) => onText(e.target.value)}
        />
      );
      if (widget === 'message') {
        return (
          <>
            {control}
            {str !== '' && <MessagePreview source={str} html={schema.format === 'html'} testId={testId} />}
          </>
        );
      }
      return widget === 'duration' ? (
        <>
          {control}
          <DurationHint text={str} />
        </>
      ) : (
        control
      );
    }
    default:
      return <JsonField id={id} testId={testId} value={value} onChange={set} invalid={invalid} describedBy={describedBy} />;
  }
}

/**
 * A list: simple items as one input per row, objects and unions as small cards. Items can be
 * added (up to maxItems), removed and moved. "JSON" switches the whole list to a text area.
 */
function ArrayField({
  ctx,
  schema,
  path,
  value,
  label,
}: {
  ctx: FormContext;
  schema: JsonSchema;
  path: Path;
  value: unknown;
  label: string;
}) {
  const { t } = useTranslation();
  const [asJson, setAsJson] = useState(false);
  const items = Array.isArray(value) ? value : Array.isArray(schema.default) ? (schema.default as unknown[]) : [];
  const itemSchema = resolve(schema.items!, ctx.root);
  const itemKind = fieldKind(itemSchema, ctx.root);
  const simple = itemKind !== 'object' && itemKind !== 'union';
  const name = path.join('.');
  const max = schema.maxItems ?? Infinity;
  const set = (next: unknown[]) => ctx.setAt(path, next);
  const move = (from: number, to: number) => {
    const next = [...items];
    const [it] = next.splice(from, 1);
    next.splice(to, 0, it);
    set(next);
  };

  if (asJson) {
    return (
      <>
        <JsonField id={`${ctx.idPrefix}-${name}-json`} testId={`field-${name}-json`} value={items} onChange={(v) => ctx.setAt(path, v)} />
        <button type="button" className="fd-btn fd-btn--link fd-list__mode" onClick={() => setAsJson(false)}>
          {t('form.asForm')}
        </button>
      </>
    );
  }
  return (
    <>
      {items.length === 0 && <p className="fd-muted fd-list__empty">{t('form.emptyList')}</p>}
      <ol className={`fd-list${simple ? ' fd-list--simple' : ''}`} data-testid={`field-${name}-items`}>
        {items.map((item, i) => {
          const itemPath = [...path, String(i)];
          const itemName = itemPath.join('.');
          const itemIssues = issuesAt(ctx, itemPath, !simple);
          const tools = (
            <div className="fd-list__tools">
              <button
                type="button"
                className="fd-btn fd-btn--icon"
                aria-label={t('form.moveUp', { n: i + 1 })}
                title={t('form.moveUp', { n: i + 1 })}
                disabled={i === 0}
                onClick={() => move(i, i - 1)}
              >
                ↑
              </button>
              <button
                type="button"
                className="fd-btn fd-btn--icon"
                aria-label={t('form.moveDown', { n: i + 1 })}
                title={t('form.moveDown', { n: i + 1 })}
                disabled={i === items.length - 1}
                onClick={() => move(i, i + 1)}
              >
                ↓
              </button>
              <button
                type="button"
                className="fd-btn fd-btn--icon fd-btn--danger"
                data-testid={`field-${itemName}-remove`}
                aria-label={t('form.remove', { n: i + 1 })}
                title={t('form.remove', { n: i + 1 })}
                onClick={() => set(items.filter((_, k) => k !== i))}
              >
                ×
              </button>
            </div>
          );
          if (simple) {
            return (
              <li key={i} className="fd-list__row" data-field={itemName}>
                <div className="fd-list__control">
                  <Control
                    ctx={ctx}
                    schema={itemSchema}
                    path={itemPath}
                    required
                    value={item}
                    id={`${ctx.idPrefix}-${itemName}`}
                    testId={`field-${itemName}`}
                    invalid={itemIssues.length > 0}
                    label={`${label} ${i + 1}`}
                    ariaLabel={`${label} ${i + 1}`}
                  />
                  <IssueList issues={itemIssues} />
                </div>
                {tools}
              </li>
            );
          }
          return (
            <li key={i} className="fd-list__card" data-field={itemName} data-testid={`field-${itemName}`}>
              <div className="fd-list__cardhead">
                <span className="fd-list__index">{i + 1}</span>
                {tools}
              </div>
              <IssueList issues={itemIssues} />
              {itemKind === 'union' ? (
                <UnionField ctx={ctx} schema={itemSchema} path={itemPath} value={item} />
              ) : (
                <Fields ctx={ctx} schema={itemSchema} path={itemPath} value={item} />
              )}
            </li>
          );
        })}
      </ol>
      <div className="fd-list__foot">
        <button
          type="button"
          className="fd-btn fd-btn--small"
          data-testid={`field-${name}-add`}
          disabled={items.length >= max}
          onClick={() => set([...items, emptyValue(itemSchema, ctx.root)])}
        >
          + {t('form.add')}
        </button>
        <button
          type="button"
          className="fd-btn fd-btn--link fd-list__mode"
          data-testid={`field-${name}-as-json`}
          onClick={() => setAsJson(true)}
        >
          {t('form.asJson')}
        </button>
      </div>
    </>
  );
}

/** A discriminated union ("kind": user | role | …): a selector for the variant, then that variant's fields. */
function UnionField({ ctx, schema, path, value }: { ctx: FormContext; schema: JsonSchema; path: Path; value: unknown }) {
  const d = discriminatorOf(schema, ctx.root)!;
  const obj = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const current = d.variants.find((v) => v.value === obj[d.key]);
  const keyPath = [...path, d.key];
  const name = keyPath.join('.');
  const id = `${ctx.idPrefix}-${name}`;
  const { label, options } = fieldText(ctx, keyPath, {});
  const keyIssues = issuesAt(ctx, keyPath, true);
  const choose = (next: string) => {
    const variant = d.variants.find((v) => v.value === next);
    if (!variant) return;
    // Keep what the new variant also has (a department stays a department), drop the rest.
    const kept: Record<string, unknown> = { [d.key]: next };
    for (const k of Object.keys(variant.schema.properties ?? {})) if (k !== d.key && obj[k] !== undefined) kept[k] = obj[k];
    ctx.setAt(path, kept);
  };
  const rest: JsonSchema | undefined = current
    ? { ...current.schema, properties: Object.fromEntries(Object.entries(current.schema.properties ?? {}).filter(([k]) => k !== d.key)) }
    : undefined;
  return (
    <div className="fd-union">
      <div className={`fd-field${keyIssues.length ? ' is-invalid' : ''}`} data-field={name}>
        <label className="fd-field__label" htmlFor={id}>
          {label}
        </label>
        <select
          id={id}
          data-testid={`field-${name}`}
          className="fd-input"
          value={current?.value ?? ''}
          onChange={(e) => choose(e.target.value)}
        >
          {!current && <option value="">—</option>}
          {d.variants.map((v) => (
            <option key={v.value} value={v.value}>
              {options?.[v.value] ?? humanize(v.value)}
            </option>
          ))}
        </select>
        <IssueList issues={keyIssues} />
      </div>
      {rest && <Fields ctx={ctx} schema={rest} path={path} value={obj} />}
    </div>
  );
}

function DurationHint({ text }: { text: string }) {
  const { t } = useTranslation();
  if (!text.trim()) return null;
  const ms = parseDuration(text);
  if (ms === undefined) return null;
  return <span className="fd-field__hint">{t('form.durationIs', { value: formatDuration(ms) })}</span>;
}

function NumberInput(props: {
  common: Record<string, unknown>;
  schema: JsonSchema;
  integer: boolean;
  value: unknown;
  onChange: (v: unknown) => void;
  invalid: boolean;
}) {
  // Local text so "1." or "-" can be typed on the way to a number.
  const [text, setText] = useState(() => (typeof props.value === 'number' ? String(props.value) : ''));
  const shown = typeof props.value === 'number' && Number(text) !== props.value ? String(props.value) : text;
  return (
    <input
      {...props.common}
      type="number"
      inputMode={props.integer ? 'numeric' : 'decimal'}
      className={`fd-input${props.invalid ? ' is-invalid' : ''}`}
      step={props.integer ? 1 : 'any'}
      min={props.schema.minimum}
      max={props.schema.maximum}
      placeholder={props.schema.default !== undefined ? String(props.schema.default) : undefined}
      value={shown}
      onChange={(e) => {
        setText(e.target.value);
        if (e.target.value === '') props.onChange(undefined);
        else {
          const n = Number(e.target.value);
          if (Number.isFinite(n)) props.onChange(n);
        }
      }}
    />
  );
}
