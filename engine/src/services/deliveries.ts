import { eq, sql } from 'drizzle-orm';
import type { ChannelConnection, DeliveryLedger } from '@flightdeck/activities';
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
    async connection(id): Promise<ChannelConnection> {
      const { kind, settings, secrets } = await connections.reveal(id);
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
          return { kind, provider: 'twilio', accountSid: secrets.accountSid!, authToken: secrets.authToken!, ...(s.from ? { from: s.from } : {}), ...(secrets.baseUrl ? { baseUrl: secrets.baseUrl } : {}) };
        default:
          throw new Error(`Connection kind ${kind} cannot take channel messages`);
      }
    },
  };
}
