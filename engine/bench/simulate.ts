/**
 * Part of npm run bench: the editor's what-if (simulateWhatIf, as the browser runs it) of a month of
 * hourly data with a monitor and an escalation. The 618 scenario (30 days, 3 channels, 15,120
 * points) through the "Crisis response" template (a negative-mentions monitor, a three-level
 * ladder) and through "Campaign KPI watch" (the source documents' rules, escalations, a re-approval),
 * from reading the CSV to the summary. Target: < 2 s. Run alone: `npx tsx engine/bench/simulate.ts`.
 */
import { readFileSync } from 'node:fs';
import { buildTimeline, scenarioPoints, simulateWhatIf, summarise, type WhatIfOptions } from '@flightdeck/workflows/whatif';
import { crisisResponse, campaignKpiWatchFlow } from '../src/templates/monitoring-templates.ts';
import { percentile, writeBenchResult } from './stack.ts';

const DIR = new URL('../seed/', import.meta.url);
const RUNS = Number(process.env.BENCH_SIMULATE_RUNS ?? 5);
const TARGET_MS = 2000;

const file = JSON.parse(readFileSync(new URL('s618-new-product-launch.campaign.json', DIR), 'utf8'));
const csv = readFileSync(new URL('s618-new-product-launch.metrics.csv', DIR), 'utf8');
const campaign: WhatIfOptions['campaign'] = {
  id: 'c618',
  name: file.name,
  timezone: 'Asia/Shanghai',
  goals: file.goals,
  budget: { total: file.budget.total, lines: file.budget.lines },
  phases: file.phases.map((p: { starts_at: string; ends_at: string }) => ({ startsAt: p.starts_at, endsAt: p.ends_at })),
  channels: file.channels,
  department: 'Marketing',
  owner: { id: 'u-owner', name: 'Olivia', email: 'olivia@example.invalid' },
};

async function time(template: { name: string; graph: unknown }) {
  const ms: number[] = [];
  let summary: ReturnType<typeof summarise> | undefined;
  let steps = 0;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const points = scenarioPoints(csv);
    const result = await simulateWhatIf(template.graph, { campaign, points });
    const types = Object.fromEntries((template.graph as { nodes: { id: string; type: string }[] }).nodes.map((n) => [n.id, n.type]));
    const timeline = buildTimeline(result, types);
    summary = summarise(result, timeline);
    steps = timeline.length;
    ms.push(performance.now() - t);
    if (!result.simulation.ok) throw new Error(`${template.name}: ${JSON.stringify(result.simulation.issues)}`);
  }
  ms.sort((a, b) => a - b);
  return { flow: template.name, runs: RUNS, p50Ms: +percentile(ms, 50).toFixed(1), maxMs: +ms[ms.length - 1]!.toFixed(1), steps, summary };
}

const results = [await time(crisisResponse), await time(campaignKpiWatchFlow)];
for (const r of results) {
  const s = r.summary!;
  console.log(
    `what-if "${r.flow}" on the 618 scenario (15,120 points, 30 days hourly): p50 ${r.p50Ms} ms, max ${r.maxMs} ms; ` +
      `${s.alerts} alerts, escalations ${JSON.stringify(s.escalationsByLevel)}, ${s.messages} messages, ${r.steps} timeline entries; ` +
      `target < ${TARGET_MS} ms`,
  );
}
const pass = results.every((r) => r.maxMs < TARGET_MS);
writeBenchResult('simulate', { targetMs: TARGET_MS, results, pass });
if (!pass) process.exitCode = 1;
