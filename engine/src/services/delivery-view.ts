import type { z } from 'zod';
import type { deliveries } from '../db/schema.ts';
import type { deliverySchema } from '../api/contracts/runs.ts';

/** A ledger row as the API shows it: the status, why it waits, what failed; never the message or the provider's raw answer. */
export function presentDelivery(
  d: typeof deliveries.$inferSelect,
  connectionName: string | null,
  recipientName: string | null,
  /** A resend of it is under way or went out: another would be refused. */
  resent = false,
): z.output<typeof deliverySchema> {
  return {
    id: d.id,
    nodeId: d.nodeId,
    recipient: d.recipient,
    recipientName,
    channel: d.channel,
    connectionId: d.connectionId,
    connectionName,
    status: d.status,
    reason: d.status === 'held' ? d.heldReason : null,
    notBefore: d.status === 'held' ? (d.notBefore?.toISOString() ?? null) : null,
    // Past the hold, its reason stays: a message the rate limit held 37 s does not look like a slow channel.
    wasHeld: d.status !== 'held' && d.heldReason ? { reason: d.heldReason, until: d.notBefore?.toISOString() ?? null } : null,
    attempts: d.attempts,
    sentAt: d.sentAt?.toISOString() ?? null,
    error: d.error,
    resendOf: d.resendOf,
    // E-mail without a connection went through the server's own mailer, and can go through it again.
    resendable: d.status === 'unconfirmed' && d.message !== null && (d.connectionId !== null || d.message.kind === 'email') && !resent,
    createdAt: d.createdAt.toISOString(),
  };
}
