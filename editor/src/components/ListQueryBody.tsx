import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useErrorText } from './errorText.ts';

interface ListQueryBodyProps<T> {
  query: UseQueryResult<T[], unknown>;
  /** Prefix of the state test ids: "<testId>-error", "<testId>-empty". */
  testId: string;
  errorTitle: string;
  /** Shown beside Retry when loading failed. */
  errorActions?: ReactNode;
  emptyTitle: string;
  emptyText: string;
  emptyAction?: ReactNode;
  children: (items: T[]) => ReactNode;
}

/** The loading, failed and empty states every list page has, so each page only says how to show its items. */
export function ListQueryBody<T>({
  query,
  testId,
  errorTitle,
  errorActions,
  emptyTitle,
  emptyText,
  emptyAction,
  children,
}: ListQueryBodyProps<T>) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  if (query.isPending) return <p className="fd-muted">{t('common.loading')}</p>;
  if (query.isError) {
    return (
      <div className="fd-state fd-state--error" role="alert" data-testid={`${testId}-error`}>
        <h2>{errorTitle}</h2>
        <p>{errorText(query.error)}</p>
        <div className="fd-state__actions">
          <button type="button" className="fd-btn" onClick={() => void query.refetch()} disabled={query.isFetching}>
            {t('common.retry')}
          </button>
          {errorActions}
        </div>
      </div>
    );
  }
  if (!query.data.length) {
    return (
      <div className="fd-state" data-testid={`${testId}-empty`}>
        <h2>{emptyTitle}</h2>
        <p className="fd-muted">{emptyText}</p>
        {emptyAction}
      </div>
    );
  }
  return <>{children(query.data)}</>;
}
