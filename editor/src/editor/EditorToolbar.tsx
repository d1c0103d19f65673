import { FlaskConical, KeyRound } from 'lucide-react';
import { useTranslation } from 'react-i18next';

/** The editor's part of the top bar: the flow's name, its save state and the main actions. */
export function EditorToolbar(props: {
  name: string;
  onName: (name: string) => void;
  saveState: string;
  dirty: boolean;
  latestVersion: number | null;
  busy: 'save' | 'publish' | null;
  onSave: () => void;
  onPublish: () => void;
  onRun: () => void;
  /** Opens the what-if panel: the draft simulated against a metric series, nothing sent. */
  onSimulate: () => void;
  /** Present when the flow starts from a webhook: opens its signing secret. */
  onHookSecret?: () => void;
}) {
  const { t } = useTranslation();
  const disabled = props.busy !== null;
  return (
    <>
      {/* The name is edited in the field beside it; the h1 gives heading navigation a start on this page. */}
      <h1 className="fd-sr-only">{props.name || t('editor.flowName')}</h1>
      <input
        className="fd-input fd-flowname"
        data-testid="flow-name"
        aria-label={t('editor.flowName')}
        value={props.name}
        maxLength={200}
        onChange={(e) => props.onName(e.target.value)}
      />
      <span className={`fd-savestate${props.dirty ? ' is-dirty' : ''}`} data-testid="save-state" data-dirty={props.dirty}>
        {props.saveState}
      </span>
      {props.latestVersion !== null && (
        <span className="fd-version" data-testid="latest-version" title={t('editor.latestVersionHelp')}>
          v{props.latestVersion}
        </span>
      )}
      <span className="fd-spacer" />
      <div className="fd-actions">
        {props.onHookSecret && (
          <button
            type="button"
            className="fd-btn fd-hookbtn"
            data-testid="hook-secret"
            disabled={disabled}
            onClick={props.onHookSecret}
            title={t('hookSecret.buttonHelp')}
            aria-label={t('hookSecret.button')}
          >
            <KeyRound aria-hidden size={14} /> <span className="fd-btn__label">{t('hookSecret.button')}</span>
          </button>
        )}
        <button
          type="button"
          className="fd-btn"
          data-testid="save-flow"
          disabled={disabled}
          onClick={props.onSave}
          title={t('editor.saveHelp')}
        >
          {t('editor.save')}
        </button>
        <button
          type="button"
          className="fd-btn"
          data-testid="publish-flow"
          disabled={disabled}
          onClick={props.onPublish}
          title={t('editor.publishHelp')}
        >
          {props.busy === 'publish' ? t('editor.publishing') : t('editor.publish')}
        </button>
        <button
          type="button"
          className="fd-btn fd-simbtn"
          data-testid="simulate-flow"
          disabled={disabled}
          onClick={props.onSimulate}
          title={t('whatIf.buttonHelp')}
          aria-label={t('whatIf.button')}
        >
          <FlaskConical aria-hidden size={14} /> <span className="fd-btn__label">{t('whatIf.button')}</span>
        </button>
        <button type="button" className="fd-btn fd-btn--primary" data-testid="run-flow" disabled={disabled} onClick={props.onRun}>
          ▶ {t('editor.run')}
        </button>
      </div>
    </>
  );
}
