import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useDepartments, useLessonSearch } from '../api/queries.ts';
import { LESSON_OUTCOMES, type LessonFilter } from '../api/types.ts';
import { AppHeader } from '../components/AppHeader.tsx';
import { useErrorText } from '../components/errorText.ts';
import { useDocumentTitle } from '../components/useDocumentTitle.ts';
import { href, navigate, type LessonsView } from '../routes.ts';
import { LessonCard } from './LessonCard.tsx';
import { LessonDialog } from './LessonDialog.tsx';

/** The lessons knowledge base: full-text search (Chinese included) with filters in the address, matches marked. */
export function LessonsPage({ view }: { view: LessonsView }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  useDocumentTitle(t('lessons.title'));
  const search = useLessonSearch(view as LessonFilter);
  const pages = search.data?.pages ?? [];
  const items = pages.flatMap((p) => p.items);
  const total = pages[0]?.total ?? 0;
  const [recording, setRecording] = useState(false);

  let body;
  if (search.isPending) body = <p className="fd-muted">{t('common.loading')}</p>;
  else if (search.isError)
    body = (
      <div className="fd-state fd-state--error" role="alert" data-testid="lessons-error">
        <h2>{t('lessons.loadError')}</h2>
        <p>{errorText(search.error)}</p>
      </div>
    );
  else if (!items.length)
    body = (
      <div className="fd-state" data-testid="lessons-empty">
        <h2>{t('lessons.emptyTitle')}</h2>
        <p className="fd-muted">{view.q ? t('lessons.emptySearch', { q: view.q }) : t('lessons.emptyText')}</p>
      </div>
    );
  else
    body = (
      <>
        <p className="fd-muted fd-small" aria-live="polite" data-testid="lessons-count">
          {t('lessons.found', { count: total })}
        </p>
        <div className="fd-lessons__list" data-testid="lesson-results">
          {items.map((hit) => (
            <LessonCard key={hit.id} lesson={hit} highlight={hit.highlight} />
          ))}
        </div>
        {search.hasNextPage && (
          <button type="button" className="fd-btn" onClick={() => void search.fetchNextPage()} disabled={search.isFetchingNextPage}>
            {search.isFetchingNextPage ? t('common.loading') : t('lessons.loadMore')}
          </button>
        )}
      </>
    );

  return (
    <div className="fd-app">
      <AppHeader />
      <main className="fd-page fd-lessons">
        <div className="fd-page__head">
          <div>
            <h1>{t('lessons.title')}</h1>
            <p className="fd-muted">{t('lessons.subtitle')}</p>
          </div>
          <button type="button" className="fd-btn fd-btn--primary" onClick={() => setRecording(true)} data-testid="lesson-record">
            {t('lessons.record')}
          </button>
        </div>
        <LessonFilters view={view} />
        {body}
      </main>
      {recording && <LessonDialog onClose={() => setRecording(false)} />}
    </div>
  );
}

function LessonFilters({ view }: { view: LessonsView }) {
  const { t } = useTranslation();
  const departments = useDepartments();
  const [q, setQ] = useState(view.q ?? '');
  // The address is the filter's one home: changing a filter replaces it, so Back leaves the page.
  const set = (patch: LessonsView) => navigate(href.lessons({ ...view, ...patch }), { replace: true });
  const field = (key: 'channel' | 'kpi', label: string) => (
    <div className="fd-field">
      <label className="fd-field__label" htmlFor={`lessons-${key}`}>
        {label}
      </label>
      <input
        id={`lessons-${key}`}
        className="fd-input"
        defaultValue={view[key] ?? ''}
        maxLength={64}
        onBlur={(e) => e.target.value.trim() !== (view[key] ?? '') && set({ [key]: e.target.value.trim() || undefined })}
        data-testid={`lessons-filter-${key}`}
      />
    </div>
  );
  return (
    <form
      className="fd-alerts__filters fd-lessons__filters"
      role="search"
      aria-label={t('lessons.filters')}
      onSubmit={(e) => {
        e.preventDefault();
        set({ q: q.trim() || undefined });
      }}
    >
      <div className="fd-field fd-lessons__q">
        <label className="fd-field__label" htmlFor="lessons-q">
          {t('lessons.search')}
        </label>
        <div className="fd-lessons__qrow">
          <input
            id="lessons-q"
            type="search"
            className="fd-input"
            value={q}
            maxLength={200}
            placeholder={t('lessons.searchPlaceholder')}
            onChange={(e) => setQ(e.target.value)}
            data-testid="lessons-q"
          />
          <button type="submit" className="fd-btn fd-btn--primary" data-testid="lessons-search">
            {t('lessons.searchButton')}
          </button>
        </div>
      </div>
      <div className="fd-field">
        <label className="fd-field__label" htmlFor="lessons-department">
          {t('lessons.department')}
        </label>
        <select
          id="lessons-department"
          className="fd-input"
          value={view.department ?? ''}
          onChange={(e) => set({ department: e.target.value || undefined })}
          data-testid="lessons-filter-department"
        >
          <option value="">{t('lessons.allDepartments')}</option>
          {departments.data?.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </div>
      {field('channel', t('lessons.channel'))}
      {field('kpi', t('lessons.kpi'))}
      <div className="fd-field">
        <label className="fd-field__label" htmlFor="lessons-outcome">
          {t('lessons.outcomeLabel')}
        </label>
        <select
          id="lessons-outcome"
          className="fd-input"
          value={view.outcome ?? ''}
          onChange={(e) => set({ outcome: e.target.value || undefined })}
          data-testid="lessons-filter-outcome"
        >
          <option value="">{t('lessons.allOutcomes')}</option>
          {LESSON_OUTCOMES.map((o) => (
            <option key={o} value={o}>
              {t(`lessons.outcome.${o}`)}
            </option>
          ))}
        </select>
      </div>
      {(['from', 'to'] as const).map((k) => (
        <div className="fd-field" key={k}>
          <label className="fd-field__label" htmlFor={`lessons-${k}`}>
            {t(`lessons.${k}`)}
          </label>
          <input
            id={`lessons-${k}`}
            type="date"
            className="fd-input"
            value={view[k] ?? ''}
            onChange={(e) => set({ [k]: e.target.value || undefined })}
            data-testid={`lessons-filter-${k}`}
          />
        </div>
      ))}
    </form>
  );
}
