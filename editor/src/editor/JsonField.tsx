import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

function stringify(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value, null, 2);
}

type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

function parse(text: string): Parsed {
  if (!text.trim()) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * A JSON text area. While the text does not parse, the last valid value stays in the config
 * and the parse error shows under the field, so half-typed JSON never reaches the flow.
 */
export function JsonField(props: {
  id: string;
  testId: string;
  value: unknown;
  onChange: (value: unknown) => void;
  rows?: number;
  invalid?: boolean;
  describedBy?: string;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState(() => stringify(props.value));
  const [error, setError] = useState<string | null>(null);
  const lastSent = useRef<string>(JSON.stringify(props.value ?? null));

  useEffect(() => {
    // Follow changes made elsewhere (another node selected, a reload) but not our own echo.
    const incoming = JSON.stringify(props.value ?? null);
    if (incoming !== lastSent.current) {
      lastSent.current = incoming;
      setText(stringify(props.value));
      setError(null);
    }
  }, [props.value]);

  return (
    <>
      <textarea
        id={props.id}
        data-testid={props.testId}
        className={`fd-input fd-mono fd-json${error || props.invalid ? ' is-invalid' : ''}`}
        rows={props.rows ?? Math.min(12, Math.max(3, text.split('\n').length))}
        spellCheck={false}
        value={text}
        aria-invalid={!!error || props.invalid}
        aria-describedby={props.describedBy}
        onChange={(e) => {
          const next = e.target.value;
          setText(next);
          const parsed = parse(next);
          if (parsed.ok) {
            setError(null);
            lastSent.current = JSON.stringify(parsed.value ?? null);
            props.onChange(parsed.value);
          } else {
            setError(parsed.error);
          }
        }}
        onBlur={() => {
          // Tidy the layout once the user is done, without touching invalid text.
          const parsed = parse(text);
          if (parsed.ok && parsed.value !== undefined) setText(stringify(parsed.value));
        }}
      />
      {error && (
        <div className="fd-field__error" role="alert" data-testid={`${props.testId}-error`}>
          {t('form.jsonError', { error })}
        </div>
      )}
    </>
  );
}
