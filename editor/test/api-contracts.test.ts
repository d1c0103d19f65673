import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The editor takes its API types from the engine's contracts (`@flightdeck/engine/contracts`).
 * That module must stay browser-safe: zod, the flow language and the channel catalogue (all in the
 * editor's bundle already), and its own files; no Node APIs, no server code.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CONTRACTS = join(root, 'engine/src/api/contracts');
const ALLOWED_PACKAGES = new Set(['zod', '@flightdeck/workflows', '@flightdeck/activities/catalogue']);
const CATALOGUE = join(root, 'activities/src/channels/catalogue.ts');

const specifiers = (source: string) =>
  [...source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]!);
// Node's globals, which a bundler would have to shim (or could not).
const NODE_GLOBALS = /\b(process\.|Buffer\b|require\(|__dirname|__filename|setImmediate)/;

/** Every file the contracts reach through relative imports, with the packages they name. */
function walk(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = [];
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (files.includes(file)) continue;
    files.push(file);
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      else packages.add(spec);
    }
  }
  return { files, packages };
}

describe('the API contracts the editor imports', () => {
  const { files, packages } = walk(join(CONTRACTS, 'index.ts'));

  it('stay inside their own folder and name only browser-safe packages', () => {
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expect(relative(CONTRACTS, f).startsWith('..'), `${relative(root, f)} is outside the contracts`).toBe(false);
    for (const p of packages) expect(ALLOWED_PACKAGES.has(p), `the contracts import ${p}`).toBe(true);
  });

  it('use no Node globals, and the channel catalogue they read imports zod only', () => {
    for (const f of [...files, CATALOGUE]) expect(readFileSync(f, 'utf8'), relative(root, f)).not.toMatch(NODE_GLOBALS);
    expect(specifiers(readFileSync(CATALOGUE, 'utf8'))).toEqual(['zod']);
  });

  it('are what the editor types come from: no hand-written response shapes are left in its API layer', () => {
    const types = readFileSync(join(root, 'editor/src/api/types.ts'), 'utf8');
    const client = readFileSync(join(root, 'editor/src/api/client.ts'), 'utf8');
    expect(types).toMatch(/from '@flightdeck\/engine\/contracts'/);
    // Only `import type`: the contracts cost the bundle nothing.
    expect(types).not.toMatch(/^import (?!type )[^\n]*@flightdeck\/engine/m);
    for (const source of [types, client]) expect(source).not.toMatch(/^export (interface|type \w+ = \{)/m);
  });
});
