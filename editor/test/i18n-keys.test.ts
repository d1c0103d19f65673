import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en.ts';
import { zhCN } from '../src/i18n/zh-CN.ts';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function keysOf(obj: unknown, prefix = ''): string[] {
  if (obj === null || typeof obj !== 'object') return [prefix];
  return Object.entries(obj).flatMap(([k, v]) => keysOf(v, prefix ? `${prefix}.${k}` : k));
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    return statSync(path).isDirectory() ? sources(path) : /\.tsx?$/.test(f) ? [path] : [];
  });
}

/** i18next falls back to the key itself, so a missing string shows as "connections.edit" on screen and nowhere else. */
describe('UI strings', () => {
  const english = new Set(keysOf(en));

  it('every literal t("…") key in the editor exists in the English catalogue', () => {
    const missing: string[] = [];
    for (const file of sources(SRC)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z0-9_.-]+)'/g)) {
        const key = m[1]!;
        // Plural forms live under key_one / key_other.
        if (!english.has(key) && !english.has(`${key}_one`) && !english.has(`${key}_other`))
          missing.push(`${file.replace(SRC, '')}: ${key}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('Chinese has exactly the English keys', () => {
    expect(keysOf(zhCN).sort()).toEqual([...english].sort());
  });
});
