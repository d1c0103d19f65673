/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import type { AxeResults, Result } from 'axe-core';

/** axe-core's own build, read once; it is injected into the page under test and never bundled with the editor. */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The impacts that fail a page; moderate and minor findings are printed for a person to weigh. */
export const BLOCKING_IMPACTS: readonly string[] = ['serious', 'critical'];

export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string; summary: string }[];
}

const toFinding = (v: Result): AxeFinding => ({
  id: v.id,
  impact: v.impact ?? 'unknown',
  help: v.help,
  nodes: v.nodes.slice(0, 8).map((n) => ({ target: n.target.join(' '), summary: n.failureSummary ?? '' })),
});

/**
 * Runs axe-core on the page as it is now. Injected through the DevTools protocol (page.evaluate), which the editor's
 * Content-Security-Policy does not govern, so the page under test keeps its real CSP.
 */
export async function runAxe(page: Page): Promise<AxeFinding[]> {
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(() =>
    (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<AxeResults> } }).axe.run(document, {
      resultTypes: ['violations'],
    }),
  );
  return results.violations.map(toFinding);
}

/** One line per finding and element, for the test's log. */
export function describeFindings(page: string, findings: readonly AxeFinding[]): string {
  return findings
    .flatMap((f) => [
      `[${page}] ${f.impact} ${f.id}: ${f.help}`,
      ...f.nodes.map((n) => `    ${n.target} — ${n.summary.replace(/\s+/g, ' ')}`),
    ])
    .join('\n');
}
