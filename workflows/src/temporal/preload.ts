// Evaluated once per reusable V8 context (the worker's preloadModules), not once per run: the module bodies of these
// libraries, and then of our own modules, were the largest CPU cost of starting a run. Naming the packages in
// preloadModules is not enough: the SDK preloads with require(), which webpack drops for packages flagged
// `sideEffects: false` (zod, liquidjs) and which resolves CommonJS builds that our ESM imports do not share. Importing
// them here, as our modules do, makes webpack share the very modules our code uses.
import * as zod from 'zod';
import * as liquid from 'liquidjs';
import * as cel from '@marcbachmann/cel-js';
import * as re2 from 're2js';
import { unfreezableExports } from './freeze-ready.ts';

// The SDK then freezes these modules and every global, zod's config among them (globalThis.__zod_globalConfig). Zod fills
// its config and caches lazily, on first use, which would then throw in a run ("object is not extensible"): fill them
// now, and run one parse that reaches the lazy paths, so no run is the first.
zod.config(zod.locales.en());
zod.config({ memoizer: zod.memoizer() });
void zod.util.allowsEval.value;
zod
  .object({ a: zod.string(), b: zod.array(zod.number()).optional(), c: zod.lazy(() => zod.json()) })
  .safeParse({ a: 1, b: ['x'], c: { d: [1] } });

/**
 * Every module of ours a run can load: all of workflows/src, the workflow and its interceptors among them, and with
 * them the SDK's public module (@temporalio/workflow's index and what it pulls in beyond what the SDK shares already).
 * Re-evaluating them for each run cost about 1.5 ms of a webhook flow's 16 and most of a 20-node flow's first
 * workflow task. Sharing them is safe because none holds per-run state at module scope (the workflow's holds
 * definitions of queries, updates and signals, and the SDK's proxies that find the run's activator when called): the expression
 * budget is opened and closed around each activation (interceptors.ts), and their caches (parsed expressions, regexes,
 * time zones, Liquid engines) map an input to the same value whichever run fills them, and are bounded. The SDK
 * freezes what they export, so none may export an object it changes later (the integration suite runs them frozen),
 * nor a zod schema or a regular expression, which cannot work frozen: checked here, so such a worker fails at start,
 * and by workflows/test/shared-modules.test.ts.
 */
declare global {
  interface ImportMeta {
    /** webpack's require.context: every module under a folder whose path matches, bundled and loaded by key. */
    webpackContext(
      dir: string,
      options: { recursive: boolean; regExp: RegExp; mode: 'sync' },
    ): { keys(): string[]; (key: string): unknown };
  }
}
const OUR_MODULES = import.meta.webpackContext('..', {
  recursive: true,
  regExp: /^\.\/(?!temporal\/(preload|freeze-ready)\.ts$)[\w/-]+\.ts$/,
  mode: 'sync',
});

const ours: Record<string, unknown> = Object.fromEntries(OUR_MODULES.keys().map((key) => [key, OUR_MODULES(key)]));

const unfreezable = unfreezableExports(ours);
if (unfreezable.length > 0) {
  throw new Error(
    `Shared workflow modules export what cannot work once frozen (zod schemas, regular expressions): ${unfreezable.join(', ')}`,
  );
}

export const PRELOADED = [zod, liquid, cel, re2, ours];
