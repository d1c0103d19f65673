import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DRIZZLE = join(import.meta.dirname, '..', 'drizzle');
const journal = JSON.parse(readFileSync(join(DRIZZLE, 'meta', '_journal.json'), 'utf8')) as {
  entries: { idx: number; when: number; tag: string }[];
};

/**
 * drizzle's migrator applies a migration only when its `when` is later than the newest one a
 * database has applied, so a migration stamped earlier than any predecessor is silently skipped on
 * every database that already exists. 0012 is stamped before 0011, which is harmless only because
 * both landed together: no database has one without the other.
 */
const LANDED_TOGETHER = new Set(['0012_monitors']);

describe('the migration journal', () => {
  it('lists every SQL file once, in order', () => {
    const files = readdirSync(DRIZZLE)
      .filter((f) => f.endsWith('.sql'))
      .map((f) => f.replace(/\.sql$/, ''))
      .sort();
    expect(journal.entries.map((e) => e.tag)).toEqual(files);
    expect(journal.entries.map((e) => e.idx)).toEqual(files.map((_, i) => i));
  });

  it('stamps each migration later than every earlier one, so existing databases apply it', () => {
    let newest = 0;
    const late: string[] = [];
    for (const entry of journal.entries) {
      if (entry.when <= newest && !LANDED_TOGETHER.has(entry.tag)) late.push(`${entry.tag} (${entry.when} <= ${newest})`);
      newest = Math.max(newest, entry.when);
    }
    expect(late).toEqual([]);
  });
});
