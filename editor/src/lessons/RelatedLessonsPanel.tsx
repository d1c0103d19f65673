import { useTranslation } from 'react-i18next';
import { useRelatedLessons } from '../api/queries.ts';
import type { LessonsRelated, RelatedLessonsQuery } from '../api/types.ts';
import { useErrorText } from '../components/errorText.ts';
import { Link } from '../components/Link.tsx';
import { href } from '../routes.ts';
import { LessonCard } from './LessonCard.tsx';

type Comparable = LessonsRelated['campaigns'][number];

const percent = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 100)}%`);

/**
 * "Lessons from past campaigns": what earlier campaigns on the same channels or goals taught, and how
 * they did against their goals (from their reviews). Shown on a campaign, after an import, and beside a flow.
 */
export function RelatedLessonsPanel({
  query,
  compact,
  testId = 'related-lessons',
}: {
  query: RelatedLessonsQuery | null;
  compact?: boolean;
  testId?: string;
}) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const related = useRelatedLessons(query);
  let body;
  if (!query) body = <p className="fd-muted fd-small">{t('lessons.related.pick')}</p>;
  else if (related.isPending) body = <p className="fd-muted fd-small">{t('common.loading')}</p>;
  else if (related.isError) body = <p className="fd-error fd-small">{errorText(related.error)}</p>;
  else if (!related.data.lessons.length && !related.data.campaigns.length)
    body = (
      <p className="fd-muted fd-small" data-testid={`${testId}-empty`}>
        {t('lessons.related.none')}
      </p>
    );
  else
    body = (
      <>
        {related.data.lessons.length > 0 && (
          <div className="fd-lessons__list">
            {related.data.lessons.map((l) => (
              <LessonCard key={l.id} lesson={l} compact={compact} />
            ))}
          </div>
        )}
        {related.data.campaigns.length > 0 && (
          <>
            <h3 className="fd-small">{t('lessons.related.comparable')}</h3>
            <ul className="fd-comparables" data-testid={`${testId}-campaigns`}>
              {related.data.campaigns.map((c) => (
                <ComparableCampaign key={c.id} campaign={c} />
              ))}
            </ul>
          </>
        )}
      </>
    );
  return (
    <section className="fd-card fd-section fd-section--wide fd-related" aria-labelledby={`${testId}-h`} data-testid={testId}>
      <div className="fd-section__head">
        <h2 id={`${testId}-h`}>{t('lessons.related.title')}</h2>
        <Link href={href.lessons()} className="fd-small">
          {t('lessons.related.all')}
        </Link>
      </div>
      {body}
    </section>
  );
}

function ComparableCampaign({ campaign: c }: { campaign: Comparable }) {
  const { t } = useTranslation();
  return (
    <li data-testid={`comparable-${c.id}`}>
      <Link href={href.campaign(c.id)}>{c.name}</Link>{' '}
      <span className="fd-muted fd-small">{[...c.sharedChannels, ...c.sharedKpis].join(', ')}</span>
      {c.attainment.length ? (
        <ul className="fd-chips">
          {c.attainment.map((g) => (
            <li
              key={g.kpi}
              className={g.status ? `fd-band--${g.status}` : undefined}
              title={g.status ? t(`lessons.band.${g.status}`) : undefined}
            >
              <span className="fd-mono">{g.kpi}</span> {percent(g.rate)}
            </li>
          ))}
        </ul>
      ) : (
        <span className="fd-muted fd-small"> · {t('lessons.related.noReview')}</span>
      )}
    </li>
  );
}
