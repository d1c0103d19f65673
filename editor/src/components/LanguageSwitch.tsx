import { useTranslation } from 'react-i18next';
import { useOptionalAuth } from '../auth/AuthProvider.tsx';
import { setLocale, useLocale } from '../i18n/index.ts';

/** Toggles between English and Simplified Chinese; each language is named in itself. Signed in, the choice is kept with the account. */
export function LanguageSwitch() {
  const { t } = useTranslation();
  const locale = useLocale();
  const auth = useOptionalAuth();
  const next = locale === 'en' ? 'zh-CN' : 'en';
  return (
    <button
      type="button"
      className="fd-lang"
      data-testid="lang-switch"
      data-locale={locale}
      // The name is the visible text plus what the button does, so that speech input can say what it sees (WCAG 2.5.3).
      title={t('header.switchLanguage')}
      onClick={() => (auth ? auth.changeLocale(next) : setLocale(next))}
    >
      <span className="fd-sr-only">{t('header.languageIs')}</span>
      <span className={locale === 'en' ? 'is-active' : ''} lang="en">
        EN
      </span>
      <span>/</span>
      <span className={locale === 'zh-CN' ? 'is-active' : ''} lang="zh-CN">
        中文
      </span>
    </button>
  );
}
