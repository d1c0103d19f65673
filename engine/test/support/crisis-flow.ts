import { expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestStack } from './stack.ts';

/** The 618 scenario and the "Crisis response" flow on it, as the monitoring tests set them up. */
const seed = (file: string) => readFileSync(fileURLToPath(new URL(`../../seed/${file}`, import.meta.url)), 'utf8');
const scenario = JSON.parse(seed('s618-new-product-launch.campaign.json'));
const csv = seed('s618-new-product-launch.metrics.csv');
const [header, ...rows] = csv.trim().split('\n');
export const S618_START = Date.parse('2026-05-20T00:00:00Z');
export const HOUR = 3_600_000;
/** The scenario's CSV rows (ts,channel,metric,value) of the hours [from, until). */
export const scenarioRows = (from: number, until: number) => rows.filter((r) => hourOf(r) >= from && hourOf(r) < until);
const hourOf = (row: string) => (Date.parse(row.slice(0, row.indexOf(','))) - S618_START) / HOUR;

/**
 * The owner, the department head, the imported 618 campaign, a WeCom connection to `robotUrl`, and
 * "Crisis response" published with level 1 on that robot and a short time to answer (so a test sees
 * the escalation happen), level 2 the head by e-mail, level 3 the admins.
 */
export async function crisisFlow(stack: TestStack, robotUrl: string) {
  const owner = await stack.user('Evan Zhou', [{ role: 'designer', department: 'E-commerce' }], { department: 'E-commerce' });
  const head = await stack.user('Hana Head', [{ role: 'approver', department: 'E-commerce' }], {
    department: 'E-commerce',
    head: 'E-commerce',
  });
  const imported = await owner.api.post('/api/campaigns/import', scenario);
  expect(imported.status, JSON.stringify(imported.body)).toBe(201);
  const campaign = imported.body;
  const wecom = (
    await stack.api.post('/api/connections', {
      kind: 'wecom',
      name: 'Crisis room',
      departmentId: campaign.departmentId,
      secrets: { url: robotUrl },
    })
  ).body.id;
  expect(wecom).toBeTruthy();
  const template = (await owner.api.post('/api/templates/crisis-response/flows', { name: '618 crisis' })).body;
  const graph = template.graph;
  // No group wait: the test's clock is the wall clock, and each batch's alerts are already together.
  const monitor = graph.nodes.find((n: { id: string }) => n.id === 'monitor');
  monitor.config.grouping = { ...monitor.config.grouping, wait: '0s' };
  graph.nodes.find((n: { id: string }) => n.id === 'escalate').config.levels = [
    { connection: wecom, ackWithin: '2s' },
    { people: [{ kind: 'department_head', department: 'campaign' }], ackWithin: '1h' },
    { people: [{ kind: 'role', role: 'admin' }], ackWithin: '1h' },
  ];
  expect((await owner.api.put(`/api/flows/${template.id}`, { name: '618 crisis', graph })).status).toBe(200);
  expect((await owner.api.post(`/api/flows/${template.id}/versions`, {})).status).toBe(201);
  return { owner, head, campaign, flowId: template.id as string };
}

/**
 * Sends the scenario's metrics through the API with an ingest-only token, as an ad platform's export
 * job would: `ingest(from, until)` posts those hours a day at a time, then hour by hour from hour 480
 * (around the spike); `post(lines)` posts CSV lines of its own.
 */
export async function scenarioIngest(stack: TestStack, campaignId: string, ownerId: string) {
  const people = stack.server.app.people;
  const ownerActor = await people.actorFor((await people.userRow(ownerId))!, 'system');
  const token = (await people.createApiToken(ownerActor, 'export job', { scopes: ['ingest'] })).token;
  const post = (lines: string[]) =>
    fetch(`${stack.url}/api/campaigns/${campaignId}/metrics`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body: [header, ...lines].join('\n'),
    });
  const ingest = async (fromHour: number, untilHour: number) => {
    for (let from = fromHour; from < untilHour;) {
      const step = from >= 480 ? 1 : 24;
      const batch = rows.filter((r) => hourOf(r) >= from && hourOf(r) < Math.min(untilHour, from + step));
      const res = await post(batch);
      expect(res.status, await res.clone().text()).toBe(200);
      from += step;
    }
  };
  return { post, ingest };
}
