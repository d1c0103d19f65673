import { useTranslation } from 'react-i18next';
import { href } from '../routes.ts';
import { AppHeader } from './AppHeader.tsx';
import { Link } from './Link.tsx';

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <div className="fd-app">
      <AppHeader />
      <div className="fd-state">
        <h2>{t('notFound.title')}</h2>
        <Link className="fd-btn" href={href.flows()}>
          {t('notFound.back')}
        </Link>
      </div>
    </div>
  );
}
