import { eq, sql } from 'drizzle-orm';
import type { DeliveryLedger } from '@flightdeck/activities';
import type { Database } from '../db/client.ts';
import { deliveries } from '../db/schema.ts';
import type { ConnectionService } from './connections.ts';

/** The delivery ledger in PostgreSQL: the unique idempotency key is what makes a send happen once. */
export function deliveryLedger(db: Database, connections: ConnectionService): DeliveryLedger {
  return {
    async begin(req) {
      const [row] = await db
        .insert(deliveries)
        .values({ idempotencyKey: req.idempotencyKey, connectionId: req.connectionId, runId: req.runId, nodeId: req.nodeId, recipient: req.recipient, status: 'sending', attempts: 1 })
        .onConflictDoUpdate({ target: deliveries.idempotencyKey, set: { attempts: sql`${deliveries.attempts} + 1` } })
        .returning();
      return row!.status === 'sent' ? { alreadySent: { providerMessageId: row!.providerMessageId } } : {};
    },
    async sent(key, result) {
      await db.update(deliveries).set({ status: 'sent', providerMessageId: result.providerMessageId ?? null, response: (result.body ?? null) as object | null, sentAt: new Date() }).where(eq(deliveries.idempotencyKey, key));
    },
    async failed(key, error, response) {
      await db.update(deliveries).set({ status: 'failed', response: { error, response } as object }).where(eq(deliveries.idempotencyKey, key));
    },
    connection: (id) => connections.channelConnection(id),
  };
}
