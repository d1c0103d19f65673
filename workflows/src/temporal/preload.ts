// Evaluated once per reusable V8 context (the worker's preloadModules), not once per run: these libraries' module
// bodies were the largest CPU cost of starting a run. Naming the packages in preloadModules is not enough: the SDK
// preloads with require(), which webpack drops for packages flagged `sideEffects: false` (zod, liquidjs) and which
// resolves CommonJS builds that our ESM imports do not share. Importing them here, as our modules do, makes webpack
// share the very modules our code uses. They hold no per-run state at module scope; the SDK freezes their exports.
import * as zod from 'zod';
import * as liquid from 'liquidjs';
import * as cel from '@marcbachmann/cel-js';
import * as re2 from 're2js';

// The SDK then freezes these modules and every global, zod's config among them (globalThis.__zod_globalConfig). Zod fills
// its config and caches lazily, on first use, which would then throw in a run ("object is not extensible"): fill them
// now, and run one parse that reaches the lazy paths, so no run is the first.
zod.config(zod.locales.en());
zod.config({ memoizer: zod.memoizer() });
void zod.util.allowsEval.value;
zod
  .object({ a: zod.string(), b: zod.array(zod.number()).optional(), c: zod.lazy(() => zod.json()) })
  .safeParse({ a: 1, b: ['x'], c: { d: [1] } });

export const PRELOADED = [zod, liquid, cel, re2];
