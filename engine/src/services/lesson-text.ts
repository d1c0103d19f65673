/**
 * How lesson texts become search tokens, and how a search marks what it matched.
 *
 * Why segment in JS and not pg_trgm: the embedded PostgreSQL does ship pg_trgm, but a trigram index
 * cannot serve a two-character Chinese word (预算, 达人 have one real trigram each, so `LIKE '%预算%'`
 * falls back to reading every row), and trigram similarity gives no ts_rank, weights or phrase order.
 * PostgreSQL's own parser does not split Chinese at all (a whole clause is one "word"). So the texts
 * are cut here and fed to a `simple` tsvector. Intl.Segmenter('zh', word) alone is not enough: on
 * Node 20 and 24 (ICU's dictionary) it keeps 预算 as a word but cuts 达人 into 达|人, and it cuts the
 * same word differently in different sentences. So every run of Chinese characters is also indexed as
 * its overlapping character bigrams, and a query's Chinese run is searched as the phrase of its
 * bigrams: any text that contains the run contains that phrase, whatever the segmenter did. The
 * segmenter's longer words (小红书) are indexed too, so they rank a little higher.
 */

const HAN = /\p{Script=Han}/u;
const HAN_RUNS = /\p{Script=Han}+/gu;
/** Latin, digits and other scripts, without Chinese: what the `english` config reads. */
const NON_HAN_WORDS = /[\p{L}\p{N}]+/gu;

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

export function hasChinese(text: string): boolean {
  return HAN.test(text);
}

function bigrams(run: string): string[] {
  const chars = [...run];
  if (chars.length === 1) return chars;
  const out: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
  return out;
}

/**
 * The text as space-separated tokens, for to_tsvector: each Chinese run's bigrams (consecutive, so a
 * phrase query finds them in order) then its multi-character segmenter words, and every other word as
 * it is (the `english` config stems it, `simple` keeps it whole).
 */
export function segmentForIndex(text: string): string {
  const tokens: string[] = [];
  for (const { segment, isWordLike } of segmenter.segment(text.normalize('NFKC'))) {
    if (!isWordLike) {
      // A run of Chinese ends at punctuation or a space; a word from another script is never glued to it.
      tokens.push('|');
      continue;
    }
    if (!HAN.test(segment)) {
      tokens.push(...(segment.match(NON_HAN_WORDS) ?? []));
      tokens.push('|');
      continue;
    }
    tokens.push(segment);
  }
  // Rebuild the Chinese runs from the adjacent Chinese segments, then emit bigrams and words.
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (!run.length) return;
    out.push(...bigrams(run.join('')));
    for (const w of run) if ([...w].length > 2) out.push(w);
    run = [];
  };
  for (const t of tokens) {
    if (t === '|') flush();
    else if (HAN.test(t)) {
      // A segment that mixes scripts ("KOL达人" never comes out as one, but be sure): split it.
      const parts = t.split(/(\p{Script=Han}+)/u).filter(Boolean);
      for (const p of parts) {
        if (HAN.test(p)) run.push(p);
        else {
          flush();
          out.push(...(p.match(NON_HAN_WORDS) ?? []));
        }
      }
    } else {
      flush();
      out.push(t);
    }
  }
  flush();
  return out.join(' ');
}

/** A search, split the way the index was built. */
export interface LessonSearchTerms {
  /** Each Chinese run of the query, as the bigrams to match in order (one element: a single character). */
  chinese: string[][];
  /** The query without its Chinese characters, for websearch_to_tsquery('english', …). */
  latin: string;
}

export function searchTerms(q: string): LessonSearchTerms {
  const text = q.normalize('NFKC');
  const chinese = (text.match(HAN_RUNS) ?? []).slice(0, 20).map(bigrams);
  return { chinese, latin: text.replace(HAN_RUNS, ' ').replace(/\s+/g, ' ').trim() };
}

/**
 * The tsquery text for the Chinese part (to_tsquery('simple', …)): the runs ANDed, each the phrase of
 * its bigrams; a lone character also matches as the start of a bigram. Tokens are Han characters only,
 * so nothing in them can be tsquery syntax; they are quoted all the same.
 */
export function chineseTsquery(terms: LessonSearchTerms): string {
  return terms.chinese
    .map((grams) =>
      grams.length === 1 && [...grams[0]!].length === 1 ? `('${grams[0]}' | '${grams[0]}':*)` : grams.map((g) => `'${g}'`).join(' <-> '),
    )
    .join(' & ');
}

export interface Highlighted {
  text: string;
  match: boolean;
}

/**
 * The text cut into matched and unmatched runs. Chinese: each query run wherever it occurs. Other
 * words: those that begin with one of the query's English stems (PostgreSQL's, so "campaigns" and
 * "campaign" both light up for "campaign"; a stem ending in i also matches the y form: happi → happy).
 */
export function highlight(text: string, terms: LessonSearchTerms, stems: string[]): Highlighted[] {
  const marked = new Array<boolean>(text.length).fill(false);
  // Lower-casing may change a string's length (İ); then match as written, so offsets stay the text's.
  const folded = text.toLowerCase();
  const lower = folded.length === text.length ? folded : text;
  for (const grams of terms.chinese) {
    const run =
      grams.length === 1
        ? grams[0]!
        : grams[0]! +
          grams
            .slice(1)
            .map((g) => [...g].slice(1).join(''))
            .join('');
    if (!run) continue;
    for (let at = lower.indexOf(run); at >= 0; at = lower.indexOf(run, at + run.length)) marked.fill(true, at, at + run.length);
  }
  const usable = stems.filter((s) => s.length >= 2);
  if (usable.length) {
    for (const m of lower.matchAll(NON_HAN_WORDS)) {
      const word = m[0].replace(HAN_RUNS, '');
      if (word !== m[0]) continue;
      const hit = usable.some((s) => word.startsWith(s) || (s.length >= 4 && s.endsWith('i') && word.startsWith(s.slice(0, -1))));
      if (hit) marked.fill(true, m.index, m.index + m[0].length);
    }
  }
  const out: Highlighted[] = [];
  for (let i = 0; i < text.length;) {
    let j = i;
    while (j < text.length && marked[j] === marked[i]) j++;
    out.push({ text: text.slice(i, j), match: marked[i]! });
    i = j;
  }
  return out;
}
