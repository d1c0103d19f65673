import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { clearLeftovers, launcherPidFiles } from '../src/launcher/leftovers.ts';
import { isAlive } from '../src/launcher/processes.ts';

/**
 * Pid files are whatever a crash, a disk full or a person left there. Whatever they hold, clearing them
 * never stops a process that is not one of ours and never throws: an innocent process whose pid they
 * name (a pid reused after a reboot) stays alive, and the file is dropped.
 */
describe('launcher leftovers: hostile pid files', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fd-leftovers-'));
  const innocent = spawn('sleep', ['600'], { stdio: 'ignore' });
  afterAll(() => {
    innocent.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('property: any content in any pid file leaves unrelated processes running and the files cleared', async () => {
    const files = launcherPidFiles(dataDir);
    const content = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(
        String(innocent.pid),
        String(process.pid),
        String(process.ppid),
        '1',
        '0',
        '-1',
        '99999999',
        `${innocent.pid}\n/etc`,
        ' \n',
        '1e3',
        '0x10',
      ),
      fc.integer({ min: -10, max: 4_194_304 }).map(String),
    );
    await fc.assert(
      fc.asyncProperty(fc.record({ worker: content, temporal: content, postmaster: content, launcher: content }), async (written) => {
        writeFileSync(files.worker.path, written.worker);
        writeFileSync(files.temporal.path, written.temporal);
        writeFileSync(files.launcher.path, written.launcher);
        mkdirSync(join(dataDir, 'pg'), { recursive: true });
        writeFileSync(files.postmaster.path, written.postmaster);
        await clearLeftovers(dataDir, () => {});
        expect(isAlive(innocent.pid!)).toBe(true);
        expect(isAlive(process.ppid)).toBe(true);
        for (const f of [files.worker, files.temporal, files.postmaster]) expect(existsSync(f.path)).toBe(false);
        // And the launcher's own file now names this process.
        expect(files.launcher.read()).toBe(process.pid);
      }),
      { numRuns: 60 },
    );
  });
});
