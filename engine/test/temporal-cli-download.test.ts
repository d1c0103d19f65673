import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMPORAL_CLI_VERSION, downloadTemporalCli } from '../src/launcher/temporal-cli.ts';

// A loopback stand-in for temporal.download: it answers the archive URL with a redirect to a
// tar.gz, as the CDN does, so the launcher's download path runs for real without the internet.
let server: Server;
let base: string;
const requests: string[] = [];
let archive: Buffer;

beforeAll(async () => {
  const src = mkdtempSync(join(tmpdir(), 'fd-cli-src-'));
  writeFileSync(join(src, 'temporal'), '#!/bin/sh\necho "temporal version 1.5.1 (test archive)"\n', { mode: 0o644 });
  writeFileSync(join(src, 'LICENSE'), 'MIT\n');
  expect(spawnSync('tar', ['-czf', join(src, 'cli.tar.gz'), '-C', src, 'temporal', 'LICENSE']).status).toBe(0);
  archive = readFileSync(join(src, 'cli.tar.gz'));
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === `/good/${TEMPORAL_CLI_VERSION}`) {
      res
        .writeHead(302, { location: `/files/temporal_cli_${url.searchParams.get('platform')}_${url.searchParams.get('arch')}.tar.gz` })
        .end();
    } else if (url.pathname.startsWith('/files/')) {
      res.writeHead(200, { 'content-type': 'application/gzip' }).end(archive);
    } else if (url.pathname === `/broken/${TEMPORAL_CLI_VERSION}`) {
      res.writeHead(200, { 'content-type': 'application/gzip' }).end('this is not a tar.gz');
    } else if (url.pathname === `/empty/${TEMPORAL_CLI_VERSION}`) {
      const dir = mkdtempSync(join(tmpdir(), 'fd-cli-empty-'));
      writeFileSync(join(dir, 'README'), 'no binary here\n');
      spawnSync('tar', ['-czf', join(dir, 'x.tar.gz'), '-C', dir, 'README']);
      res.writeHead(200).end(readFileSync(join(dir, 'x.tar.gz')));
    } else {
      res.writeHead(404, 'Not Found').end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('downloading the Temporal CLI when none is installed', () => {
  it('follows the CDN redirect, unpacks the binary into the cache and makes it executable', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'fd-cli-cache-'));
    const lines: string[] = [];
    const binary = await downloadTemporalCli((l) => lines.push(l), { cacheDir, baseUrl: `${base}/good` });
    expect(binary).toBe(join(cacheDir, 'temporal'));
    const run = spawnSync(binary!, ['--version'], { encoding: 'utf8' });
    expect(run.stdout).toContain('temporal version 1.5.1');
    // Asks for this machine's build of the pinned version, and leaves no working files behind.
    expect(requests.some((r) => r.startsWith(`/good/${TEMPORAL_CLI_VERSION}?platform=`) && /arch=(amd64|arm64)/.test(r))).toBe(true);
    expect(readdirSync(cacheDir)).toEqual(['temporal']);
    expect(lines[0]).toContain('Downloading the Temporal CLI');
  });

  it.each([
    ['a 404', 'missing', /answered 404/],
    ['a file that is not a tar.gz', 'broken', /did not unpack/],
    ['an archive without the binary', 'empty', /no `temporal` binary/],
  ])('gives up on %s with the reason, leaving the cache empty for the next way (Go)', async (_label, path, reason) => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'fd-cli-cache-'));
    const lines: string[] = [];
    expect(await downloadTemporalCli((l) => lines.push(l), { cacheDir, baseUrl: `${base}/${path}` })).toBeUndefined();
    expect(lines.at(-1)).toMatch(reason);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('gives up quickly when the host is unreachable (an offline machine)', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'fd-cli-cache-'));
    const lines: string[] = [];
    // A loopback port that was just free: nothing listens, so the connection is refused at once.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    // A timeout far beyond the test's own: the refusal, not a clock, is what ends the attempt (the message says which).
    expect(
      await downloadTemporalCli((l) => lines.push(l), { cacheDir, baseUrl: `http://127.0.0.1:${port}/x`, timeoutMs: 600_000 }),
    ).toBeUndefined();
    expect(lines.at(-1)).toMatch(/Could not download the Temporal CLI \(fetch failed: ECONNREFUSED\)/);
  });
});
