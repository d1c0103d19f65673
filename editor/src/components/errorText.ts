import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';

/**
 * Words for a failed call. The engine's problem details are shown as sent; anything that did not
 * come from the engine (no network, a proxy's error page) gets a localized explanation instead of
 * a bare "Internal Server Error".
 */
export function useErrorText(): (err: unknown) => string {
  const { t } = useTranslation();
  return useCallback(
    (err: unknown) => {
      if (err instanceof ApiError) {
        if (!err.fromApi) return err.status === 0 || err.status >= 500 ? t('errors.unreachable') : t('errors.http', { status: err.status });
        const p = err.problem;
        return p.detail ?? p.title ?? t('errors.http', { status: err.status });
      }
      return err instanceof Error ? err.message : String(err);
    },
    [t],
  );
}
