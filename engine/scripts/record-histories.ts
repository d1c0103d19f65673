/**
 * Records workflow histories for the replay test (engine/test/replay.test.ts). Run it when the
 * interpreter changes on purpose and old histories must still replay:
 *   npx tsx engine/scripts/record-histories.ts [name …]   (all, or just the named flows)
 * It starts its own PostgreSQL and Temporal dev server in a temp directory, runs a set of flows
 * that cover every node type and outcome, and writes each history as JSON.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startEmbeddedPostgres } from '../src/launcher/embedded-postgres.ts';
import { findTemporalCli, HOW_TO_GET_TEMPORAL, startTemporalDevServer } from '../src/launcher/temporal-cli.ts';
import { createFlowWorker } from '../src/worker/create-worker.ts';
import { startServer } from '../src/server/start-server.ts';
import { buildActivityDeps } from '../src/worker/activity-deps.ts';
import { createLogger } from '../src/logger.ts';
import { createOutboundGuard } from '@flightdeck/activities';
import { RECORDED_FLOWS } from '../test/fixtures/recorded-flows.ts';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const OUT = fileURLToPath(new URL('../test/fixtures/histories/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'flightdeck-record-'));
const binary = findTemporalCli();
if (!binary) throw new Error(HOW_TO_GET_TEMPORAL);

// The receiver answers by path: /ok → 200, /flaky → 500 twice then 200, /reject → 400.
let flaky = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const status = req.url === '/reject' ? 400 : req.url === '/flaky' && flaky++ < 2 ? 500 : 200;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;

const pg = await startEmbeddedPostgres({ dataDir: dir, port: 54391 });
const temporal = await startTemporalDevServer({ binary, port: 7291 });
const taskQueue = 'record-histories';
const server = await startServer({
  databaseUrl: pg.url,
  temporalAddress: temporal.address,
  namespace: 'default',
  taskQueue,
  host: '127.0.0.1',
  port: 0,
  log: createLogger('silent'),
  syncIntervalMs: 0,
  secret: 'record',
  encryptionKey: Buffer.alloc(32, 1),
});
// The flows call the local receiver, which the outbound guard refuses unless allowed.
const deps = buildActivityDeps({
  db: server.db.db,
  secret: 'record',
  encryptionKey: Buffer.alloc(32, 1),
  publicUrl: server.url,
  outbound: createOutboundGuard({ allow: '127.0.0.1' }),
});
const { worker, connection } = await createFlowWorker({ address: temporal.address, namespace: 'default', taskQueue, deps });
const running = worker.run();

const people = server.app.people;
const admin = await people.createUser(null, { email: 'recorder@local', name: 'Recorder', password: 'recorder-password' });
await people.grant(null, { userId: admin.id, role: 'admin', departmentId: null });
const token = (await people.createApiToken(await people.actorFor((await people.userRow(admin.id))!, 'system'), 'recorder')).token;
const approverUser = await people.createUser(null, { email: 'approver@record.local', name: 'Approver', password: 'recorder-password' });
const approverToken = (await people.createApiToken(await people.actorFor((await people.userRow(approverUser.id))!, 'system'), 'recorder'))
  .token;

async function call(method: string, path: string, body?: unknown, as = token) {
  const res = await fetch(server.url + path, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${as}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, any>;
  if (res.status >= 400) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
  return json;
}

try {
  const whSecret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
  const { id: connectionId } = await call('POST', '/api/connections', {
    kind: 'webhook',
    name: 'Recorder receiver',
    secrets: { url: `${receiverUrl}/ok`, secret: whSecret },
    settings: { rateLimit: '2/3s' },
  });
  const only = process.argv.slice(2);
  for (const recorded of RECORDED_FLOWS.filter((r) => !only.length || only.includes(r.name))) {
    const created = await call('POST', '/api/flows', { name: recorded.name, graph: recorded.graph(receiverUrl, { connectionId }) });
    await call('POST', `/api/flows/${created.id}/versions`, {});
    const phasesFrom = (warmUp: number) => [
      { name: 'warm_up', startsAt: new Date(warmUp).toISOString(), endsAt: new Date(warmUp + 86_400_000).toISOString() },
    ];
    let campaignId: string | undefined;
    if (recorded.campaignWarmUpInMs !== undefined) {
      campaignId = (
        await call('POST', '/api/campaigns', { name: recorded.name, phases: phasesFrom(Date.now() + recorded.campaignWarmUpInMs) })
      ).id as string;
      for (const status of ['pending_approval', 'approved']) await call('POST', `/api/campaigns/${campaignId}/status`, { status });
    }
    const run = await call('POST', `/api/flows/${created.id}/runs`, { input: recorded.input, ...(campaignId ? { campaignId } : {}) });
    if (recorded.movePhase && campaignId) {
      await new Promise((r) => setTimeout(r, recorded.movePhase!.afterMs));
      await call('PUT', `/api/campaigns/${campaignId}/phases`, { phases: phasesFrom(Date.now() + recorded.movePhase.toInMs) });
    }
    const handle = server.temporal.client.workflow.getHandle(run.workflowId);
    for (const d of recorded.decisions ?? []) {
      let task: { taskId: string } | undefined;
      for (let i = 0; i < 100 && !task; i++) {
        task = (await call('GET', '/api/approvals', undefined, approverToken)).items.find(
          (t: { runId: string; nodeId: string }) => t.runId === run.id && t.nodeId === d.nodeId,
        );
        if (!task) await new Promise((r) => setTimeout(r, 100));
      }
      if (!task) throw new Error(`no task for ${d.nodeId}`);
      await call(
        'POST',
        `/api/approvals/${encodeURIComponent(task.taskId)}/decision`,
        { decision: d.decision, ...(d.comment ? { comment: d.comment } : {}) },
        approverToken,
      );
    }
    if (recorded.cancelAfterMs) {
      await new Promise((r) => setTimeout(r, recorded.cancelAfterMs));
      await handle.cancel();
    }
    await handle.result().catch(() => undefined);
    // The CLI's JSON is the canonical history format, the one Temporal's replayer reads.
    const json = execFileSync(
      binary,
      ['workflow', 'show', '--workflow-id', run.workflowId, '--address', temporal.address, '--output', 'json'],
      { maxBuffer: 64 * 1024 * 1024 },
    ).toString();
    writeFileSync(join(OUT, `${recorded.name}.json`), json);
    // Replays must use the same workflow id: task ids (and so recorded decisions) are built from it.
    const idsFile = join(OUT, 'workflow-ids.json');
    const ids = existsSync(idsFile) ? (JSON.parse(readFileSync(idsFile, 'utf8')) as Record<string, string>) : {};
    ids[`${recorded.name}.json`] = run.workflowId;
    writeFileSync(idsFile, `${JSON.stringify(ids, null, 2)}\n`);
    console.log(`recorded ${recorded.name}: ${(JSON.parse(json) as { events: unknown[] }).events.length} events`);
  }
} finally {
  await server.close();
  worker.shutdown();
  await running;
  await connection.close();
  await temporal.stop();
  await pg.stop();
  receiver.close();
  rmSync(dir, { recursive: true, force: true });
}
