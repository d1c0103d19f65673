/**
 * The chaos scenario shared by the suite (engine/test/chaos.test.ts) and the bench
 * (engine/bench/chaos.ts): many realistic runs (an approval decided by a scripted approver, a
 * durable delay, a signed webhook send to a local receiver) while the worker process is killed
 * with SIGKILL several times, the Temporal dev server is restarted on its database file and
 * PostgreSQL is restarted on its data directory.
 *
 * Faults are triggered by progress (so many approvals decided, so many messages received), at
 * thresholds drawn from a seeded generator, never by wall-clock time: the same seed gives the same
 * fault points on a fast machine and on a busy CI one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres, type RunningPostgres } from '../../src/launcher/embedded-postgres.ts';
import { startTemporalDevServer, type RunningTemporal } from '../../src/launcher/temporal-cli.ts';
import { startStandardWebhook } from '../../../activities/test/channels/receivers.ts';
import { startStack, type TestStack } from './stack.ts';
import { edge, flow, node } from './flows.ts';
import { freePort } from './global-setup.ts';

export interface ChaosOptions {
  temporalCli: string;
  workflowBundlePath: string;
  runs: number;
  workerKills: number;
  seed: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  seed: number;
  runs: number;
  completed: number;
  notCompleted: { runId: string; status: string; reason: string | null; ask: unknown; announce: unknown }[];
  workerKills: number;
  workerStarts: number;
  temporalRestarts: number;
  postgresRestarts: number;
  approvalsAccepted: number;
  /** Decisions whose answer a fault swallowed, found taken when the task was read back. */
  approvalsTakenWithoutAnswer: number;
  approvalCallsFailed: number;
  tasksApproved: number;
  webhookRequests: number;
  messagesReceived: number;
  /** Requests that repeated a webhook-id the receiver had already seen (a resend after a crash, dropped by the receiver). */
  resends: number;
  /** Runs whose message reached the receiver under more than one webhook-id: true duplicates. */
  runsWithDuplicateMessages: number;
  runsWithoutMessage: number;
  ledgerRows: number;
  ledgerByStatus: Record<string, number>;
  seconds: number;
}

const WH_SECRET = 'whsec_' + Buffer.from('the chaos receiver signing secret!!').toString('base64');

/** mulberry32: small, seeded, good enough to spread fault points. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keeps one worker process alive: starts another whenever the current one exits, until stopped. */
class WorkerSupervisor {
  private child: ChildProcess | undefined;
  private stopping = false;
  starts = 0;
  kills = 0;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
  ) {}

  async start(): Promise<void> {
    this.starts++;
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./plain-worker.ts', import.meta.url))], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stderr!.on('data', (d: Buffer) => this.log(`worker: ${d.toString().trim().slice(0, 300)}`));
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.stopping) return;
      this.log(`worker exited (${signal ?? code}); starting another`);
      // A short pause so a worker that cannot connect (Temporal restarting) does not spin.
      setTimeout(() => {
        if (!this.stopping) void this.start().catch((err) => this.log(`worker start failed: ${String(err)}`));
      }, 300).unref();
    });
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', () => resolve());
    });
  }

  kill(): boolean {
    const child = this.child;
    if (!child || child.exitCode !== null) return false;
    // Forget it at once: until its exit event arrives it still looks alive, and must not count twice.
    this.child = undefined;
    this.kills++;
    child.kill('SIGKILL');
    return true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      // A worker whose graceful shutdown waits on a server that is gone would keep the test waiting: it is killed.
      const hard = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(hard);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

/** Retries a call that may meet a restarting PostgreSQL or Temporal; gives up only at the deadline. */
async function patiently<T>(what: string, deadline: number, call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: still failing at the deadline: ${String(err)}`, { cause: err });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** How long the scenario may take before it gives up: a hang guard, not a performance bound (a busy machine only takes longer). */
export const CHAOS_HANG_GUARD_MS = 20 * 60_000;

/**
 * Runs the scenario; past the hang guard it fails with the scenario's last lines, even when a call it awaits never
 * returns (its cleanup then stops every process, which ends that call).
 */
export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const recent: string[] = [];
  const began = Date.now();
  const note = (line: string) => {
    recent.push(`${((Date.now() - began) / 1000).toFixed(1)} s  ${line}`);
    recent.splice(0, Math.max(0, recent.length - 40));
  };
  const log = (line: string) => {
    note(line);
    opts.log?.(line);
  };
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`chaos (seed ${opts.seed}): still going at the hang guard; its last lines:\n  ${recent.join('\n  ')}`)),
      CHAOS_HANG_GUARD_MS,
    );
  });
  let release: (() => Promise<void>) | undefined;
  try {
    return await Promise.race([scenario(opts, began, log, note, (r) => (release = r)), hung]);
  } catch (err) {
    // A failure names the scenario's last lines too, whatever threw.
    if (err instanceof Error && !err.message.includes('its last lines')) err.message += `\n  last lines:\n  ${recent.join('\n  ')}`;
    throw err;
  } finally {
    clearTimeout(timer);
    // Cleanup that itself hangs (a server that will not close) must not keep the test past its guard: it gets a minute.
    let cleanupTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      release?.(),
      new Promise<void>((resolve) => {
        cleanupTimer = setTimeout(() => {
          opts.log?.(`chaos cleanup still waiting after 60 s: ${recent.slice(-3).join(' | ')}`);
          resolve();
        }, 60_000);
      }),
    ]);
    clearTimeout(cleanupTimer);
  }
}

async function scenario(
  opts: ChaosOptions,
  began: number,
  log: (line: string) => void,
  note: (line: string) => void,
  onRelease: (release: () => Promise<void>) => void,
): Promise<ChaosReport> {
  log(`chaos seed ${opts.seed}`);
  const random = seeded(opts.seed);
  const deadline = began + CHAOS_HANG_GUARD_MS;
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-chaos-'));
  const pgPort = await freePort();
  const temporalPort = await freePort();
  const dbFile = join(dir, 'temporal.db');
  let postgres: RunningPostgres | undefined;
  let temporal: RunningTemporal | undefined;
  let stack: TestStack | undefined;
  let supervisor: WorkerSupervisor | undefined;
  const receiver = await startStandardWebhook(WH_SECRET);
  let released: Promise<void> | undefined;
  // Once, whoever asks first: the scenario when it ends, or the hang guard while the scenario still waits on a call.
  const release = () =>
    (released ??= (async () => {
      note('release: stopping the worker');
      await supervisor?.stop();
      note('release: closing the API');
      await stack?.close().catch(() => {});
      note('release: stopping Temporal, PostgreSQL and the receiver');
      await Promise.allSettled([temporal?.stop(), postgres?.stop(), receiver.close()]);
      rmSync(dir, { recursive: true, force: true });
      note('release: done');
    })());
  onRelease(release);
  try {
    postgres = await startEmbeddedPostgres({ dataDir: dir, port: pgPort, database: 'flightdeck_chaos' });
    temporal = await startTemporalDevServer({ binary: opts.temporalCli, port: temporalPort, dbFile });
    stack = await startStack('chaos', { worker: false, databaseUrl: postgres.url, temporalAddress: temporal.address });
    const s = stack;
    const designer = await s.user('Chaos Designer', [{ role: 'designer', department: 'Chaos' }], { department: 'Chaos' });
    const approver = await s.user('Chaos Approver', [{ role: 'approver', department: 'Chaos' }], { department: 'Chaos' });
    const connection = (
      await s.api.post('/api/connections', {
        kind: 'webhook',
        name: 'Chaos partner',
        departmentId: await s.departmentId('Chaos'),
        secrets: { url: receiver.url, secret: WH_SECRET },
      })
    ).body;
    if (!connection?.id) throw new Error(`connection not created: ${JSON.stringify(connection)}`);
    const graph = flow(
      [
        node('start', 'trigger.manual'),
        node('ask', 'approval.request', {
          title: 'Launch {{ input.n }}',
          approvers: [{ kind: 'user', user: approver.email }],
          mode: 'any',
          due: '7d',
        }),
        node('settle', 'control.delay', { duration: '2s' }),
        node('announce', 'channel.send', {
          connection: connection.id,
          text: 'Run {{ input.n }} is live',
          timeout: '5s',
          retry: { maximumAttempts: 50, initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s' },
        }),
        node('done', 'control.end', { status: 'completed', reason: 'announced' }),
        node('refused', 'control.end', { status: 'failed', reason: 'not approved' }),
        node('undelivered', 'control.end', { status: 'failed', reason: 'announcement failed' }),
      ],
      [
        edge('start', 'next', 'ask'),
        edge('ask', 'approved', 'settle'),
        edge('ask', 'rejected', 'refused'),
        edge('ask', 'timed_out', 'refused'),
        edge('settle', 'next', 'announce'),
        edge('announce', 'sent', 'done'),
        edge('announce', 'failed', 'undelivered'),
      ],
    );
    const { flowId } = await designer.api.publishFlow('chaos', graph);

    supervisor = new WorkerSupervisor(
      {
        DATABASE_URL: postgres.url,
        TEMPORAL_ADDRESS: temporal.address,
        TASK_QUEUE: s.taskQueue,
        BUNDLE_PATH: opts.workflowBundlePath,
        FLIGHTDECK_SECRET: s.secret,
        FLIGHTDECK_ENCRYPTION_KEY: s.encryptionKey.toString('base64'),
      },
      log,
    );
    await supervisor.start();

    const runIds: string[] = [];
    for (let i = 0; i < opts.runs; i += 20) {
      const batch = Array.from({ length: Math.min(20, opts.runs - i) }, (_, k) => designer.api.startRun(flowId, { n: i + k }));
      runIds.push(...(await Promise.all(batch)));
    }
    log(`${runIds.length} runs started`);

    // Fault points, as fractions of the work done, drawn once from the seed.
    const killAt = Array.from({ length: opts.workerKills }, () => 0.05 + random() * 0.85).sort((a, b) => a - b);
    const temporalAt = 0.2 + random() * 0.4;
    const postgresAt = 0.4 + random() * 0.4;
    let temporalRestarts = 0;
    let postgresRestarts = 0;
    let approvalsAccepted = 0;
    let approvalCallsFailed = 0;
    const decided = new Set<string>();
    const tried = new Set<string>();
    let approvalsTakenWithoutAnswer = 0;
    // Progress counts approvals and messages alike, so faults land in both halves of a run.
    const progress = () => (decided.size + receiver.deliveries.length) / (2 * opts.runs);

    // A kill that finds the worker still restarting from the last one waits for the next round, so every fault happens.
    const killIfDue = () => {
      if (!killAt.length || progress() < killAt[0]!) return;
      if (!supervisor!.kill()) return;
      killAt.shift();
      log(`killed the worker at ${(progress() * 100).toFixed(0)} %`);
    };
    const restartTemporal = async () => {
      log('restarting the Temporal dev server on its database file');
      await temporal!.stop();
      temporal = await startTemporalDevServer({ binary: opts.temporalCli, port: temporalPort, dbFile });
      temporalRestarts++;
    };
    const restartPostgres = async () => {
      log('restarting PostgreSQL on its data directory');
      await postgres!.stop();
      postgres = await startEmbeddedPostgres({ dataDir: dir, port: pgPort, database: 'flightdeck_chaos' });
      postgresRestarts++;
    };

    const pool = new pg.Pool({ connectionString: postgres.url, max: 2 });
    pool.on('error', () => {});
    const finished = async () => {
      const r = await pool.query<{ n: string }>(`select count(*) as n from runs where flow_id = $1 and status <> 'running'`, [flowId]);
      return Number(r.rows[0]!.n) >= opts.runs;
    };

    for (;;) {
      if (Date.now() > deadline)
        throw new Error(`chaos: runs still going at the hang guard (${decided.size} approved, ${receiver.deliveries.length} received)`);
      note(`round: ${decided.size} decided, ${receiver.deliveries.length} received, ${approvalCallsFailed} calls failed`);
      // The scripted approver: approve whatever is open in the inbox.
      const inbox = await approver.api.get('/api/approvals').catch(() => undefined);
      if (inbox?.status === 200) {
        const listed = new Set((inbox.body.items as { taskId: string }[]).map((t) => t.taskId));
        // A decision whose answer was lost to a restart (a 503, a reset connection) may still have been taken, and then
        // a retry meets "already approved": the task, read back, says whether the approver's vote is in it.
        for (const taskId of [...tried].filter((id) => !decided.has(id) && !listed.has(id))) {
          const task = await approver.api.get(`/api/approvals/${encodeURIComponent(taskId)}`).catch(() => undefined);
          const votes = (task?.status === 200 ? task.body.task.votes : []) as { userId: string; decision: string }[];
          if (votes.some((v) => v.userId === approver.id && v.decision === 'approve')) {
            approvalsTakenWithoutAnswer++;
            decided.add(taskId);
          }
        }
        const open = (inbox.body.items as { taskId: string }[]).filter((t) => !decided.has(t.taskId));
        // Ten approvers' worth at a time, as people deciding from their inboxes would.
        for (let i = 0; i < open.length; i += 10) {
          await Promise.all(
            open.slice(i, i + 10).map(async (task) => {
              tried.add(task.taskId);
              const r = await approver.api
                .post(`/api/approvals/${encodeURIComponent(task.taskId)}/decision`, { decision: 'approve' })
                .catch(() => undefined);
              if (r?.status === 200) {
                approvalsAccepted++;
                decided.add(task.taskId);
              } else approvalCallsFailed++;
            }),
          );
          killIfDue();
        }
      } else approvalCallsFailed++;
      const p = progress();
      killIfDue();
      if (!temporalRestarts && p >= temporalAt) await restartTemporal();
      if (!postgresRestarts && p >= postgresAt) await restartPostgres();
      if (
        decided.size >= opts.runs &&
        !killAt.length &&
        temporalRestarts &&
        postgresRestarts &&
        (await patiently('count runs', deadline, finished))
      )
        break;
      if (decided.size >= opts.runs && (killAt.length || !temporalRestarts || !postgresRestarts)) {
        // Everything is approved before all faults fired (a fast machine): fire the rest now, while messages are still going out.
        if (killAt.length) killAt[0] = 0;
        killIfDue();
        if (!temporalRestarts) await restartTemporal();
        if (!postgresRestarts) await restartPostgres();
      }
      await new Promise((r) => setTimeout(r, 200));
    }

    const statuses = await patiently('read runs', deadline, () =>
      pool.query<{ id: string; status: string; reason: string | null; done: string | null; ask: unknown; announce: unknown }>(
        `select id, status, reason, state->'nodes'->'done'->>'status' as done,
                state->'nodes'->'ask' as ask, state->'nodes'->'announce' as announce
         from runs where flow_id = $1`,
        [flowId],
      ),
    );
    const ledger = await patiently('read ledger', deadline, () =>
      pool.query<{ run_id: string; status: string }>(`select d.run_id, d.status from deliveries d where d.node_id = 'announce'`),
    );
    const approvedTasks = await patiently('read tasks', deadline, () =>
      pool.query<{ n: string }>(`select count(*) as n from approval_tasks where status = 'approved'`),
    );
    await pool.end();

    // The body names the run (input.n); each run must have exactly one message, under one webhook-id.
    const idsByRun = new Map<string, Set<string>>();
    for (const d of receiver.deliveries) {
      const n = /Run (\d+) is live/.exec(d.body)?.[1] ?? 'unknown';
      const ids = idsByRun.get(n) ?? new Set<string>();
      ids.add(d.headers['webhook-id'] as string);
      idsByRun.set(n, ids);
    }
    const ledgerByStatus: Record<string, number> = {};
    for (const row of ledger.rows) ledgerByStatus[row.status] = (ledgerByStatus[row.status] ?? 0) + 1;
    const completed = statuses.rows.filter((r) => r.status === 'completed' && r.done === 'completed');
    return {
      seed: opts.seed,
      runs: opts.runs,
      completed: completed.length,
      notCompleted: statuses.rows
        .filter((r) => !(r.status === 'completed' && r.done === 'completed'))
        .map((r) => ({ runId: r.id, status: r.status, reason: r.reason, ask: r.ask, announce: r.announce })),
      workerKills: supervisor.kills,
      workerStarts: supervisor.starts,
      temporalRestarts,
      postgresRestarts,
      approvalsAccepted,
      approvalsTakenWithoutAnswer,
      approvalCallsFailed,
      tasksApproved: Number(approvedTasks.rows[0]!.n),
      webhookRequests: receiver.requests.length,
      messagesReceived: receiver.deliveries.length,
      resends: receiver.duplicates,
      runsWithDuplicateMessages: [...idsByRun.values()].filter((ids) => ids.size > 1).length,
      runsWithoutMessage: Array.from({ length: opts.runs }, (_, n) => String(n)).filter((n) => !idsByRun.has(n)).length,
      ledgerRows: ledger.rows.length,
      ledgerByStatus,
      seconds: Math.round((Date.now() - began) / 1000),
    };
  } finally {
    await release();
  }
}

export function formatChaosReport(r: ChaosReport): string {
  return [
    `chaos (seed ${r.seed}): ${r.completed}/${r.runs} runs completed in ${r.seconds} s`,
    `  faults: ${r.workerKills} worker kills (SIGKILL, ${r.workerStarts} worker starts), ` +
      `${r.temporalRestarts} Temporal restart, ${r.postgresRestarts} PostgreSQL restart`,
    `  approvals: ${r.approvalsAccepted} decisions accepted (${r.approvalsTakenWithoutAnswer} more taken without an answer), ` +
      `${r.tasksApproved} tasks approved, ` +
      `${r.approvalCallsFailed} calls failed during faults and were retried`,
    `  messages: ${r.messagesReceived} received, ${r.webhookRequests} requests ` +
      `(${r.resends} resends under the same webhook-id, dropped by the receiver), ` +
      `${r.runsWithDuplicateMessages} duplicated, ${r.runsWithoutMessage} missing`,
    `  ledger: ${r.ledgerRows} rows ${JSON.stringify(r.ledgerByStatus)}`,
  ].join('\n');
}
