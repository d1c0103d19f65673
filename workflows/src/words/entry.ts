import type { Locale } from '../nodes/define.ts';

/** What a text is made of: named values, filled into each language's words. */
export type ProblemParams = Record<string, string | number>;

/** One entry of the text table: the same problem in each language, from the same parameters. */
export type Words = Record<Locale, (p: ProblemParams) => string>;

const fill = (template: string, p: ProblemParams) => template.replace(/\{(\w+)\}/g, (_, k: string) => String(p[k] ?? ''));

/** An entry from two templates whose `{name}` placeholders are filled from the parameters. */
export const words = (en: string, zh: string): Words => ({ en: (p) => fill(en, p), 'zh-CN': (p) => fill(zh, p) });
