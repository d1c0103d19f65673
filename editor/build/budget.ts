/*
 * What the sign-in page may load (issue 14, stated in the README): measured by engine/bench/editor-assets.ts
 * in Chromium, checked on the built index.html by engine/test/editor-assets.test.ts.
 */

/** JavaScript the sign-in page transfers, brotli-compressed, at most. */
export const SIGN_IN_BUDGET_KIB = 128;

/** Chunks (vite's [name]-[hash].js) the sign-in page must not fetch: the canvas, CEL, Liquid, charts, elk, the simulator. */
export const HEAVY_CHUNK = /^(flow|cel|liquid|charts|elk\.bundled|WhatIfPanel|EditorPage|RunPage)-/;
