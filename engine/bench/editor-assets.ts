/// <reference lib="dom" />
/**
 * Part of npm run bench (alone: npx tsx engine/bench/editor-assets.ts, after `npm run build`): the JavaScript the
 * sign-in page loads, in headless Chromium against the production build on the in-process stack, and then what
 * opening the editor adds. Budget (issue 14, stated in the README): the sign-in page loads at most
 * SIGN_IN_BUDGET_KIB of JavaScript as transferred (brotli), and none of the heavy chunks.
 *
 * - transferred: the response bodies as they came over the wire (Chromium's encoded body size), compressed.
 * - decoded: the same bodies after decompression, what the browser parses.
 * Needs editor/dist (npm run build) and Chromium (CHROMIUM_PATH or /usr/bin/chromium).
 */
import { chromium, type Page } from 'playwright-core';
import { EDITOR_DIST } from '../src/server/start-server.ts';
import { startBenchStack, writeBenchResult } from './stack.ts';
import { HEAVY_CHUNK, SIGN_IN_BUDGET_KIB } from '../../editor/build/budget.ts';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const COMMAND = 'npx tsx engine/bench/editor-assets.ts';

interface Script {
  name: string;
  encoding: string;
  transferred: number;
  decoded: number;
}

/** Records every script the page fetches from now on, with its sizes once the body has arrived. */
function recordScripts(page: Page): { scripts: Script[]; settled: () => Promise<void> } {
  const scripts: Script[] = [];
  const pending: Promise<void>[] = [];
  page.on('requestfinished', (request) => {
    if (request.resourceType() !== 'script') return;
    pending.push(
      (async () => {
        const response = (await request.response())!;
        const [sizes, body] = await Promise.all([request.sizes(), response.body()]);
        const name = new URL(request.url()).pathname.split('/').pop()!;
        const encoding = (await response.headerValue('content-encoding')) ?? 'identity';
        scripts.push({ name, encoding, transferred: sizes.responseBodySize, decoded: body.length });
      })(),
    );
  });
  return { scripts, settled: async () => void (await Promise.all(pending)) };
}

const kib = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;
const total = (scripts: Script[], key: 'transferred' | 'decoded') => scripts.reduce((sum, s) => sum + s[key], 0);

const stack = await startBenchStack(
  'editor-assets',
  { pg: Number(process.env.BENCH_PG_PORT ?? 54445), temporal: Number(process.env.BENCH_TEMPORAL_PORT ?? 7345) },
  { editorDist: process.env.BENCH_EDITOR_DIST ?? EDITOR_DIST },
);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
});
try {
  await stack.user('assets@bench.local', 'Assets bench', 'admin');
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  const signIn = recordScripts(page);
  await page.goto(`${stack.server.url}/#/signin`, { waitUntil: 'networkidle' });
  await page.getByTestId('signin-email').waitFor();
  await signIn.settled();
  const signInScripts = [...signIn.scripts];

  await page.getByTestId('signin-email').fill('assets@bench.local');
  await page.getByTestId('signin-password').fill('bench-password');
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('signout').waitFor();
  await page.goto(`${stack.server.url}/#/flows/new`);
  await page.getByTestId('canvas').waitFor();
  await page.waitForLoadState('networkidle');
  await signIn.settled();
  const editorScripts = signIn.scripts.slice(signInScripts.length);

  const transferred = total(signInScripts, 'transferred');
  const heavy = signInScripts.filter((s) => HEAVY_CHUNK.test(s.name)).map((s) => s.name);
  const result = {
    budgetKiB: SIGN_IN_BUDGET_KIB,
    signIn: {
      files: signInScripts.length,
      transferredKiB: kib(transferred),
      decodedKiB: kib(total(signInScripts, 'decoded')),
      heavyChunks: heavy,
      scripts: signInScripts,
    },
    editorAdds: {
      files: editorScripts.length,
      transferredKiB: kib(total(editorScripts, 'transferred')),
      decodedKiB: kib(total(editorScripts, 'decoded')),
      scripts: editorScripts.map((s) => s.name),
    },
    withinBudget: transferred <= SIGN_IN_BUDGET_KIB * 1024 && heavy.length === 0,
  };
  console.log(`editor assets (${COMMAND}, production build, headless Chromium)`);
  console.log(
    `  sign-in page: ${result.signIn.files} scripts, ${result.signIn.transferredKiB} KiB transferred, ` +
      `${result.signIn.decodedKiB} KiB decoded (budget ${SIGN_IN_BUDGET_KIB} KiB transferred); heavy chunks: ${heavy.join(', ') || 'none'}`,
  );
  for (const s of signInScripts) console.log(`    ${s.name} ${s.encoding} ${kib(s.transferred)} KiB → ${kib(s.decoded)} KiB`);
  console.log(
    `  opening the editor adds: ${result.editorAdds.files} scripts, ${result.editorAdds.transferredKiB} KiB transferred, ` +
      `${result.editorAdds.decodedKiB} KiB decoded`,
  );
  console.log(`  ${result.withinBudget ? 'within' : 'OVER'} budget`);
  writeBenchResult('editor-assets', result);
  if (!result.withinBudget) process.exitCode = 1;
} finally {
  await browser.close();
  await stack.close();
}
