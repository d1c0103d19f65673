import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startStack, type TestStack } from './support/stack.ts';
import { startSmtp } from './support/smtp.ts';
import { startWeCom } from '../../activities/test/channels/receivers.ts';
import { waitFor } from './support/wait-for.ts';
import { crisisFlow, scenarioIngest } from './support/crisis-flow.ts';

interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<NodeJS.Signals | null>;
}

/**
 * The crisis flow of monitor-flow.test.ts with its worker in a process of its own, killed (SIGKILL) at the points
 * where an escalation can lose or repeat a message: as the robot receives level 1 (the send is out, its answer not
 * heard), right after level 1 reached the alert's timeline (the activity's completion never reported), and as the
 * head's mail server receives level 2. Each time a new worker takes over once Temporal gives the dead attempt up.
 * Every kill is triggered by what happened (a receiver's arrival, a recorded step), never by a time.
 */
describe('an escalation across worker crashes', () => {
  let stack: TestStack;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let robot: Awaited<ReturnType<typeof startWeCom>>;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    smtp = await startSmtp();
    robot = await startWeCom('crash-crisis-room');
    stack = await startStack('esccrash', { worker: false, smtpUrl: smtp.url });
  });
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await stack?.close();
    await robot?.close();
    await smtp?.close();
  });

  /** A worker process on the stack's queue; with `crashAfterEvent` it kills itself once that step is on the timeline. */
  async function startWorkerProcess(crashAfterEvent?: 'notified' | 'escalated'): Promise<WorkerProcess> {
    const script = fileURLToPath(new URL('./support/escalation-worker.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      env: {
        ...process.env,
        DATABASE_URL: (stack.server.db.pool as unknown as { options: { connectionString: string } }).options.connectionString,
        FLIGHTDECK_SECRET: stack.secret,
        FLIGHTDECK_ENCRYPTION_KEY: stack.encryptionKey.toString('base64'),
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TASK_QUEUE: stack.taskQueue,
        BUNDLE_PATH: inject('workflowBundlePath'),
        SMTP_URL: smtp.url,
        PUBLIC_URL: stack.url,
        ...(crashAfterEvent ? { CRASH_AFTER_EVENT: crashAfterEvent } : {}),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const worker = { child, exited };
    workers.push(worker);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', () => reject(new Error('the worker exited before it was ready')));
    });
    return worker;
  }

  it('tells level 1 once, mails the head once, keeps one timeline entry per step, and the ack still stops it', async () => {
    const { owner, head, campaign, flowId } = await crisisFlow(stack, robot.webhookUrl);

    // Crash 1: the robot has level 1 in hand, the worker has not heard its answer.
    const first = await startWorkerProcess();
    robot.onRequest = () => {
      robot.onRequest = undefined;
      first.child.kill('SIGKILL');
    };
    const runId = await owner.api.startRun(flowId, {}, campaign.id);
    await owner.api.waitForNode(runId, 'monitor', 'running');

    // Not past the spike, or the rule would resolve the alert.
    await (await scenarioIngest(stack, campaign.id, owner.id)).ingest(0, 500);
    const list = (await owner.api.get(`/api/alerts?campaignId=${campaign.id}`)).body;
    expect(list.items.map((a: { ruleId: string }) => a.ruleId)).toEqual(['negative_spike']);
    const alert = list.items[0];
    expect(await first.exited).toBe('SIGKILL');
    expect(robot.requests).toHaveLength(1);

    // Crash 2: the retried send reads the ledger, then level 1 reaches the timeline and the worker dies before reporting it.
    const second = await startWorkerProcess('notified');
    expect(await second.exited).toBe('SIGKILL');
    const timeline = async () => ((await owner.api.get(`/api/alerts/${alert.id}`)).body.timeline as { kind: string }[]).map((t) => t.kind);
    expect((await timeline()).filter((k) => k === 'notified')).toHaveLength(1);

    // Crash 3: the head's mail server has level 2, the worker has not heard it accepted.
    let third!: WorkerProcess;
    smtp.onMail = (mail) => {
      if (!mail.to.includes(head.email)) return;
      smtp.onMail = undefined;
      third.child.kill('SIGKILL');
    };
    third = await startWorkerProcess();
    expect(await third.exited).toBe('SIGKILL');

    // A healthy worker finishes: level 2 settles without a second mail, its step lands once, and the ladder waits for an ack.
    await startWorkerProcess();
    await waitFor('level 2 on the alert’s timeline', async () => (await timeline()).includes('escalated'));
    const toHead = smtp.mails.filter((m) => m.to.includes(head.email));
    expect(toHead).toHaveLength(1);
    expect(robot.requests).toHaveLength(1);
    expect(robot.deliveries).toHaveLength(1);
    expect(robot.duplicates).toBe(0);
    expect(JSON.stringify(robot.requests[0]!.body)).toContain('Level 1');

    const link = /https?:\/\/\S*\/alert-ack\?token=[\w.-]+/.exec(toHead[0]!.text)?.[0];
    expect(link, toHead[0]!.text).toBeTruthy();
    expect(link!.startsWith(`${stack.url}/`)).toBe(true);
    const acked = await fetch(`${stack.url}/alert-ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: new URL(link!).searchParams.get('token')! }).toString(),
    });
    expect(acked.status).toBe(200);

    const escalated = await owner.api.waitForNode(runId, 'escalate', 'completed');
    expect(escalated.state.nodes.escalate.handle ?? escalated.state.nodes.escalate.output?.by).toBe('acknowledged');
    const view = (await owner.api.get(`/api/alerts/${alert.id}`)).body;
    expect(view).toMatchObject({ state: 'acknowledged', acknowledgedBy: { id: head.id } });
    const kinds = view.timeline.map((t: { kind: string }) => t.kind);
    expect(kinds.filter((k: string) => k === 'notified')).toHaveLength(1);
    expect(kinds.filter((k: string) => k === 'escalated')).toHaveLength(1);
    expect(kinds.filter((k: string) => k === 'acknowledged')).toHaveLength(1);
    // Nobody past level 2 was called: no mail but the head's.
    expect(smtp.mails.filter((m) => !m.to.includes(head.email))).toHaveLength(0);

    // What the ledger kept: one row per message, none sent twice (an interrupted one is settled, not repeated).
    const ledger = await stack.server.db.pool.query(`select channel, status from deliveries where run_id = $1 order by channel`, [
      `run-${runId}`,
    ]);
    expect(ledger.rows.map((r: { channel: string }) => r.channel)).toEqual(['email', 'wecom']);
    for (const r of ledger.rows as { status: string }[]) expect(['sent', 'unconfirmed']).toContain(r.status);
  });
});
