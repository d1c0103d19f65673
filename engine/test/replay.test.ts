import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { quietTemporal } from './support/stack.ts';

/**
 * Recorded histories (engine/test/fixtures/histories, made by engine/scripts/record-histories.ts)
 * must replay on today's interpreter without nondeterminism. A change that breaks one needs
 * Temporal patching (patched()) or worker versioning, not a re-recording.
 */
const DIR = fileURLToPath(new URL('./fixtures/histories/', import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith('.json') && f !== 'workflow-ids.json');
/** The workflow id each history was recorded under; histories from before this file replay under any id. */
const IDS = JSON.parse(readFileSync(join(DIR, 'workflow-ids.json'), 'utf8')) as Record<string, string>;

describe('replay of recorded histories', () => {
  it('has fixtures to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    quietTemporal();
    const history = JSON.parse(readFileSync(join(DIR, file), 'utf8'));
    const workflowBundle = { code: readFileSync(inject('workflowBundlePath'), 'utf8') };
    await expect(
      Worker.runReplayHistory({ workflowBundle, replayName: file }, history, IDS[file] ?? `replay-${file}`),
    ).resolves.toBeUndefined();
  });

  it('detects a history that does not match the code', async () => {
    quietTemporal();
    const history = JSON.parse(readFileSync(join(DIR, 'webhook-condition-delay.json'), 'utf8'));
    // Swap the recorded activity for a timer: what an incompatible interpreter change looks like.
    const scheduled = history.events.find(
      (e: { eventType: string }) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED' || e.eventType === 'ActivityTaskScheduled',
    );
    expect(scheduled).toBeDefined();
    scheduled.activityTaskScheduledEventAttributes.activityType.name = 'somethingElse';
    const workflowBundle = { code: readFileSync(inject('workflowBundlePath'), 'utf8') };
    await expect(Worker.runReplayHistory({ workflowBundle, replayName: 'tampered' }, history, 'replay-tampered')).rejects.toThrow(
      /[Nn]ondetermin/,
    );
  });
});
