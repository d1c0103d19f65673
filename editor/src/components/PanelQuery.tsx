import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useErrorText } from './errorText.ts';

/** Loading and failed states of a panel under the canvas: one quiet line each, with Retry. */
export function PanelQuery<T>({
  query,
  loadError,
  children,
}: {
  query: UseQueryResult<T, unknown>;
  loadError: (detail: string) => string;
  children: (data: T) => ReactNode;
}) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  if (query.isPending) return <p className="fd-muted fd-pad">{t('common.loading')}</p>;
  if (query.isError)
    return (
      <p className="fd-error-text fd-pad">
        {loadError(errorText(query.error))}{' '}
        <button type="button" className="fd-btn fd-btn--link" onClick={() => void query.refetch()}>
          {t('common.retry')}
        </button>
      </p>
    );
  return <>{children(query.data)}</>;
}
