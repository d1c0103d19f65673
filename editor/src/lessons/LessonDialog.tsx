import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { problemText } from '@flightdeck/workflows';
import { ApiError } from '../api/client.ts';
import { useCampaigns, useCreateLesson } from '../api/queries.ts';
import { LESSON_OUTCOMES, type NewLesson } from '../api/types.ts';
import { useErrorText } from '../components/errorText.ts';
import { useLocale } from '../i18n/index.ts';
import { Modal } from '../components/Modal.tsx';
import { useToast } from '../components/Toasts.tsx';

/** The server's limits (LESSON_LIMITS): a paragraph per text, a short tag. */
const TEXT_MAX = 4000;
const TAG_MAX = 64;
const PARTS = ['fact', 'cause', 'insight', 'action'] as const;

/** Records a lesson by hand, in the review's form; the server names any field it refuses, shown under that field. */
export function LessonDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const toast = useToast();
  const errorText = useErrorText();
  const locale = useLocale();
  const create = useCreateLesson();
  const campaigns = useCampaigns();
  const [form, setForm] = useState({ campaignId: '', fact: '', cause: '', insight: '', action: '', channel: '', kpi: '', outcome: '' });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  const submit = () => {
    const body: NewLesson = {
      fact: form.fact,
      cause: form.cause,
      insight: form.insight,
      action: form.action,
      ...(form.campaignId ? { campaignId: form.campaignId } : {}),
      ...(form.channel.trim() ? { channel: form.channel.trim() } : {}),
      ...(form.kpi.trim() ? { kpi: form.kpi.trim() } : {}),
      ...(form.outcome ? { outcome: form.outcome as NewLesson['outcome'] } : {}),
    };
    setError(null);
    create.mutate(body, {
      onSuccess: () => {
        toast('success', t('lessons.dialog.saved'));
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
  const fieldError = (k: string) =>
    fieldErrors[k] && (
      <div className="fd-field__error" id={`lesson-${k}-error`} role="alert">
        {fieldErrors[k]}
      </div>
    );

  return (
    <Modal
      title={t('lessons.dialog.title')}
      onClose={onClose}
      wide
      testId="lesson-dialog"
      footer={
        <>
          <button type="button" className="fd-btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="submit"
            form="lesson-form"
            className="fd-btn fd-btn--primary"
            disabled={create.isPending}
            data-testid="lesson-submit"
          >
            {t('lessons.dialog.submit')}
          </button>
        </>
      }
    >
      <form
        id="lesson-form"
        className="fd-form"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <div className="fd-field">
          <label className="fd-field__label" htmlFor="lesson-campaign">
            {t('lessons.dialog.campaign')}
          </label>
          <select
            id="lesson-campaign"
            className="fd-input"
            value={form.campaignId}
            onChange={set('campaignId')}
            data-testid="lesson-campaign"
          >
            <option value="">{t('lessons.dialog.noCampaign')}</option>
            {campaigns.data?.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
          {fieldError('campaignId')}
        </div>
        {PARTS.map((p) => (
          <div className="fd-field" key={p}>
            <label className="fd-field__label" htmlFor={`lesson-${p}`}>
              {t(`lessons.part.${p}`)}
            </label>
            <textarea
              id={`lesson-${p}`}
              className="fd-input"
              rows={2}
              required
              maxLength={TEXT_MAX}
              value={form[p]}
              onChange={set(p)}
              placeholder={t(`lessons.dialog.hint.${p}`)}
              aria-invalid={fieldErrors[p] ? true : undefined}
              aria-describedby={fieldErrors[p] ? `lesson-${p}-error` : undefined}
              data-testid={`lesson-input-${p}`}
            />
            {fieldError(p)}
          </div>
        ))}
        <div className="fd-alerts__filters">
          {(['channel', 'kpi'] as const).map((k) => (
            <div className="fd-field" key={k}>
              <label className="fd-field__label" htmlFor={`lesson-${k}`}>
                {t(`lessons.${k}`)}
              </label>
              <input id={`lesson-${k}`} className="fd-input" maxLength={TAG_MAX} value={form[k]} onChange={set(k)} />
              {fieldError(k)}
            </div>
          ))}
          <div className="fd-field">
            <label className="fd-field__label" htmlFor="lesson-outcome">
              {t('lessons.outcomeLabel')}
            </label>
            <select id="lesson-outcome" className="fd-input" value={form.outcome} onChange={set('outcome')}>
              <option value="">—</option>
              {LESSON_OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {t(`lessons.outcome.${o}`)}
                </option>
              ))}
            </select>
          </div>
        </div>
        {error && (
          <p className="fd-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </Modal>
  );
}
