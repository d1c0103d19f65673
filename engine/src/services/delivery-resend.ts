import { and, count, eq, inArray } from 'drizzle-orm';
import {
  createMailer,
  guardFromEnv,
  providerKey,
  sendToChannel,
  type DeliveryResult,
  type OutboundGuard,
  type StoredMessage,
} from '@flightdeck/activities';
import type { Database } from '../db/client.ts';
import { channelConnections, deliveries, flows, runs } from '../db/schema.ts';
import { isAdmin, type Actor } from '../auth/access.ts';
import { audit } from './audit.ts';
import type { ConnectionService } from './connections.ts';
import { presentDelivery } from './delivery-view.ts';
import { Conflict, NotFound } from './errors.ts';
import { said } from '@flightdeck/workflows';

/** How long the resend's row is leased while its one request is out (a request gives up after 10 s). */
const RESEND_LEASE_MS = 60_000;

/**
 * Sends an `unconfirmed` delivery again, by hand: the same rendered message, through the same
 * connection, as a new ledger row linked to the original, recorded in the audit log. The original
 * stays unconfirmed (what happened to it is still unknown); while a resend is under way or has
 * gone out, another is refused, so one press reaches the receiver once.
 */
export class DeliveryResendService {
  constructor(
    private readonly db: Database,
    private readonly connections: ConnectionService,
    private readonly outbound: OutboundGuard = guardFromEnv(),
    /** The server's own mailer (SMTP_URL, MAIL_FROM), for e-mail the flow sent without a connection of its own. */
    private readonly serverMail: { smtpUrl?: string; from?: string } = {},
  ) {}

  /** The department of the run the delivery belongs to (for the route's access check). */
  async departmentOf(id: string): Promise<string | null> {
    const [row] = await this.db
      .select({ department: flows.departmentId })
      .from(deliveries)
      .innerJoin(runs, eq(runs.workflowId, deliveries.runId))
      .innerJoin(flows, eq(flows.id, runs.flowId))
      .where(eq(deliveries.id, id));
    if (!row) throw new NotFound(said('no_delivery', { id }));
    return row.department;
  }

  async resend(actor: Actor, id: string) {
    const claimed = await this.db.transaction(async (tx) => {
      // One resend at a time per delivery: a second press waits here, then sees the first.
      const [found] = await tx
        .select({ d: deliveries, requestedBy: runs.requestedBy, department: flows.departmentId })
        .from(deliveries)
        .innerJoin(runs, eq(runs.workflowId, deliveries.runId))
        .innerJoin(flows, eq(flows.id, runs.flowId))
        .where(eq(deliveries.id, id))
        .for('update', { of: deliveries });
      // Only the run's owner and administrators resend; to anyone else it is as if it did not exist.
      if (!found || (found.requestedBy !== actor.id && !isAdmin(actor))) throw new NotFound(said('no_delivery', { id }));
      const { d } = found;
      if (d.status !== 'unconfirmed')
        throw new Conflict(said('resend_not_unconfirmed', { status: d.status }), [
          { path: 'id', message: `The delivery is ${d.status}`, code: 'not_unconfirmed' },
        ]);
      // E-mail sent by the server's own mailer has no connection; it goes again the same way.
      if (!d.message || (!d.connectionId && d.message.kind !== 'email'))
        throw new Conflict(said('resend_nothing_recorded'), [
          { path: 'id', message: 'Nothing recorded to resend', code: 'not_resendable' },
        ]);
      const [connection] = d.connectionId
        ? await tx
            .select({ pausedAt: channelConnections.pausedAt })
            .from(channelConnections)
            .where(eq(channelConnections.id, d.connectionId))
        : [];
      if (connection?.pausedAt)
        throw new Conflict(said('resend_paused'), [{ path: 'id', message: 'The connection is paused', code: 'paused' }]);
      const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(deliveries).where(eq(deliveries.resendOf, id));
      const [live] = await tx
        .select({ id: deliveries.id, status: deliveries.status })
        .from(deliveries)
        .where(and(eq(deliveries.resendOf, id), inArray(deliveries.status, ['sending', 'sent', 'unconfirmed'])));
      if (live)
        throw new Conflict(said('resend_already', { status: live.status }), [
          { path: 'id', message: `Already resent: delivery ${live.id}`, code: 'already_resent' },
        ]);
      const [row] = await tx
        .insert(deliveries)
        .values({
          idempotencyKey: `${d.idempotencyKey}/resend/${n + 1}`,
          connectionId: d.connectionId,
          channel: d.channel,
          runId: d.runId,
          nodeId: d.nodeId,
          recipient: d.recipient,
          status: 'sending',
          attempts: 1,
          leaseUntil: new Date(Date.now() + RESEND_LEASE_MS),
          message: d.message,
          resendOf: d.id,
        })
        .returning();
      await audit(tx, actor, {
        action: 'delivery.resent',
        entityType: 'delivery',
        entityId: d.id,
        departmentId: found.department,
        before: { status: d.status, error: d.error },
        after: { resendId: row!.id, recipient: d.recipient, channel: d.channel, connectionId: d.connectionId },
      });
      return { row: row!, message: d.message };
    });
    const { row } = claimed;
    let update: Partial<typeof deliveries.$inferInsert>;
    try {
      const result = await this.send(row.connectionId, claimed.message, row.idempotencyKey);
      update = { status: 'sent', providerMessageId: result.providerMessageId ?? null, sentAt: new Date(), error: null };
    } catch (err) {
      // A manual resend is one request: whatever went wrong is recorded, and the owner may press again.
      update = { status: 'failed', error: err instanceof Error ? err.message : String(err) };
    }
    const [after] = await this.db
      .update(deliveries)
      .set({ ...update, leaseUntil: null })
      .where(eq(deliveries.id, row.id))
      .returning();
    const [named] = row.connectionId
      ? await this.db.select({ name: channelConnections.name }).from(channelConnections).where(eq(channelConnections.id, row.connectionId))
      : [];
    return presentDelivery(after!, named?.name ?? null, null);
  }

  private async send(connectionId: string | null, stored: StoredMessage, key: string): Promise<DeliveryResult> {
    if (stored.kind === 'email') {
      const mailer = connectionId ? await this.connectionMailer(connectionId) : createMailer(this.serverMail);
      return { status: 250, providerMessageId: (await mailer.send(stored.mail)).messageId, body: null };
    }
    if (!connectionId) throw new Error('Only e-mail goes without a connection');
    const channel = await this.connections.channelConnection(connectionId);
    return sendToChannel(channel, stored.message, { idempotencyKey: providerKey(key), outbound: this.outbound });
  }

  private async connectionMailer(connectionId: string) {
    const { settings, secrets } = await this.connections.reveal(connectionId);
    return createMailer({
      smtpUrl: secrets.smtpUrl,
      outbound: this.outbound,
      ...(typeof settings.from === 'string' ? { from: settings.from } : {}),
    });
  }
}
