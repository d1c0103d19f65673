import { useSyncExternalStore } from 'react';
import i18next, { type TFunction } from 'i18next';
import { initReactI18next, useTranslation } from 'react-i18next';
import type { Locale } from '@flightdeck/workflows';
import { en } from './en.ts';
import { zhCN } from './zh-CN.ts';
import { initialLocale, normalizeLocale, persistLocale } from './locale.ts';

const lng = initialLocale();

void i18next.use(initReactI18next).init({
  resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
  lng,
  fallbackLng: 'en',
  supportedLngs: ['en', 'zh-CN'],
  interpolation: { escapeValue: false },
  // Resources are bundled, so there is nothing to wait for.
  initAsync: false,
  react: { useSuspense: false },
});
document.documentElement.lang = lng;
i18next.on('languageChanged', (l) => persistLocale(normalizeLocale(l) ?? 'en'));

export function setLocale(locale: Locale): void {
  void i18next.changeLanguage(locale);
}

/** The active locale as the catalogue names it. */
export function useLocale(): Locale {
  const { i18n } = useTranslation();
  return normalizeLocale(i18n.resolvedLanguage ?? i18n.language) ?? 'en';
}

const subscribeLanguage = (onChange: () => void) => {
  i18next.on('languageChanged', onChange);
  return () => i18next.off('languageChanged', onChange);
};
const currentLocale = (): Locale => normalizeLocale(i18next.resolvedLanguage ?? i18next.language) ?? 'en';

/**
 * The locale and `t` for a component drawn hundreds of times (a canvas node): one store subscription each, where
 * react-i18next's useTranslation sets up a translator and listeners per call, a tenth of opening a 500-node flow.
 */
export function useCanvasText(): { t: TFunction; locale: Locale } {
  const locale = useSyncExternalStore(subscribeLanguage, currentLocale);
  return { t: i18next.t, locale };
}

export { i18next };
