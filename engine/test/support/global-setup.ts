import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/launcher/embedded-postgres.ts';
import { HOW_TO_GET_TEMPORAL, findTemporalCli, startTemporalDevServer } from '../../src/launcher/temporal-cli.ts';
import { bundleFlowWorkflows } from '../../src/worker/create-worker.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

/**
 * A port found free can be taken before the server binds it (a second copy of the suite starts
 * beside this one, or another engineer's stack): a start that fails is tried again on a new port.
 */
async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (err) {
      if (attempt >= attempts) throw err;
    }
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgUrlTemplate: string;
    temporalAddress: string;
    temporalCli: string;
    workflowBundlePath: string;
  }
}

/**
 * One real PostgreSQL and one real Temporal dev server for the whole integration suite; each
 * test file gets its own database and task queue, so files run in parallel without sharing state.
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-test-'));
  const binary = findTemporalCli();
  if (!binary) throw new Error(HOW_TO_GET_TEMPORAL);
  const started = await Promise.allSettled([
    onFreePort((port) => startEmbeddedPostgres({ dataDir: dir, port, database: 'flightdeck_test' })),
    onFreePort((port) => startTemporalDevServer({ binary, port })),
    bundleFlowWorkflows(),
  ]);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    // Never leave a server behind when another one could not start.
    await Promise.allSettled(started.map((s) => (s.status === 'fulfilled' && 'stop' in s.value ? s.value.stop() : undefined)));
    throw (failed as PromiseRejectedResult).reason;
  }
  const [pg, temporal, bundle] = started.map((s) => (s as PromiseFulfilledResult<unknown>).value) as [
    Awaited<ReturnType<typeof startEmbeddedPostgres>>,
    Awaited<ReturnType<typeof startTemporalDevServer>>,
    Awaited<ReturnType<typeof bundleFlowWorkflows>>,
  ];
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('pgAdminUrl', pg.url);
  project.provide('pgUrlTemplate', pg.urlFor('__DB__'));
  project.provide('temporalAddress', temporal.address);
  project.provide('temporalCli', binary);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await Promise.allSettled([temporal.stop(), pg.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
}
