import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Database } from '../db/client.ts';
import { channelConnections, type channelConnections as T } from '../db/schema.ts';
import { HttpProblem, notFound, zodFieldErrors } from '../api/problem.ts';
import { scopeOf, type Actor } from '../auth/access.ts';
import type { SecretBox } from '../auth/encryption.ts';
import { audit } from './audit.ts';
import { CHANNEL_CATALOGUE, fieldsOf, secretSchema, secretSchemas, settingsSchema, type ConnectionKind } from '@flightdeck/activities';
import {
  ChannelError,
  createMailer,
  effectiveRateLimit,
  guardFromEnv,
  isOutboundRefused,
  parseQuietHours,
  sendToChannel,
  type ChannelConnection,
  type OutboundGuard,
} from '@flightdeck/activities';
import { invalid } from './errors.ts';
import { deliveries } from '../db/schema.ts';
import type { connectionBody, connectionPatch, connectionSchema, connectionTestResultSchema } from '../api/contracts/connections.ts';

/** Tells a run that a channel it holds messages for was resumed (a Temporal signal). */
export type NotifyRun = (workflowId: string, key: string) => Promise<void>;

export { CHANNEL_KINDS } from '@flightdeck/activities';
export type ChannelKind = ConnectionKind;

/** What each kind keeps secret (for SMS, the default provider's), from the channel catalogue. Sealed; never returned by the API. */
export const SECRET_SCHEMAS = secretSchemas(CHANNEL_CATALOGUE);

type Row = typeof T.$inferSelect;

export function presentConnection(row: Row): z.output<typeof connectionSchema> {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    departmentId: row.departmentId,
    // Saved through connectionBody or connectionPatch, so only these kinds of values.
    settings: row.settings as Record<string, string | number | boolean>,
    /** Which secrets are set, never their values. */
    secretFields: row.secretFields,
    paused: row.pausedAt !== null,
    pausedAt: row.pausedAt?.toISOString() ?? null,
    pausedReason: row.pausedReason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export class ConnectionService {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
    private readonly notifyRun?: NotifyRun,
    /** Where the test button may send; the worker's guard decides for runs. */
    private readonly outbound: OutboundGuard = guardFromEnv(),
  ) {}

  async departmentOf(id: string): Promise<string | null> {
    const [row] = await this.db
      .select({ d: channelConnections.departmentId })
      .from(channelConnections)
      .where(eq(channelConnections.id, id));
    if (!row) throw notFound('Connection', id);
    return row.d;
  }

  async list(actor: Actor) {
    const scope = scopeOf(actor, 'connections:read');
    const rows = await this.db
      .select()
      .from(channelConnections)
      .where(scope === 'all' ? undefined : scope.length ? inArray(channelConnections.departmentId, scope) : sql`false`)
      .orderBy(desc(channelConnections.updatedAt));
    return rows.map(presentConnection);
  }

  async get(id: string) {
    const row = await this.db.query.channelConnections.findFirst({ where: eq(channelConnections.id, id) });
    if (!row) throw notFound('Connection', id);
    return presentConnection(row);
  }

  async create(actor: Actor, body: z.output<typeof connectionBody>) {
    const fields = checkSettings(body.kind, body.settings);
    const secrets = secretSchema(fields).safeParse(body.secrets);
    if (!secrets.success)
      throw new HttpProblem(
        400,
        'Invalid request',
        `The ${body.kind} connection's secrets are incomplete`,
        zodFieldErrors(secrets.error, ['secrets']),
      );
    checkSendingRules(body.kind, body.settings);
    const id = crypto.randomUUID();
    const secretFields = Object.keys(secrets.data);
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(channelConnections)
        .values({
          id,
          kind: body.kind,
          name: body.name,
          departmentId: body.departmentId ?? actor.departmentId,
          settings: body.settings,
          secretSealed: this.box.seal(JSON.stringify(secrets.data), id),
          secretFields,
          createdBy: actor.id,
        })
        .returning();
      // The audit log records which secrets were set, not what they are.
      await audit(tx, actor, {
        action: 'connection.created',
        entityType: 'connection',
        entityId: id,
        departmentId: row!.departmentId,
        after: { kind: body.kind, name: body.name, settings: body.settings, secretFields },
      });
      return presentConnection(row!);
    });
  }

  async update(actor: Actor, id: string, patch: z.output<typeof connectionPatch>) {
    const row = await this.db.query.channelConnections.findFirst({ where: eq(channelConnections.id, id) });
    if (!row) throw notFound('Connection', id);
    const settings = patch.settings ?? (row.settings as Record<string, string | number | boolean>);
    const fields = checkSettings(row.kind, settings);
    checkSendingRules(row.kind, settings);
    // Another provider has other credentials: none of the old ones are kept, all of the new ones are asked for.
    const switched = fields !== fieldsOf(CHANNEL_CATALOGUE[row.kind], row.settings as Record<string, unknown>);
    let sealed: { secretSealed: string; secretFields: string[] } | undefined;
    if (switched || (patch.secrets && Object.keys(patch.secrets).length)) {
      const merged = { ...(switched ? {} : JSON.parse(this.box.open(row.secretSealed, row.id))), ...patch.secrets };
      const secrets = secretSchema(fields).safeParse(merged);
      if (!secrets.success)
        throw new HttpProblem(
          400,
          'Invalid request',
          `The ${row.kind} connection's secrets are invalid`,
          zodFieldErrors(secrets.error, ['secrets']),
        );
      sealed = { secretSealed: this.box.seal(JSON.stringify(secrets.data), row.id), secretFields: Object.keys(secrets.data) };
    }
    return this.db.transaction(async (tx) => {
      const [after] = await tx
        .update(channelConnections)
        .set({ ...(patch.name ? { name: patch.name } : {}), settings, ...sealed, updatedAt: new Date() })
        .where(eq(channelConnections.id, id))
        .returning();
      // Which secrets were replaced, never their values.
      await audit(tx, actor, {
        action: 'connection.updated',
        entityType: 'connection',
        entityId: id,
        departmentId: row.departmentId,
        before: { name: row.name, settings: row.settings },
        after: { name: after!.name, settings, replacedSecrets: Object.keys(patch.secrets ?? {}) },
      });
      return presentConnection(after!);
    });
  }

  async remove(actor: Actor, id: string) {
    const [row] = await this.db.delete(channelConnections).where(eq(channelConnections.id, id)).returning();
    if (!row) throw notFound('Connection', id);
    await audit(this.db, actor, {
      action: 'connection.deleted',
      entityType: 'connection',
      entityId: id,
      departmentId: row.departmentId,
      before: { kind: row.kind, name: row.name },
    });
  }

  /**
   * Pauses or resumes a connection. Pausing holds messages in every run; resuming signals each
   * run holding some, so they go out now rather than at the run's next periodic check.
   */
  async setPaused(actor: Actor | null, id: string, paused: boolean, reason: string | null, cause?: { runId: string; nodeId: string }) {
    const row = await this.db.transaction(async (tx) => {
      // FOR UPDATE waits for any send deciding "paused" right now (FOR SHARE), so its held rows are visible below.
      const [before] = await tx.select().from(channelConnections).where(eq(channelConnections.id, id)).for('update');
      if (!before) throw notFound('Connection', id);
      const [after] = await tx
        .update(channelConnections)
        .set(paused ? { pausedAt: before.pausedAt ?? new Date(), pausedReason: reason } : { pausedAt: null, pausedReason: null })
        .where(eq(channelConnections.id, id))
        .returning();
      if ((before.pausedAt !== null) !== paused) {
        await audit(tx, actor, {
          action: paused ? 'connection.paused' : 'connection.resumed',
          entityType: 'connection',
          entityId: id,
          departmentId: before.departmentId,
          before: { paused: before.pausedAt !== null },
          after: { paused, reason, ...cause },
        });
      }
      return after!;
    });
    let resumedRuns = 0;
    if (!paused) {
      const held = await this.db
        .selectDistinct({ runId: deliveries.runId })
        .from(deliveries)
        .where(and(eq(deliveries.connectionId, id), eq(deliveries.status, 'held'), eq(deliveries.heldReason, 'paused')));
      for (const h of held) {
        if (!h.runId || !this.notifyRun) continue;
        // A run that has ended cannot take the signal; its rows are history now.
        await this.notifyRun(h.runId, `connection:${id}`).then(
          () => resumedRuns++,
          () => undefined,
        );
      }
    }
    return { connection: presentConnection(row), resumedRuns };
  }

  /** The connection as a channel adapter wants it, secrets opened. For the worker and the test button only. */
  async channelConnection(id: string): Promise<ChannelConnection> {
    const { kind, settings, secrets } = await this.reveal(id);
    const s = settings as Record<string, string | undefined>;
    switch (kind) {
      case 'wecom':
      case 'slack':
        return { kind, webhookUrl: secrets.url! };
      case 'feishu':
      case 'dingtalk':
        return { kind, webhookUrl: secrets.url!, ...(secrets.secret ? { secret: secrets.secret } : {}) };
      case 'webhook':
        return { kind, url: secrets.url!, secret: secrets.secret! };
      case 'sms':
        return smsConnection(s, secrets);
      default:
        // E-mail goes through a mailer (deliveries and sendTest pick it), never a chat adapter.
        throw invalid('kind', `A ${kind} connection does not take channel messages`, 'wrong_kind');
    }
  }

  /**
   * Sends a test message now, outside any run, and says what the provider answered. A destination
   * the outbound guard refuses is the caller's to fix: a 422 naming the secret that holds the URL.
   */
  async sendTest(actor: Actor, id: string, text: string) {
    const { kind } = await this.reveal(id);
    let outcome: z.output<typeof connectionTestResultSchema>;
    let refused: string | undefined;
    try {
      if (kind === 'email') {
        // An e-mail connection is tested with an e-mail to whoever pressed the button.
        const { settings, secrets } = await this.reveal(id);
        const mailer = createMailer({
          smtpUrl: secrets.smtpUrl,
          outbound: this.outbound,
          ...(typeof settings.from === 'string' ? { from: settings.from } : {}),
        });
        const sent = await mailer.send({ to: actor.email, subject: 'Flightdeck test', text, html: `<p>${escapeHtml(text)}</p>` });
        outcome = { ok: true, status: 250, providerMessageId: sent.messageId };
      } else {
        const r = await sendToChannel(
          await this.channelConnection(id),
          { title: 'Flightdeck test', text },
          { idempotencyKey: `test/${id}/${crypto.randomUUID()}`, outbound: this.outbound },
        );
        outcome = { ok: true, status: r.status, ...(r.providerMessageId ? { providerMessageId: r.providerMessageId } : {}) };
      }
    } catch (err) {
      if (err instanceof ChannelError && isOutboundRefused(err.cause)) refused = (err.cause as Error).message;
      else if (isOutboundRefused(err)) refused = (err as Error).message;
      outcome =
        err instanceof ChannelError
          ? { ok: false, status: err.status, error: err.message, retryable: err.retryable }
          : { ok: false, error: (err as Error).message };
    }
    await audit(this.db, actor, {
      action: 'connection.tested',
      entityType: 'connection',
      entityId: id,
      departmentId: await this.departmentOf(id),
      after: outcome,
    });
    if (refused) {
      const path = kind === 'sms' ? 'secrets.baseUrl' : kind === 'email' ? 'secrets.smtpUrl' : 'secrets.url';
      throw new HttpProblem(422, 'Destination refused', refused, [{ path, message: refused, code: 'outbound_refused' }]);
    }
    return outcome;
  }

  /** For the worker only: the connection with its secrets opened. */
  async reveal(
    id: string,
  ): Promise<{ kind: ChannelKind; name: string; settings: Record<string, unknown>; secrets: Record<string, string> }> {
    const row = await this.db.query.channelConnections.findFirst({ where: and(eq(channelConnections.id, id)) });
    if (!row) throw notFound('Connection', id);
    return {
      kind: row.kind,
      name: row.name,
      settings: row.settings as Record<string, unknown>,
      secrets: JSON.parse(this.box.open(row.secretSealed, row.id)),
    };
  }
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** An SMS connection as its provider's adapter wants it (settings were checked against the provider's fields when saved). */
function smsConnection(s: Record<string, string | undefined>, secrets: Record<string, string>): ChannelConnection {
  const baseUrl = secrets.baseUrl ? { baseUrl: secrets.baseUrl } : {};
  switch (s.provider ?? CHANNEL_CATALOGUE.sms.variants!.default) {
    case 'aliyun':
      return {
        kind: 'sms',
        provider: 'aliyun',
        accessKeyId: secrets.accessKeyId!,
        accessKeySecret: secrets.accessKeySecret!,
        signName: s.signName!,
        templateCode: s.templateCode!,
        ...(s.templateParam ? { templateParam: s.templateParam } : {}),
        ...baseUrl,
      };
    case 'tencent':
      return {
        kind: 'sms',
        provider: 'tencent',
        secretId: secrets.secretId!,
        secretKey: secrets.secretKey!,
        smsSdkAppId: s.smsSdkAppId!,
        signName: s.signName!,
        templateId: s.templateId!,
        ...(s.region ? { region: s.region } : {}),
        ...baseUrl,
      };
    default:
      return {
        kind: 'sms',
        provider: 'twilio',
        accountSid: secrets.accountSid!,
        authToken: secrets.authToken!,
        ...(s.from ? { from: s.from } : {}),
        ...baseUrl,
      };
  }
}

/** The fields this kind takes with these settings (its provider's, for SMS), the settings checked against them. */
function checkSettings(kind: ChannelKind, settings: Record<string, unknown>) {
  const definition = CHANNEL_CATALOGUE[kind];
  const fields = fieldsOf(definition, settings);
  if (!fields) {
    const v = definition.variants!;
    const message = `Unknown ${v.setting}; one of ${Object.keys(v.options).join(', ')}`;
    throw new HttpProblem(400, 'Invalid request', message, [{ path: `settings.${v.setting}`, message }]);
  }
  const parsed = settingsSchema(fields).safeParse(settings);
  if (!parsed.success)
    throw new HttpProblem(
      400,
      'Invalid request',
      `The ${kind} connection's settings are invalid`,
      zodFieldErrors(parsed.error, ['settings']),
    );
  return fields;
}

/** Quiet hours and rate limits are checked when saved, so a typo never silently stops a channel. */
function checkSendingRules(kind: ChannelKind, settings: Record<string, unknown>) {
  const problems: { path: string; message: string }[] = [];
  try {
    parseQuietHours(settings.quietHours as string | undefined);
  } catch (err) {
    problems.push({ path: 'settings.quietHours', message: (err as Error).message });
  }
  try {
    effectiveRateLimit(settings, CHANNEL_CATALOGUE[kind].ratePerMinute);
  } catch (err) {
    problems.push({
      path: settings.rateLimit !== undefined ? 'settings.rateLimit' : 'settings.ratePerMinute',
      message: (err as Error).message,
    });
  }
  if (typeof settings.timezone === 'string') {
    try {
      new Intl.DateTimeFormat('en', { timeZone: settings.timezone });
    } catch {
      problems.push({ path: 'settings.timezone', message: `Unknown time zone "${settings.timezone}"` });
    }
  }
  if (problems.length) throw new HttpProblem(400, 'Invalid request', problems[0]!.message, problems);
}
