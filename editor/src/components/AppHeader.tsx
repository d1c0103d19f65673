import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { href } from '../routes.ts';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import { Link } from './Link.tsx';

/** The top bar every page shares; pages put their own controls in the middle. */
export function AppHeader({ children }: { children?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <header className="fd-header">
      <Link href={href.flows()} className="fd-brand" data-testid="nav-home">
        <span className="fd-brand__mark" aria-hidden>
          ➤
        </span>
        <span className="fd-brand__name">{t('app.name')}</span>
      </Link>
      <Link href={href.flows()} className="fd-header__nav" data-testid="nav-flows">
        {t('header.flows')}
      </Link>
      <div className="fd-header__middle">{children}</div>
      <LanguageSwitch />
    </header>
  );
}
