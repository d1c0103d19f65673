import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import type { MetricPoint } from '../../src/kpi.ts';
import type { MonitoredCampaign } from '../../src/monitoring/index.ts';

/** The shared scenario files, read as they are: the tests judge the evaluator against the data the product ships with. */
// The scenario files ship with the repo (engine/seed, copied from the brief's shared scenarios), so a clean clone tests alone.
const DIR = fileURLToPath(new URL('../../../engine/seed', import.meta.url));

export interface ScenarioAnomaly {
  channel: string;
  metric: string;
  factor: number;
  from_hour: number;
  to_hour: number;
  expect: string;
}

export interface Scenario {
  id: string;
  campaign: MonitoredCampaign;
  /** Hour 0 of the anomalies' hour counts. */
  start: number;
  anomalies: ScenarioAnomaly[];
  /** In the file's order, which is timestamp order. */
  points: MetricPoint[];
}

interface CampaignFile {
  id: string;
  goals: NonNullable<MonitoredCampaign['goals']>;
  budget: { total: number; lines: { channel: string; amount: number }[] };
  channels: { name: string; [rate: string]: unknown }[];
  phases: { name: string; starts_at: string; ends_at: string }[];
  starts_at: string;
  timezone?: string;
  anomalies: ScenarioAnomaly[];
}

/** The campaign as the engine's import makes it (engine/src/services/campaigns.ts importScenario): Asia/Shanghai unless the file says. */
export function loadScenario(id: string): Scenario {
  const file = JSON.parse(readFileSync(`${DIR}/${id}.campaign.json`, 'utf8')) as CampaignFile;
  const campaign: MonitoredCampaign = {
    timezone: file.timezone ?? 'Asia/Shanghai',
    goals: file.goals,
    budget: { total: file.budget.total, lines: file.budget.lines },
    phases: file.phases.map((p) => ({ startsAt: p.starts_at, endsAt: p.ends_at })),
    channels: file.channels,
  };
  const lines = readFileSync(`${DIR}/${id}.metrics.csv`, 'utf8').trim().split(/\r?\n/);
  if (lines[0] !== 'ts,channel,metric,value') throw new Error(`${id}.metrics.csv: unexpected header ${lines[0]}`);
  const points = lines.slice(1).map((line) => {
    const [ts, channel, metric, value] = line.split(',');
    return { ts: ts!, channel: channel!, metric: metric!, value: Number(value) };
  });
  return { id, campaign, start: Date.parse(file.starts_at), anomalies: file.anomalies, points };
}

/** The instant of an anomaly's hour count. */
export const hourAt = (s: Scenario, hour: number) => new Date(s.start + hour * 3_600_000).toISOString();

/** A deterministic shuffle (mulberry32), so a failing order can be run again. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
