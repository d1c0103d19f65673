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
      aria-label={t('header.switchLanguage')}
      title={t('header.switchLanguage')}
      onClick={() => (auth ? auth.changeLocale(next) : setLocale(next))}
    >
      <span className={locale === 'en' ? 'is-active' : ''} lang="en">
        EN
      </span>
      <span aria-hidden>/</span>
      <span className={locale === 'zh-CN' ? 'is-active' : ''} lang="zh-CN">
        中文
      </span>
    </button>
  );
}
