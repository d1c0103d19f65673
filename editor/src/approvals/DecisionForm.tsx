import { useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';
import { useQueryClient } from '@tanstack/react-query';
import { keys } from '../api/keys.ts';
import { useDecide } from '../api/queries.ts';
import type { InboxItem } from '../api/types.ts';
import { useErrorText } from '../components/errorText.ts';
import { useToast } from '../components/Toasts.tsx';

/**
 * Approve or reject with an optional comment (required to reject). The server's refusals are
 * shown as it words them: not eligible or separation of duties (403), already decided (409),
 * comment missing (422).
 */
export function DecisionForm(props: { taskId: string; nodeId: string; title: string; onDecided?: (item: InboxItem) => void }) {
  const { t } = useTranslation();
  const toast = useToast();
  const errorText = useErrorText();
  const decide = useDecide();
  const qc = useQueryClient();
  const [comment, setComment] = useState('');
  const [error, setError] = useState<{ title: string; detail: string; onComment: boolean } | null>(null);
  const ref = useRef<HTMLTextAreaElement>(null);
  const id = useId();
  const trimmed = comment.trim();

  const submit = (decision: 'approve' | 'reject') => {
    if (decide.isPending) return;
    if (decision === 'reject' && !trimmed) {
      setError({ title: t('decision.needsComment'), detail: '', onComment: true });
      ref.current?.focus();
      return;
    }
    setError(null);
    decide.mutate(
      { taskId: props.taskId, decision, ...(trimmed ? { comment: trimmed } : {}) },
      {
        onSuccess: (item) => {
          setComment('');
          toast('success', t(decision === 'approve' ? 'decision.approvedToast' : 'decision.rejectedToast', { title: props.title }));
          props.onDecided?.(item);
        },
        onError: (e) => {
          const status = e instanceof ApiError ? e.status : 0;
          const title =
            status === 403
              ? t('decision.notAllowed')
              : status === 409
                ? t('decision.conflict')
                : status === 422
                  ? t('decision.invalid')
                  : t('decision.failed');
          setError({ title, detail: errorText(e), onComment: status === 422 });
          // Someone else was quicker: the card leaves with the next refresh, so say it where it stays readable.
          if (status === 409) toast('error', `${title} ${errorText(e)}`);
          // Not taken in time (no worker): the decision is kept, and the card says so once it is read again.
          if (status === 503) void qc.invalidateQueries({ queryKey: keys.approvals });
          if (status === 422) ref.current?.focus();
        },
      },
    );
  };

  return (
    <div className="fd-decision" data-testid={`decision-${props.nodeId}`}>
      <label className="fd-field__label" htmlFor={`${id}-comment`}>
        {t('decision.comment')}
      </label>
      <textarea
        ref={ref}
        id={`${id}-comment`}
        data-testid={`comment-${props.nodeId}`}
        className={`fd-input${error?.onComment ? ' is-invalid' : ''}`}
        rows={2}
        maxLength={2000}
        placeholder={t('decision.commentPlaceholder')}
        value={comment}
        aria-invalid={error?.onComment || undefined}
        aria-describedby={`${id}-hint`}
        onChange={(e) => {
          setComment(e.target.value);
          if (error?.onComment && e.target.value.trim()) setError(null);
        }}
      />
      <p className="fd-field__help" id={`${id}-hint`}>
        {t('decision.commentHelp')}
      </p>
      {error && (
        <div className="fd-alert fd-alert--error" role="alert" data-testid="decision-error">
          <strong>{error.title}</strong>
          {error.detail && <span> {error.detail}</span>}
        </div>
      )}
      <div className="fd-decision__buttons">
        <button
          type="button"
          className="fd-btn fd-btn--approve"
          data-testid={`approve-${props.nodeId}`}
          disabled={decide.isPending}
          onClick={() => submit('approve')}
        >
          ✓ {decide.isPending && decide.variables?.decision === 'approve' ? t('decision.sending') : t('decision.approve')}
        </button>
        <button
          type="button"
          className="fd-btn fd-btn--reject"
          data-testid={`reject-${props.nodeId}`}
          disabled={decide.isPending || !trimmed}
          title={trimmed ? undefined : t('decision.needsComment')}
          onClick={() => submit('reject')}
        >
          ✕ {decide.isPending && decide.variables?.decision === 'reject' ? t('decision.sending') : t('decision.reject')}
        </button>
      </div>
    </div>
  );
}
