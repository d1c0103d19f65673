/**
 * npm run replay -- <campaignId-or-slug> <csv> [--speed 3600] [--from T] [--until T] [--url http://127.0.0.1:4000] [--token T]
 *
 * Replays a scenario metrics file through the HTTP API as if it were arriving live: the points of
 * each timestamp in one batch, `speed` simulated seconds per wall second. The token (or
 * FLIGHTDECK_TOKEN) needs the ingest scope. `--from` / `--until` (ISO times, simulated) replay a part only: a demo
 * can stop inside an incident, so its alert stays open while the escalation plays out, then go on from there.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { METRICS_CSV_HEADER } from '@flightdeck/workflows';
import { planReplay, replayRows } from './replay-plan.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    speed: { type: 'string', default: '3600' },
    url: { type: 'string', default: 'http://127.0.0.1:4000' },
    token: { type: 'string' },
    from: { type: 'string' },
    until: { type: 'string' },
  },
});
const [campaign, file] = positionals;
const token = values.token ?? process.env.FLIGHTDECK_TOKEN;
if (!campaign || !file || !token) {
  console.error(
    'usage: npm run replay -- <campaignId-or-slug> <file.metrics.csv> [--speed 3600] [--from T] [--until T] [--url URL] ' +
      '--token fdk_… (ingest scope)',
  );
  process.exit(2);
}
const speed = Number(values.speed);
const bound = (name: 'from' | 'until') => {
  const raw = values[name];
  if (raw === undefined) return null;
  const t = Date.parse(raw);
  if (!Number.isFinite(t)) {
    console.error(`--${name} must be a time such as 2026-06-09T20:00:00Z, got "${raw}"`);
    process.exit(2);
  }
  return t;
};
const [from, until] = [bound('from'), bound('until')];
// Points at or after --from and before --until (event time).
const rows = replayRows(readFileSync(file, 'utf8')).filter((r) => {
  const t = Date.parse(r.ts);
  return (from === null || t >= from) && (until === null || t < until);
});
const batches = planReplay(rows, speed);
const endpoint = `${values.url.replace(/\/$/, '')}/api/campaigns/${encodeURIComponent(campaign)}/metrics`;
const total = batches.reduce((n, b) => n + b.lines.length, 0);
console.log(`Replaying ${total} points in ${batches.length} batches at ${speed}× to ${endpoint}`);

const started = Date.now();
let sent = 0;
let replaced = 0;
for (const [i, b] of batches.entries()) {
  const wait = started + b.offsetMs - Date.now();
  if (wait > 0) await sleep(wait);
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    body: [METRICS_CSV_HEADER, ...b.lines].join('\n') + '\n',
  });
  const body = (await res.json().catch(() => ({}))) as { accepted?: number; replaced?: number; detail?: string; errors?: unknown[] };
  if (res.status !== 200) {
    console.error(`Batch ${i + 1} (${new Date(b.simMs).toISOString()}) refused: ${res.status} ${body.detail ?? ''}`);
    for (const e of body.errors ?? []) console.error('  ', JSON.stringify(e));
    process.exit(1);
  }
  sent += body.accepted ?? 0;
  replaced += body.replaced ?? 0;
  const pct = Math.round((100 * (i + 1)) / batches.length);
  console.log(`[${String(pct).padStart(3)}%] ${new Date(b.simMs).toISOString()}  ${sent}/${total} points (${replaced} replaced)`);
}
console.log(`Done: ${sent} points in ${((Date.now() - started) / 1000).toFixed(1)} s`);
