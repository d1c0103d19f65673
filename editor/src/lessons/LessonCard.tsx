import { useTranslation } from 'react-i18next';
import type { Lesson, LessonHighlight } from '../api/types.ts';
import { formatDateTime } from '../components/format.ts';
import { useLocale } from '../i18n/index.ts';
import { Highlighted } from './Highlighted.tsx';

const PARTS = ['fact', 'cause', 'insight', 'action'] as const;

/** One lesson in the review's form, with its matches marked when it came from a search. */
export function LessonCard({ lesson, highlight, compact }: { lesson: Lesson; highlight?: LessonHighlight; compact?: boolean }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const parts = compact ? (['fact', 'action'] as const) : PARTS;
  return (
    <article className="fd-card fd-lesson" data-testid={`lesson-${lesson.id}`} lang={lesson.lang}>
      <dl className="fd-lesson__parts">
        {parts.map((p) => (
          <div key={p} className="fd-lesson__part">
            <dt>{t(`lessons.part.${p}`)}</dt>
            <dd data-testid={`lesson-${p}`}>{highlight ? <Highlighted runs={highlight[p]} /> : lesson[p]}</dd>
          </div>
        ))}
      </dl>
      <p className="fd-lesson__meta fd-muted fd-small">
        {lesson.outcome && (
          <span className={`fd-badge fd-badge--${lesson.outcome}`} data-testid="lesson-outcome">
            {t(`lessons.outcome.${lesson.outcome}`)}
          </span>
        )}
        {lesson.channel && <span className="fd-mono"> {lesson.channel}</span>}
        {lesson.kpi && <span className="fd-mono"> · {lesson.kpi}</span>}
        {lesson.campaign && <span> · {lesson.campaign}</span>}
        {lesson.department && <span> · {lesson.department}</span>}
        {lesson.shared && <span> · {t('lessons.shared')}</span>}
        <span> · {formatDateTime(lesson.createdAt, locale)}</span>
      </p>
    </article>
  );
}
