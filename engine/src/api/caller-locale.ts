import type { Response } from 'express';
import type { Locale } from '@flightdeck/workflows';
import type { Actor } from '../auth/access.ts';

/** Past this, a header is no one's honest preference list: read its start only, so a hostile one costs nothing. */
const MAX_HEADER_CHARS = 512;
const MAX_RANGES = 16;
const RANGE = /^([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)$/;
const QUALITY = /^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i;

const supported = (range: string): Locale | undefined => {
  const primary = range.toLowerCase().split('-')[0];
  return primary === 'zh' ? 'zh-CN' : primary === 'en' || primary === '*' ? 'en' : undefined;
};

/**
 * The language an Accept-Language header prefers among ours (RFC 9110 §12.5.4: the highest weight, the first of
 * equals; q=0 refuses); undefined when it names neither, is absent or cannot be read. Never throws.
 */
export function acceptedLocale(header: unknown): Locale | undefined {
  if (typeof header !== 'string') return undefined;
  let best: { locale: Locale; q: number } | undefined;
  for (const part of header.slice(0, MAX_HEADER_CHARS).split(',').slice(0, MAX_RANGES)) {
    const [range = '', ...rest] = part.split(';').map((p) => p.trim());
    if (!RANGE.test(range)) continue;
    const weight = rest.length ? QUALITY.exec(rest[0]!.replace(/\s+/g, '')) : null;
    if (rest.length && !weight) continue;
    const q = weight ? Number(weight[1]) : 1;
    const locale = supported(range);
    if (locale && q > 0 && (!best || q > best.q)) best = { locale, q };
  }
  return best?.locale;
}

/**
 * Whom a problem is worded for: a person signed in (the editor, an e-mail link) reads their account's language (the browser's own header is
 * not their choice); a script with a token, or anyone signed out, reads what Accept-Language asks for; English when
 * nothing is asked, so API clients that never asked keep the words they always had.
 */
export function callerLocale(res: Response): Locale {
  const actor = res.locals.actor as Actor | undefined;
  if (actor && actor.via !== 'token') return actor.locale;
  return acceptedLocale(res.req?.get('accept-language')) ?? 'en';
}
