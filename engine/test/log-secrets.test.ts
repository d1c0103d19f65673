import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { createLogger, scrubText } from '../src/logger.ts';
import { secretBox } from '../src/auth/encryption.ts';
import { hashPassword, randomToken } from '../src/auth/secrets.ts';
import { installWorkerRuntime, setWorkerLogSink } from '../src/worker/create-worker.ts';
import { startStack, TEST_PASSWORD, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';

/** A pino destination that keeps every line, and tells waiters when one matches. */
function capture() {
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const push = (line: string) => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (!w.re.test(line)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  const stream = new Writable({
    write(chunk, _enc, done) {
      push(String(chunk));
      done();
    },
  });
  return {
    stream,
    push,
    text: () => lines.join(''),
    seen: (re: RegExp) =>
      lines.some((l) => re.test(l)) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ re, resolve })),
  };
}

const BCRYPT = /\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{20,}/;
const SEALED = /v1:[A-Za-z0-9+/=]{12,}:[A-Za-z0-9+/=]{12,}:/;

describe('logs never hold secrets', () => {
  it('property: secrets anywhere in a log call (fields, errors with SQL parameters, message text) never reach the output', async () => {
    const box = secretBox(randomBytes(32));
    const hash = await hashPassword('a password of some length');
    const phone = fc.tuple(fc.integer({ min: 1, max: 9 }), fc.stringMatching(/^\d{7,13}$/)).map(([a, b]) => `+${a}${b}`);
    const secret = fc.oneof(
      phone,
      fc.constant(hash),
      fc.string({ minLength: 1, maxLength: 30 }).map((s) => box.seal(s, 'ctx')),
      fc.constant(null).map(() => `fdk_${randomToken()}`),
      fc.constant(null).map(() => `whsec_${randomBytes(24).toString('base64')}`),
    );
    const key = fc.constantFrom('detail', 'input', 'value', 'password', 'phone', 'secrets', 'note', 'authorization', 'args');
    await fc.assert(
      fc.asyncProperty(secret, key, fc.string({ maxLength: 20 }), fc.nat({ max: 3 }), async (s, k, text, where) => {
        const out = capture();
        const log = createLogger('info', out.stream);
        const cause = Object.assign(new Error(`insert failed for ${s}`), {
          code: '23505',
          severity: 'ERROR',
          detail: `Key (phone)=(${s}) already exists.`,
        });
        const err = new DrizzleQueryError('insert into "users" ("phone") values ($1)', [s, text], cause);
        if (where === 0) log.error({ err }, 'unhandled error');
        else if (where === 1) log.warn({ [k]: { nested: [{ [k]: s }], text: `${text} ${s} ${text}` } }, 'context');
        else if (where === 2) log.info(`sending to ${s} now`);
        else
          log.error(
            {
              err: new Error(`could not use ${s}`, { cause: err }),
              req: { headers: { authorization: `Bearer ${s}`, cookie: `fd_session=${s}` } },
            },
            'failed',
          );
        const printed = out.text();
        expect(printed.length).toBeGreaterThan(0);
        expect(printed).not.toContain(s);
        expect(printed).not.toMatch(BCRYPT);
        expect(printed).not.toMatch(SEALED);
      }),
      { numRuns: 300 },
    );
  });

  it('scrubText keeps ordinary numbers (times, counts, ids) as they are', () => {
    expect(scrubText('took 1234 ms, 2026-12-01T23:12:00.000Z, run 42, port 54329')).toBe(
      'took 1234 ms, 2026-12-01T23:12:00.000Z, run 42, port 54329',
    );
    expect(scrubText('to +8613812345678')).toBe('to +86****78');
  });

  describe('against the running app and worker', () => {
    const api = capture();
    const worker = capture();
    let stack: TestStack;
    let restoreSink: () => void;
    beforeAll(async () => {
      // Activity failures are WARN lines: let them through (the first install in a process wins).
      installWorkerRuntime('WARN');
      restoreSink = setWorkerLogSink(worker.push);
      stack = await startStack('log-secrets', { log: createLogger('info', api.stream) });
    });
    afterAll(async () => {
      await stack?.close();
      restoreSink?.();
    });

    const PHONE = '+8613812345678';
    const SIGNING = 'PLAINTEXT-SIGNING-SECRET-1234';
    const AUTH_TOKEN = 'PLAINTEXT-AUTH-TOKEN-5678';
    const PASSWORD = 'a brand new password 42';

    /** Runs `fn` with a column renamed, so the statements that use it fail inside PostgreSQL: a real server fault. */
    async function withColumnGone<T>(table: string, column: string, fn: () => Promise<T>): Promise<T> {
      const db = stack.server.db.db;
      await db.execute(sql.raw(`alter table "${table}" rename column "${column}" to "${column}_gone"`));
      try {
        return await fn();
      } finally {
        await db.execute(sql.raw(`alter table "${table}" rename column "${column}_gone" to "${column}"`));
      }
    }

    it('sign-ins, constraint violations, server faults and a failing run with a phone number: the logs show no secret', async () => {
      const s = stack.api;
      // Bad sign-ins.
      expect((await s.post('/api/auth/login', { email: 'admin@flightdeck.local', password: 'wrong password' })).status).toBe(401);
      expect((await s.post('/api/auth/login', { email: 'nobody@flightdeck.local', password: TEST_PASSWORD })).status).toBe(401);
      // Constraint violations answer 409/422 naming the field, and are not faults.
      const email = `dup.${randomToken(4).toLowerCase()}@test.flightdeck`;
      expect((await s.post('/api/users', { email, name: 'Dup', password: PASSWORD, phone: PHONE })).status).toBe(201);
      const dup = await s.post('/api/users', { email, name: 'Dup', password: PASSWORD, phone: PHONE });
      expect(dup.status).toBe(409);
      const fk = await s.post('/api/users', {
        email: `fk.${email}`,
        name: 'FK',
        password: PASSWORD,
        departmentId: '00000000-0000-4000-8000-000000000000',
      });
      expect(fk.status).toBe(422);
      expect(fk.body.errors[0].path).toBe('departmentId');

      // Server faults whose SQL parameters hold a password hash, a phone number and sealed secrets.
      const fault = await withColumnGone('users', 'locale', () =>
        s.post('/api/users', { email: `fault.${email}`, name: 'Fault', password: PASSWORD, phone: PHONE }),
      );
      expect(fault.status).toBe(500);
      const sealedFault = await withColumnGone('channel_connections', 'secret_fields', () =>
        s.post('/api/connections', { kind: 'webhook', name: 'Signed', secrets: { url: 'https://example.com/hook', secret: SIGNING } }),
      );
      expect(sealedFault.status).toBe(500);

      // A run that fails writing its deliveries: the ledger insert carries the recipient's phone number.
      const sms = await s.post('/api/connections', {
        kind: 'sms',
        name: 'SMS',
        settings: { from: '+15550000000' },
        secrets: { accountSid: 'AC-test', authToken: AUTH_TOKEN, baseUrl: 'http://127.0.0.1:9' },
      });
      expect(sms.status, JSON.stringify(sms.body)).toBe(201);
      const { flowId } = await s.publishFlow(
        'sms to a phone',
        flow(
          [
            node('start', 'trigger.manual'),
            node('send', 'channel.broadcast', {
              connection: sms.body.id,
              recipients: 'input.recipients',
              text: 'Hello',
              retry: { maximumAttempts: 1, initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '1s' },
            }),
            node('done', 'control.end'),
          ],
          [edge('start', 'next', 'send'), edge('send', 'sent', 'done'), edge('send', 'failed', 'done')],
        ),
      );
      await withColumnGone('deliveries', 'recipient', async () => {
        const runId = await s.startRun(flowId, { recipients: [{ phone: PHONE, name: 'Pat' }] });
        await worker.seen(/Activity failed/);
        await s.post(`/api/runs/${runId}/cancel`, {});
      });

      const [sealedRow] = (await stack.server.db.db.execute(sql`select secret_sealed from channel_connections where id = ${sms.body.id}`))
        .rows as { secret_sealed: string }[];
      const [hashRow] = (await stack.server.db.db.execute(sql`select password_hash from users where email = ${email}`)).rows as {
        password_hash: string;
      }[];
      const logs = api.text() + worker.text();
      // The faults were logged (so the check below means something) ...
      expect(api.text()).toContain('unhandled error');
      expect(worker.text()).toContain('Activity failed');
      // ... and none of these appear anywhere.
      for (const secret of [
        PHONE,
        PHONE.slice(1),
        SIGNING,
        AUTH_TOKEN,
        PASSWORD,
        hashRow!.password_hash,
        sealedRow!.secret_sealed,
        stack.api.token!,
      ]) {
        expect(logs, `a log line holds ${secret.slice(0, 6)}…`).not.toContain(secret);
      }
      expect(logs).not.toMatch(BCRYPT);
      expect(logs).not.toMatch(SEALED);
      expect(logs).not.toMatch(/params:/);
    });
  });
});
