import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A box that scrolls sideways when its table is wider than the screen (a phone): focusable, so that a keyboard can
 * scroll it too (WCAG 2.1.1; axe's scrollable-region-focusable), and named, as a focusable region must be.
 */
export function ScrollRegion({ children, label }: { children: ReactNode; label?: string }) {
  const { t } = useTranslation();
  return (
    <div className="fd-table-wrap" role="region" tabIndex={0} aria-label={label ?? t('common.scrollTable')}>
      {children}
    </div>
  );
}
