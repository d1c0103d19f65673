import { and, eq, sql } from 'drizzle-orm';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { JsonValue } from '@flightdeck/workflows';
import { findJsonProblems } from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import { flowHooks, flowVersions, hookEvents, type FlowVersionRow } from '../db/schema.ts';
import { HttpProblem, joinPath } from '../api/problem.ts';
import { findUnstorableStrings } from '../api/unstorable.ts';
import type { Actor } from '../auth/access.ts';
import type { SecretBox } from '../auth/encryption.ts';
import type { RunService } from './runs.ts';
import type { FlowService } from './flows.ts';
import { audit } from './audit.ts';

/** How old a signed event may be: Standard Webhooks' recommendation, against replays of captured requests. */
export const HOOK_TOLERANCE_SECONDS = 300;

export function signStandardWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** A delivery whose signature, age and body passed: what starting its run needs. */
export interface VerifiedEvent {
  flowId: string;
  /** webhook-id */
  id: string;
  input: JsonValue;
  /** The flow's latest version as read with the secret (undefined: none published). */
  version: FlowVersionRow | undefined;
}

/** Inbound events that start runs: Standard Webhooks signatures, idempotent by webhook-id. */
export class HookService {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
    private readonly runs: RunService,
    private readonly flows: FlowService,
  ) {}

  /** A new secret for the flow's hook, shown once; the old one stops working. */
  async rotateSecret(actor: Actor, flowId: string, departmentId: string | null): Promise<{ secret: string; url: string }> {
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const sealed = this.box.seal(secret, `hook:${flowId}`);
    await this.db
      .insert(flowHooks)
      .values({ flowId, secretSealed: sealed })
      .onConflictDoUpdate({ target: flowHooks.flowId, set: { secretSealed: sealed, createdAt: new Date() } });
    await audit(this.db, actor, { action: 'hook.secret_rotated', entityType: 'flow', entityId: flowId, departmentId });
    return { secret, url: `/api/hooks/${flowId}` };
  }

  /**
   * Checks a delivery (signature, age, body) without starting anything; cheap, and done before the event may wait for
   * room (hook-admission.ts), so an unsigned or badly signed request is answered 401 at once and never holds a place.
   */
  async verify(flowId: string, headers: Record<string, string | string[] | undefined>, raw: Buffer): Promise<VerifiedEvent> {
    const header = (name: string) => {
      const v = headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const id = header('webhook-id');
    const timestamp = Number(header('webhook-timestamp'));
    const signatures = (header('webhook-signature') ?? '').split(' ').filter(Boolean);
    if (!id || !Number.isFinite(timestamp) || !signatures.length) {
      throw new HttpProblem(401, 'Unsigned event', 'Send webhook-id, webhook-timestamp and webhook-signature (Standard Webhooks)');
    }
    if (Math.abs(Date.now() / 1000 - timestamp) > HOOK_TOLERANCE_SECONDS)
      throw new HttpProblem(401, 'Stale event', `webhook-timestamp is more than ${HOOK_TOLERANCE_SECONDS} s away from now`);
    // The secret and the latest version in one round trip; a frozen version is run as read.
    const [hook] = await this.db
      .select({ secretSealed: flowHooks.secretSealed, version: flowVersions })
      .from(flowHooks)
      .leftJoin(
        flowVersions,
        and(
          eq(flowVersions.flowId, flowHooks.flowId),
          eq(flowVersions.version, sql`(select max(v.version) from ${flowVersions} v where v.flow_id = ${flowId})`),
        ),
      )
      .where(eq(flowHooks.flowId, flowId));
    // The same answer for "no such flow" and "bad signature": the endpoint does not tell which flows exist.
    const expected = hook
      ? signStandardWebhook(this.box.open(hook.secretSealed, `hook:${flowId}`), id, timestamp, raw.toString('utf8'))
      : undefined;
    const ok =
      expected !== undefined &&
      signatures.some((s) => s.length === expected.length && timingSafeEqual(Buffer.from(s), Buffer.from(expected)));
    if (!ok) throw new HttpProblem(401, 'Bad signature', 'The webhook-signature does not match');

    let input: JsonValue;
    try {
      input = raw.length ? (JSON.parse(raw.toString('utf8')) as JsonValue) : {};
    } catch {
      throw new HttpProblem(400, 'Malformed JSON', 'The event body is not valid JSON', [{ path: '', message: 'Not valid JSON' }]);
    }
    const hostile = findJsonProblems(input);
    if (hostile.length)
      throw new HttpProblem(
        400,
        'Invalid request',
        'The event contains keys that are not allowed',
        hostile.map((p) => ({ path: joinPath(p.path), message: p.message })),
      );
    const unstorable = findUnstorableStrings(input);
    if (unstorable.length) throw new HttpProblem(400, 'Invalid request', 'The event contains text that cannot be stored', unstorable);
    if (id.length > 200 || findUnstorableStrings(id).length)
      throw new HttpProblem(400, 'Invalid request', 'webhook-id must be at most 200 characters of text', [
        { path: 'webhook-id', message: 'Too long or not text' },
      ]);
    return { flowId, id, input, version: hook!.version ?? undefined };
  }

  /** Starts the run of a verified event, or answers with the run an earlier delivery of it started. */
  async start(event: VerifiedEvent): Promise<{ runId: string; duplicate: boolean; closed?: Promise<void> }> {
    const { flowId, id, input } = event;
    let run: { id: string; workflowId: string } | null;
    try {
      run = await this.runs.startForEvent(await this.flows.runnable(event.version), id, input);
    } catch (err) {
      // Refused as the flow is now (say, republished with another trigger): an event accepted before still answers with its run.
      const seen = await this.acceptedRun(flowId, id).catch(() => undefined);
      if (seen) return { runId: seen, duplicate: true };
      throw err;
    }
    if (run) return { runId: run.id, duplicate: false, closed: this.runs.whenClosed(run.workflowId) };
    // Another delivery of this event claimed it: answer with its run once it has one.
    for (let i = 0; i < 50; i++) {
      const seen = await this.acceptedRun(flowId, id);
      if (seen) return { runId: seen, duplicate: true };
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new HttpProblem(409, 'Event in progress', 'This event is being processed; retry later');
  }

  private async acceptedRun(flowId: string, eventId: string): Promise<string | undefined> {
    const seen = await this.db.query.hookEvents.findFirst({ where: and(eq(hookEvents.flowId, flowId), eq(hookEvents.eventId, eventId)) });
    return seen?.runId ?? undefined;
  }
}
