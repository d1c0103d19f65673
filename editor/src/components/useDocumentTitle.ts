import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

/** Names the browser tab after what is open, so several open flows can be told apart. */
export function useDocumentTitle(subject?: string | null): void {
  const { t } = useTranslation();
  const app = t('app.name');
  useEffect(() => {
    document.title = subject ? `${subject} · ${app}` : app;
  }, [subject, app]);
}
