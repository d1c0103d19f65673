import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { formatChaosReport, runChaos } from './support/chaos.ts';

/**
 * 200 concurrent runs (approval by a scripted approver, a durable delay, a signed webhook send)
 * while the worker is killed with SIGKILL 5 times, the Temporal dev server restarts once on its
 * database file and PostgreSQL restarts once. Every run must complete, every message must
 * arrive exactly once, and no approval may be lost. `npm run bench` runs a longer one.
 */
describe('chaos: crashes and restarts under load', () => {
  it('completes every run, with no duplicated delivery and no lost approval', { timeout: 25 * 60_000 }, async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);
    const report = await runChaos({
      temporalCli: inject('temporalCli'),
      workflowBundlePath: inject('workflowBundlePath'),
      runs: 200,
      workerKills: 5,
      seed,
      log: (line) => process.env.CHAOS_VERBOSE && console.log(line),
    });
    console.log(formatChaosReport(report));
    expect(report.notCompleted).toEqual([]);
    expect(report.completed).toBe(200);
    expect(report.workerKills).toBe(5);
    expect(report.temporalRestarts).toBe(1);
    expect(report.postgresRestarts).toBe(1);
    expect(report.tasksApproved).toBe(200);
    // Each approval was answered 200, or its answer was lost to a fault and the task shows the vote taken.
    expect(report.approvalsAccepted + report.approvalsTakenWithoutAnswer).toBe(200);
    expect(report.messagesReceived).toBe(200);
    expect(report.runsWithDuplicateMessages).toBe(0);
    expect(report.runsWithoutMessage).toBe(0);
    expect(report.ledgerRows).toBe(200);
    expect(report.ledgerByStatus).toEqual({ sent: 200 });
  });
});
