import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import type { HookSecret } from '../api/types.ts';
import { useErrorText } from '../components/errorText.ts';
import { Modal } from '../components/Modal.tsx';
import { useNow } from '../components/useNow.ts';

/**
 * The signing secret of a webhook-triggered flow. Creating one replaces the last; the server
 * keeps it sealed, so this dialog is the only place it is ever shown.
 */
export function HookSecretDialog({ ensureFlowId, onClose }: { ensureFlowId: () => Promise<string>; onClose: () => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<HookSecret | null>(null);
  const now = useNow();

  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const flowId = await ensureFlowId();
      setResult(await api.rotateHookSecret(flowId));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const url = result ? new URL(result.url, window.location.origin).href : '';
  return (
    <Modal
      title={t('hookSecret.title')}
      onClose={onClose}
      testId="hook-secret-dialog"
      footer={
        result ? (
          <button type="button" className="fd-btn fd-btn--primary" data-testid="hook-secret-done" onClick={onClose}>
            {t('hookSecret.done')}
          </button>
        ) : (
          <>
            <button type="button" className="fd-btn" onClick={onClose}>
              {t('common.cancel')}
            </button>
            <button
              type="button"
              className="fd-btn fd-btn--primary"
              data-testid="hook-secret-create"
              disabled={busy}
              onClick={() => void create()}
            >
              {busy ? t('hookSecret.creating') : t('hookSecret.create')}
            </button>
          </>
        )
      }
    >
      {!result && (
        <>
          <p>{t('hookSecret.intro')}</p>
          <p className="fd-muted">{t('hookSecret.rotateWarning')}</p>
        </>
      )}
      {result && (
        <div className="fd-form" data-testid="hook-secret-result">
          <p className="fd-hook__once" role="status">
            {t('hookSecret.shownOnce')}
          </p>
          <CopyField id="hook-secret-url" label={t('hookSecret.url')} value={url} />
          <CopyField id="hook-secret-value" label={t('hookSecret.secret')} value={result.secret} />
          <div className="fd-field">
            <span className="fd-field__label">{t('hookSecret.headers')}</span>
            <p className="fd-field__help">{t('hookSecret.headersHelp')}</p>
            <pre className="fd-pre" data-testid="hook-secret-example">
              {[
                `POST ${url}`,
                'content-type: application/json',
                'webhook-id: msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
                `webhook-timestamp: ${Math.floor(now / 1000)}`,
                'webhook-signature: v1,<base64 HMAC-SHA256(id.timestamp.body)>',
                '',
                '{ "campaignId": "…" }',
              ].join('\n')}
            </pre>
            <p className="fd-field__help">{t('hookSecret.publishNote')}</p>
          </div>
        </div>
      )}
      {error && (
        <pre className="fd-pre fd-pre--error" role="alert" data-testid="hook-secret-error">
          {error}
        </pre>
      )}
    </Modal>
  );
}

function CopyField({ id, label, value }: { id: string; label: string; value: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  return (
    <div className="fd-field">
      <label className="fd-field__label" htmlFor={id}>
        {label}
      </label>
      <div className="fd-copy">
        <input id={id} data-testid={id} className="fd-input fd-mono" readOnly value={value} onFocus={(e) => e.target.select()} />
        <button
          type="button"
          className="fd-btn"
          data-testid={`${id}-copy`}
          onClick={() => {
            void navigator.clipboard?.writeText(value).then(
              () => {
                setCopied(true);
                setTimeout(() => setCopied(false), 1500);
              },
              () => undefined,
            );
          }}
        >
          {copied ? t('hookSecret.copied') : t('hookSecret.copy')}
        </button>
      </div>
    </div>
  );
}
