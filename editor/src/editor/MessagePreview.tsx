import { useTranslation } from 'react-i18next';
import { checkMessage, renderMessage, SAMPLE_MESSAGE_SCOPE } from '@flightdeck/workflows';

/**
 * A message template rendered as it will be sent, with the 618 sample data, by the same Liquid
 * code the worker runs. HTML e-mail renders in a sandboxed frame (no scripts, no same origin),
 * so what the recipient sees is what the designer sees.
 */
export function MessagePreview({ source, html, testId }: { source: string; html: boolean; testId: string }) {
  const { t } = useTranslation();
  let rendered: string;
  const problem = checkMessage(source);
  try {
    if (problem) throw new Error(problem);
    rendered = renderMessage(source, SAMPLE_MESSAGE_SCOPE, html ? 'html' : 'text');
  } catch (err) {
    return (
      <div className="fd-preview fd-preview--error" data-testid={`${testId}-preview`} role="status">
        <div className="fd-preview__title">{t('preview.title')}</div>
        <p className="fd-error-text fd-small">{t('preview.error', { error: err instanceof Error ? err.message : String(err) })}</p>
      </div>
    );
  }
  return (
    <div className="fd-preview" data-testid={`${testId}-preview`}>
      <div className="fd-preview__title">{t('preview.title')}</div>
      {html ? (
        <iframe className="fd-preview__frame" sandbox="" srcDoc={rendered} title={t('preview.title')} />
      ) : (
        <div className="fd-preview__text">{rendered || <span className="fd-muted">{t('preview.empty')}</span>}</div>
      )}
      <div className="fd-muted fd-small">{t('preview.note')}</div>
    </div>
  );
}
