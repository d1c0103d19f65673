import type { Locale } from '@flightdeck/workflows';

/** The UI locales; node texts in the catalogue use the same tags. */
export const UI_LOCALES: readonly Locale[] = ['en', 'zh-CN'];
// The browser's copy: before sign-in, and until the account's preference (users.locale) arrives with /api/auth/me.
export const LOCALE_STORAGE_KEY = 'flightdeck.locale';

export function normalizeLocale(tag: string | null | undefined): Locale | undefined {
  if (!tag) return undefined;
  const lower = tag.toLowerCase();
  if (lower.startsWith('zh')) return 'zh-CN';
  if (lower.startsWith('en')) return 'en';
  return undefined;
}

export function initialLocale(): Locale {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(LOCALE_STORAGE_KEY);
  } catch {
    // Storage can be disabled (private mode, sandboxed iframes); fall back to the browser.
  }
  return normalizeLocale(stored) ?? normalizeLocale(navigator.language) ?? 'en';
}

export function persistLocale(locale: Locale): void {
  try {
    localStorage.setItem(LOCALE_STORAGE_KEY, locale);
  } catch {
    // Not fatal: the choice lasts for this page only.
  }
  document.documentElement.lang = locale;
}
