import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { parseDuration, formatDuration, type NodeText } from '@flightdeck/workflows';
import { configPath, type Issue } from '../flow/issues.ts';
import { JsonField } from './JsonField.tsx';
import { fieldKind, humanize, isRequired, resolve, type JsonSchema } from './schema.ts';

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

/** Immutable write; undefined removes the key so optional fields fall back to their defaults. */
function setIn(obj: unknown, path: Path, value: unknown): Record<string, unknown> {
  const base: Record<string, unknown> = obj && typeof obj === 'object' && !Array.isArray(obj) ? { ...(obj as Record<string, unknown>) } : {};
  const [head, ...rest] = path;
  if (head === undefined) return base;
  if (rest.length === 0) {
    if (value === undefined) delete base[head];
    else base[head] = value;
  } else {
    base[head] = setIn(base[head], rest, value);
  }
  return base;
}

/** Labels are looked up by dotted path first, then by the bare key (how the catalogue writes nested ones). */
function fieldText(ctx: FormContext, path: Path, schema: JsonSchema): { label: string; help?: string; options?: Record<string, string> } {
  const key = path[path.length - 1] ?? '';
  const dotted = path.join('.');
  type Entry = { label: string; help?: string; options?: Record<string, string> };
  const entry = (ctx.text?.fields?.[dotted] ?? ctx.text?.fields?.[key] ?? ctx.fallback?.fields?.[dotted] ?? ctx.fallback?.fields?.[key]) as Entry | undefined;
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
  if (fieldKind(schema) !== 'object') {
    // A config that is not a plain object of fields is edited as JSON as a whole.
    return (
      <div className="fd-form">
        <JsonField id={`${ctx.idPrefix}-all`} testId="field-config" value={props.value} onChange={(v) => props.onChange((v ?? {}) as Record<string, unknown>)} />
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
        <Field key={key} ctx={ctx} schema={resolve(child, ctx.root)} path={[...path, key]} required={isRequired(schema, key)} value={getAt(value, [key])} />
      ))}
    </>
  );
}

function IssueList({ issues, id }: { issues: Issue[]; id?: string }) {
  if (!issues.length) return null;
  return (
    <ul className="fd-field__issues" id={id}>
      {issues.map((i, n) => (
        <li key={n}>{i.message}</li>
      ))}
    </ul>
  );
}

function Field({ ctx, schema, path, required, value }: { ctx: FormContext; schema: JsonSchema; path: Path; required: boolean; value: unknown }) {
  const { t } = useTranslation();
  const kind = fieldKind(schema);
  const name = path.join('.');
  const id = `${ctx.idPrefix}-${name}`;
  const testId = `field-${name}`;
  const { label, help, options } = fieldText(ctx, path, schema);
  const set = (v: unknown) => ctx.setAt(path, v);
  const fieldIssues = issuesAt(ctx, path, kind === 'object');
  const invalid = fieldIssues.length > 0;
  const helpId = help ? `${id}-help` : undefined;
  const issuesId = invalid ? `${id}-issues` : undefined;
  const describedBy = [helpId, issuesId].filter(Boolean).join(' ') || undefined;

  if (kind === 'object') {
    return (
      <fieldset className="fd-fieldset" data-testid={testId}>
        <legend>{label}</legend>
        {help && <p className="fd-field__help">{help}</p>}
        <IssueList issues={fieldIssues} id={issuesId} />
        <Fields ctx={ctx} schema={schema} path={path} value={value} />
      </fieldset>
    );
  }

  let control: ReactNode;
  const common = { id, 'data-testid': testId, 'aria-invalid': invalid, 'aria-describedby': describedBy };
  switch (kind) {
    case 'json':
      control = <JsonField id={id} testId={testId} value={value} onChange={set} invalid={invalid} describedBy={describedBy} />;
      break;
    case 'enum': {
      const values = schema.enum ?? [];
      const current = value ?? schema.default;
      control = (
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
      break;
    }
    case 'boolean':
      control = (
        <label className="fd-check">
          <input {...common} type="checkbox" checked={Boolean(value ?? schema.default ?? false)} onChange={(e) => set(e.target.checked)} />
          <span>{label}</span>
        </label>
      );
      break;
    case 'number':
    case 'integer':
      control = <NumberInput common={common} schema={schema} integer={kind === 'integer'} value={value} onChange={set} invalid={invalid} />;
      break;
    case 'const':
      control = <input {...common} className="fd-input" readOnly value={String(schema.const)} />;
      break;
    default: {
      const widget = schema.widget;
      const mono = widget === 'cel' || widget === 'template' || widget === 'json-template';
      const long = !widget && (schema.maxLength ?? 0) > 200;
      const str = typeof value === 'string' ? value : value === undefined ? '' : String(value);
      // Optional strings are removed when cleared; required ones keep "" so the validator can say why.
      const onText = (s: string) => set(s === '' && !required ? undefined : s);
      const placeholder =
        schema.default !== undefined ? String(schema.default) : widget === 'duration' ? '1h30m' : widget === 'cel' ? 'input.amount > 100' : undefined;
      control = long ? (
        <textarea {...common} className={`fd-input${invalid ? ' is-invalid' : ''}`} rows={3} value={str} placeholder={placeholder} onChange={(e) => onText(e.target.value)} />
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
      if (widget === 'duration') control = <>{control}<DurationHint text={str} /></>;
    }
  }

  return (
    <div className={`fd-field${invalid ? ' is-invalid' : ''}`} data-field={name}>
      {kind !== 'boolean' && (
        <label className="fd-field__label" htmlFor={id}>
          {label}
          {required && <span className="fd-required" aria-hidden> *</span>}
          {schema.widget === 'cel' && <span className="fd-tag">CEL</span>}
        </label>
      )}
      {control}
      {help && (
        <p className="fd-field__help" id={helpId}>
          {help}
        </p>
      )}
      <IssueList issues={fieldIssues} id={issuesId} />
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
