import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { problemText } from '@flightdeck/workflows';
import { ApiError } from '../api/client.ts';
import { useImportCampaign } from '../api/queries.ts';
import type { Campaign } from '../api/types.ts';
import { useErrorText } from '../components/errorText.ts';
import { useLocale } from '../i18n/index.ts';
import { Modal } from '../components/Modal.tsx';

/** Imports a scenario file (…campaign.json) picked from disk or pasted; importing the same id again updates it. */
export function ImportCampaignDialog({ onClose, onImported }: { onClose: () => void; onImported: (c: Campaign) => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const locale = useLocale();
  const importer = useImportCampaign();
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const parsed = useMemo((): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } | null => {
    if (!text.trim()) return null;
    try {
      const value = JSON.parse(text) as unknown;
      if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, error: t('campaigns.importNotObject') };
      return { ok: true, value: value as Record<string, unknown> };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }, [text, t]);

  const submit = () => {
    if (!parsed?.ok || importer.isPending) return;
    setError(null);
    importer.mutate(text, {
      onSuccess: (c) => onImported(c),
      onError: (e) => {
        const details =
          e instanceof ApiError ? (e.problem.errors ?? []).map((x) => `• ${x.path ? `${x.path}: ` : ''}${problemText(x, locale)}`) : [];
        setError([errorText(e), ...details].join('\n'));
      },
    });
  };

  const preview = parsed?.ok ? parsed.value : null;
  return (
    <Modal
      title={t('campaigns.importTitle')}
      onClose={onClose}
      testId="campaign-import-dialog"
      footer={
        <>
          <button type="button" className="fd-btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="button"
            className="fd-btn fd-btn--primary"
            data-testid="campaign-import-submit"
            disabled={!parsed?.ok || importer.isPending}
            onClick={submit}
          >
            {importer.isPending ? t('campaigns.importing') : t('campaigns.importSubmit')}
          </button>
        </>
      }
    >
      <p className="fd-muted">{t('campaigns.importHelp')}</p>
      <div className="fd-field">
        <label className="fd-field__label" htmlFor="campaign-import-file">
          {t('campaigns.importFile')}
        </label>
        <input
          id="campaign-import-file"
          data-testid="campaign-import-file"
          type="file"
          accept=".json,application/json"
          className="fd-file"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (!file) return;
            setFileName(file.name);
            setError(null);
            file.text().then(setText, (err: unknown) => setError(String(err)));
          }}
        />
        {fileName && <span className="fd-field__hint">{t('campaigns.importLoaded', { name: fileName })}</span>}
      </div>
      <div className="fd-field">
        <label className="fd-field__label" htmlFor="campaign-import-json">
          {t('campaigns.importJson')}
        </label>
        <textarea
          id="campaign-import-json"
          data-testid="campaign-import-json"
          className={`fd-input fd-mono fd-json${parsed && !parsed.ok ? ' is-invalid' : ''}`}
          rows={10}
          spellCheck={false}
          placeholder={
            '{ "id": "s618-new-product-launch", "name": "…", "department": "E-commerce", ' + '"goals": […], "budget": {…}, "phases": […] }'
          }
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setFileName(null);
          }}
        />
        {parsed && !parsed.ok && (
          <div className="fd-field__error" role="alert">
            {t('form.jsonError', { error: parsed.error })}
          </div>
        )}
        {preview && (
          <p className="fd-field__help" data-testid="campaign-import-preview">
            {t('campaigns.importPreview', {
              name: typeof preview.name === 'string' ? preview.name : '?',
              department: typeof preview.department === 'string' ? preview.department : '?',
              goals: Array.isArray(preview.goals) ? preview.goals.length : 0,
              phases: Array.isArray(preview.phases) ? preview.phases.length : 0,
            })}
          </p>
        )}
      </div>
      {error && (
        <pre className="fd-pre fd-pre--error" role="alert" data-testid="campaign-import-error">
          {error}
        </pre>
      )}
    </Modal>
  );
}
