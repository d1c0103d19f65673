import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Workflow, WorkflowCreator } from '@temporalio/worker/lib/workflow/interface.js';
import { setStuckActivationHandler, withActivationBackstop } from '../src/worker/flow-worker.ts';

/** A creator whose workflows answer an activation only when the test says so. */
function controlledCreator() {
  const pending: Array<() => void> = [];
  const workflow: Workflow = {
    activate: () => new Promise((resolve) => pending.push(() => resolve({ runId: 'r' }))),
    getAndResetSinkCalls: async () => [],
    dispose: async () => {},
  };
  const creator: WorkflowCreator = { createWorkflow: async () => workflow, destroy: async () => {} };
  return { creator, answer: () => pending.shift()?.() };
}

const options = { info: { runId: 'run-1' } } as Parameters<WorkflowCreator['createWorkflow']>[0];

describe('the activation backstop (the sandbox runs without a per-call vm timeout)', () => {
  afterEach(() => vi.useRealTimers());

  it('fires once for an activation that does not come back within the limit', async () => {
    vi.useFakeTimers();
    const stuck: Array<[string, number]> = [];
    const restore = setStuckActivationHandler((runId, ms) => stuck.push([runId, ms]));
    try {
      const { creator } = controlledCreator();
      const workflow = await withActivationBackstop(creator, 1_000).createWorkflow(options);
      void workflow.activate({});
      await vi.advanceTimersByTimeAsync(999);
      expect(stuck).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(stuck).toEqual([['run-1', 1_000]]);
    } finally {
      restore();
    }
  });

  it('stays quiet for activations that return, however many', async () => {
    vi.useFakeTimers();
    const stuck: string[] = [];
    const restore = setStuckActivationHandler((runId) => stuck.push(runId));
    try {
      const { creator, answer } = controlledCreator();
      const workflow = await withActivationBackstop(creator, 1_000).createWorkflow(options);
      for (let i = 0; i < 50; i++) {
        const done = workflow.activate({});
        await vi.advanceTimersByTimeAsync(900);
        answer();
        await expect(done).resolves.toEqual({ runId: 'r' });
      }
      await vi.advanceTimersByTimeAsync(10_000);
      expect(stuck).toEqual([]);
    } finally {
      restore();
    }
  });
});
