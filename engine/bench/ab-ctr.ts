/**
 * What one A/B decision costs (`compareCtr`): the exact sum grows with the smaller arm's clicks up to its bound, the
 * normal approximation above it does not grow at all. Run: `npx tsx engine/bench/ab-ctr.ts`.
 */
import { compareCtr, EXACT_CTR_TERMS } from '@flightdeck/workflows';

const cases: [string, number, number][] = [
  ['100 clicks', 100, 10_000],
  ['1,000 clicks', 1_000, 100_000],
  [`${EXACT_CTR_TERMS.toLocaleString('en')} clicks (exact bound)`, EXACT_CTR_TERMS - 1, 1_000_000],
  ['1 million clicks (normal)', 1e6, 1e8],
  ['1e14 clicks (normal)', 1e14, 1e15],
];
for (const [label, clicks, impressions] of cases) {
  const a = { clicks, impressions };
  const b = { clicks: clicks + Math.sqrt(clicks), impressions };
  const runs = 200;
  compareCtr(a, b);
  const t0 = performance.now();
  let method = '';
  for (let i = 0; i < runs; i++) method = compareCtr(a, b).method;
  const ms = (performance.now() - t0) / runs;
  console.log(`${label.padEnd(36)} ${method.padEnd(7)} ${ms.toFixed(4)} ms per comparison`);
}
