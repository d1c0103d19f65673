import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { SendRequest, SendResult } from '@flightdeck/workflows';
import { ChannelError, sendToChannel, type ChannelConnection, type DeliveryResult } from './channels/index.ts';

/** The server side of exactly-once: a delivery ledger keyed by the idempotency key (unique in PostgreSQL). */
export interface DeliveryLedger {
  /** Records an attempt; returns the earlier result when this key was already delivered. */
  begin(req: SendRequest): Promise<{ alreadySent?: { providerMessageId: string | null } }>;
  sent(key: string, result: DeliveryResult): Promise<void>;
  failed(key: string, error: string, response: unknown): Promise<void>;
  connection(id: string): Promise<ChannelConnection>;
}

/**
 * Sends once. The key goes to the receiver too (header or webhook-id) where the platform can use
 * it; the ledger covers the rest: once a delivery is recorded as sent, a retry, a restarted worker
 * or a replayed history gets the recorded result instead of a second message.
 */
export function deliveryActivities(ledger: DeliveryLedger) {
  return {
    async sendChannelMessage(req: SendRequest): Promise<SendResult> {
      const { alreadySent } = await ledger.begin(req);
      if (alreadySent) return { recipient: req.recipient, status: 'sent', deduplicated: true, ...(alreadySent.providerMessageId ? { providerMessageId: alreadySent.providerMessageId } : {}) };
      const connection = await ledger.connection(req.connectionId);
      let result: DeliveryResult;
      try {
        result = await sendToChannel(connection, req.message, { idempotencyKey: req.idempotencyKey, signal: Context.current().cancellationSignal });
      } catch (err) {
        if (err instanceof ChannelError) {
          if (!err.retryable) await ledger.failed(req.idempotencyKey, err.message, err.body ?? null);
          throw ApplicationFailure.create({ message: err.message, type: err.retryable ? 'ChannelRetryable' : 'ChannelRejected', nonRetryable: !err.retryable, nextRetryDelay: err.retryAfterMs });
        }
        throw err;
      }
      await ledger.sent(req.idempotencyKey, result);
      return { recipient: req.recipient, status: 'sent', deduplicated: false, ...(result.providerMessageId ? { providerMessageId: result.providerMessageId } : {}) };
    },
  };
}
