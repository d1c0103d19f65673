import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { METRIC_IDS, problemText } from '@flightdeck/workflows';
import { ApiError } from '../api/client.ts';
import { useCompleteWorkTask } from '../api/queries.ts';
import { LESSON_OUTCOMES, type WorkTask, type WorkTaskCompletion } from '../api/types.ts';
import { DueTime } from '../approvals/ApprovalTaskDetails.tsx';
import { isOverdue } from '../approvals/approval.ts';
import { useErrorText } from '../components/errorText.ts';
import { useLocale } from '../i18n/index.ts';
import { Link } from '../components/Link.tsx';
import { useToast } from '../components/Toasts.tsx';
import { useNow } from '../components/useNow.ts';
import { href } from '../routes.ts';

/** The server's limits (LESSON_LIMITS and the note's): a paragraph per text, a short tag. */
const TEXT_MAX = 4000;
const TAG_MAX = 64;
const NOTE_MAX = 2000;
const PARTS = ['fact', 'cause', 'insight', 'action'] as const;

/**
 * A task a flow gave me, beside the approvals: what to do, by when, for which campaign, and the form that completes
 * it. A lesson task asks for the lesson (fact, cause, insight, action) with its KPI, channel and outcome; the server
 * names any field it refuses, shown under that field.
 */
export function WorkTaskCard({ task }: { task: WorkTask }) {
  const { t } = useTranslation();
  const now = useNow();
  const toast = useToast();
  const errorText = useErrorText();
  const locale = useLocale();
  const complete = useCompleteWorkTask();
  const id = useId();
  const lesson = task.kind === 'lesson';
  const [form, setForm] = useState({
    fact: '',
    cause: '',
    insight: '',
    action: '',
    kpi: task.hints.kpi ?? '',
    channel: task.hints.channel ?? '',
    outcome: task.hints.outcome ?? '',
    note: '',
  });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => {
    setForm({ ...form, [k]: e.target.value });
    // A field being corrected no longer shows the refusal it had.
    if (fieldErrors[k]) setFieldErrors(({ [k]: _gone, ...rest }) => rest);
  };
  const overdue = isOverdue(task, now);

  const submit = () => {
    if (complete.isPending) return;
    const body: WorkTaskCompletion = lesson
      ? {
          fact: form.fact,
          cause: form.cause,
          insight: form.insight,
          action: form.action,
          ...(form.kpi.trim() ? { kpi: form.kpi.trim() } : {}),
          ...(form.channel.trim() ? { channel: form.channel.trim() } : {}),
          ...(form.outcome ? { outcome: form.outcome as WorkTaskCompletion['outcome'] } : {}),
        }
      : form.note.trim()
        ? { note: form.note.trim() }
        : {};
    setError(null);
    setFieldErrors({});
    complete.mutate(
      { id: task.id, body },
      {
        onSuccess: () => toast('success', t(lesson ? 'tasks.lessonSaved' : 'tasks.doneToast', { title: task.title })),
        onError: (err) => {
          const byPath: Record<string, string> = {};
          for (const x of err instanceof ApiError ? (err.problem.errors ?? []) : [])
            byPath[x.path.replace(/^body\./, '')] = problemText(x, locale);
          setFieldErrors(byPath);
          const status = err instanceof ApiError ? err.status : 0;
          const title = status === 403 ? t('tasks.notAllowed') : status === 409 ? t('tasks.conflict') : t('tasks.failed');
          setError(`${title} ${errorText(err)}`);
        },
      },
    );
  };
  const fieldError = (k: string) =>
    fieldErrors[k] && (
      <div className="fd-field__error" id={`${id}-${k}-error`} role="alert">
        {fieldErrors[k]}
      </div>
    );
  const invalid = (k: string) =>
    fieldErrors[k] ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-${k}-error` } : ({} as Record<string, never>);

  return (
    <article
      className={`fd-card fd-task${overdue ? ' is-overdue' : ''}`}
      data-testid={`work-task-${task.nodeId}`}
      data-task-id={task.id}
      data-kind={task.kind}
      aria-labelledby={`${id}-title`}
    >
      <header className="fd-task__head">
        <h2 className="fd-task__title" id={`${id}-title`}>
          {task.title}
        </h2>
        <span className="fd-badge">{t(lesson ? 'tasks.kindLesson' : 'tasks.kindTask')}</span>
      </header>
      <dl className="fd-task__facts">
        <div>
          <dt>{t('approval.campaign')}</dt>
          <dd data-testid="work-task-campaign">
            {task.campaign ? (
              <Link href={href.campaign(task.campaign.id)}>{task.campaign.name}</Link>
            ) : (
              <span className="fd-muted">{t('inbox.noCampaign')}</span>
            )}
          </dd>
        </div>
        <div>
          <dt>{t('approval.due')}</dt>
          <dd>
            <DueTime view={task} testId="work-task-due" />
          </dd>
        </div>
        <div>
          <dt>{t('tasks.assignedTo')}</dt>
          <dd>
            {task.assignee.kind === 'user'
              ? (task.assignee.user?.name ?? '—')
              : t('tasks.role', { role: task.assignee.role, department: task.assignee.department?.name ?? t('tasks.anywhere') })}
          </dd>
        </div>
      </dl>
      {task.instructions && <p className="fd-task__instructions">{task.instructions}</p>}

      <form
        className="fd-form"
        data-testid={`work-task-form-${task.nodeId}`}
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        {lesson ? (
          <>
            {PARTS.map((p) => (
              <div className="fd-field" key={p}>
                <label className="fd-field__label" htmlFor={`${id}-${p}`}>
                  {t(`lessons.part.${p}`)}
                </label>
                <textarea
                  id={`${id}-${p}`}
                  className="fd-input"
                  rows={2}
                  required
                  maxLength={TEXT_MAX}
                  value={form[p]}
                  onChange={set(p)}
                  placeholder={t(`lessons.dialog.hint.${p}`)}
                  data-testid={`work-task-${p}`}
                  {...invalid(p)}
                />
                {fieldError(p)}
              </div>
            ))}
            <div className="fd-alerts__filters">
              <div className="fd-field">
                <label className="fd-field__label" htmlFor={`${id}-kpi`}>
                  {t('lessons.kpi')}
                </label>
                <select id={`${id}-kpi`} className="fd-input" value={form.kpi} onChange={set('kpi')} data-testid="work-task-kpi">
                  <option value="">—</option>
                  {[...new Set([...(task.hints.kpi ? [task.hints.kpi] : []), ...METRIC_IDS])].map((k) => (
                    <option key={k} value={k}>
                      {k}
                    </option>
                  ))}
                </select>
                {fieldError('kpi')}
              </div>
              <div className="fd-field">
                <label className="fd-field__label" htmlFor={`${id}-channel`}>
                  {t('lessons.channel')}
                </label>
                <input
                  id={`${id}-channel`}
                  className="fd-input"
                  maxLength={TAG_MAX}
                  value={form.channel}
                  onChange={set('channel')}
                  data-testid="work-task-channel"
                  {...invalid('channel')}
                />
                {fieldError('channel')}
              </div>
              <div className="fd-field">
                <label className="fd-field__label" htmlFor={`${id}-outcome`}>
                  {t('lessons.outcomeLabel')}
                </label>
                <select
                  id={`${id}-outcome`}
                  className="fd-input"
                  value={form.outcome}
                  onChange={set('outcome')}
                  data-testid="work-task-outcome"
                >
                  <option value="">—</option>
                  {LESSON_OUTCOMES.map((o) => (
                    <option key={o} value={o}>
                      {t(`lessons.outcome.${o}`)}
                    </option>
                  ))}
                </select>
                {fieldError('outcome')}
              </div>
            </div>
          </>
        ) : (
          <div className="fd-field">
            <label className="fd-field__label" htmlFor={`${id}-note`}>
              {t('tasks.note')}
            </label>
            <textarea
              id={`${id}-note`}
              className="fd-input"
              rows={2}
              maxLength={NOTE_MAX}
              value={form.note}
              onChange={set('note')}
              placeholder={t('tasks.notePlaceholder')}
              data-testid="work-task-note"
              {...invalid('note')}
            />
            {fieldError('note')}
          </div>
        )}
        {error && (
          <p className="fd-error-text" role="alert" data-testid="work-task-error">
            {error}
          </p>
        )}
        <button
          type="submit"
          className="fd-btn fd-btn--primary"
          disabled={complete.isPending}
          data-testid={`work-task-submit-${task.nodeId}`}
        >
          {t(lesson ? 'tasks.recordLesson' : 'tasks.markDone')}
        </button>
      </form>
    </article>
  );
}
