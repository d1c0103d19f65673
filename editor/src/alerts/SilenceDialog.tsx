import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { problemText } from '@flightdeck/workflows';
import { ApiError } from '../api/client.ts';
import { useCampaigns, useCreateSilence } from '../api/queries.ts';
import type { NewSilence } from '../api/types.ts';
import { useErrorText } from '../components/errorText.ts';
import { formatShortDateTime } from '../components/format.ts';
import { Modal } from '../components/Modal.tsx';
import { useToast } from '../components/Toasts.tsx';
import { useLocale } from '../i18n/index.ts';
import { resolveUntil, type Until } from './alertFormat.ts';
import { UntilPicker } from './UntilPicker.tsx';

/** The server's limit: a silence lasts 90 days at most. */
const MAX_SILENCE_MS = 90 * 86_400_000;
const COMMENT_MAX = 2000;

type Scope = 'campaign' | 'rule' | 'ruleChannel';

/** What the dialog is opened for: an alert's campaign, rule and channel; or nothing, and a campaign is picked. */
export interface SilenceTarget {
  campaignId: string;
  campaignName: string;
  ruleId: string;
  channel: string | null;
}

/** Mutes a campaign, or one of its rules (on one channel or all), until a time, with a comment saying why. */
export function SilenceDialog({ target, onClose }: { target?: SilenceTarget; onClose: () => void }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const toast = useToast();
  const errorText = useErrorText();
  const create = useCreateSilence();
  const campaigns = useCampaigns({ enabled: !target });
  const [campaignId, setCampaignId] = useState(target?.campaignId ?? '');
  const [scope, setScope] = useState<Scope>(target ? 'rule' : 'campaign');
  const [until, setUntil] = useState<Until>({ preset: '4h' });
  const [comment, setComment] = useState('');
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);

  const submit = () => {
    const local: Record<string, string> = {};
    if (!campaignId) local.campaignId = t('alerts.silenceDialog.pickCampaign');
    const r = resolveUntil(until, Date.now(), MAX_SILENCE_MS);
    if ('error' in r) local.endsAt = t(r.error);
    setFieldErrors(local);
    setError(null);
    if (Object.keys(local).length || 'error' in r) return;
    const body: NewSilence = {
      campaignId,
      endsAt: r.at,
      ...(target && scope !== 'campaign' ? { ruleId: target.ruleId } : {}),
      ...(target && scope === 'ruleChannel' ? { channel: target.channel } : {}),
      ...(comment.trim() ? { comment: comment.trim() } : {}),
    };
    create.mutate(body, {
      onSuccess: (s) => {
        toast('success', t('alerts.silenceDialog.saved', { time: formatShortDateTime(s.endsAt, locale) }));
        onClose();
      },
      onError: (err) => {
        const byPath: Record<string, string> = {};
        for (const x of err instanceof ApiError ? (err.problem.errors ?? []) : [])
          byPath[x.path.replace(/^body\./, '')] = problemText(x, locale);
        setFieldErrors(byPath);
        setError(errorText(err));
      },
    });
  };

  const scopes: [Scope, string][] = target
    ? [
        ['campaign', t('alerts.silenceDialog.scopeCampaign', { campaign: target.campaignName })],
        ['rule', t('alerts.silenceDialog.scopeRule', { rule: target.ruleId })],
        ...(target.channel
          ? ([['ruleChannel', t('alerts.silenceDialog.scopeRuleChannel', { rule: target.ruleId, channel: target.channel })]] as [
              Scope,
              string,
            ][])
          : []),
      ]
    : [];

  return (
    <Modal
      title={t('alerts.silenceDialog.title')}
      onClose={onClose}
      testId="silence-dialog"
      footer={
        <>
          <button type="button" className="fd-btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="submit"
            form="silence-form"
            className="fd-btn fd-btn--primary"
            disabled={create.isPending}
            data-testid="silence-submit"
          >
            {t('alerts.silenceDialog.submit')}
          </button>
        </>
      }
    >
      <form
        id="silence-form"
        className="fd-form"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <p className="fd-muted fd-small">{t('alerts.silenceDialog.help')}</p>
        {target ? (
          <fieldset className="fd-fieldset" data-testid="silence-scope">
            <legend>{t('alerts.silenceDialog.scope')}</legend>
            {scopes.map(([s, label]) => (
              <label key={s} className="fd-check">
                <input
                  type="radio"
                  name="silence-scope"
                  value={s}
                  checked={scope === s}
                  onChange={() => setScope(s)}
                  data-testid={`silence-scope-${s}`}
                />
                {label}
              </label>
            ))}
          </fieldset>
        ) : (
          <div className="fd-field">
            <label className="fd-field__label" htmlFor="silence-campaign">
              {t('alerts.campaign')}
            </label>
            <select
              id="silence-campaign"
              className="fd-input"
              value={campaignId}
              onChange={(e) => setCampaignId(e.target.value)}
              aria-invalid={fieldErrors.campaignId ? true : undefined}
              aria-describedby={fieldErrors.campaignId ? 'silence-campaign-error' : undefined}
              data-testid="silence-campaign"
            >
              <option value="">{t('alerts.silenceDialog.pickCampaign')}</option>
              {campaigns.data?.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
            {fieldErrors.campaignId && (
              <div className="fd-field__error" id="silence-campaign-error" role="alert">
                {fieldErrors.campaignId}
              </div>
            )}
          </div>
        )}
        <UntilPicker
          legend={t('alerts.silenceDialog.until')}
          value={until}
          onChange={setUntil}
          error={fieldErrors.endsAt}
          testId="silence-until"
        />
        <div className="fd-field">
          <label className="fd-field__label" htmlFor="silence-comment">
            {t('alerts.silenceDialog.comment')}
          </label>
          <textarea
            id="silence-comment"
            className="fd-input"
            rows={3}
            maxLength={COMMENT_MAX}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            aria-describedby="silence-comment-help"
            data-testid="silence-comment"
          />
          <p className="fd-field__help" id="silence-comment-help">
            {t('alerts.silenceDialog.commentHelp')}
          </p>
          {fieldErrors.comment && (
            <div className="fd-field__error" role="alert">
              {fieldErrors.comment}
            </div>
          )}
        </div>
        {error && (
          <pre className="fd-pre fd-pre--error" role="alert" data-testid="silence-error">
            {error}
          </pre>
        )}
      </form>
    </Modal>
  );
}
