import { and, asc, eq, gt, inArray, isNotNull, isNull, lt, lte, ne, sql } from 'drizzle-orm';
import type { DeliveryLedger, Mailer, OutboundGuard } from '@flightdeck/activities';
import { createMailer, guardFromEnv } from '@flightdeck/activities';
import type { Database } from '../db/client.ts';
import { channelConnections, deliveries, deliverySlots, notifications, users } from '../db/schema.ts';
import type { ConnectionService } from './connections.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Slots older than this can no longer limit anything. */
const SLOT_HORIZON_MS = 60 * 60_000;
/** A reserved time this far in the past was not used when it came (timer latency is far below it). */
const STALE_SLOT_MS = 10_000;

/** The delivery ledger in PostgreSQL: the unique idempotency key is what makes a send happen once. */
/** `outbound` guards the SMTP servers e-mail connections name (the operator's own SMTP_URL is not input). */
export function deliveryLedger(db: Database, connections: ConnectionService, mailer: Mailer, outbound?: OutboundGuard): DeliveryLedger {
  const connectionMailers = new Map<string, Mailer>();
  return {
    mailer,
    async target(target) {
      if ('builtin' in target) return { kind: target.builtin, connectionId: null, name: null, settings: {} };
      // A missing connection throws a 404, which the worker's interceptor makes final (domain-failures.ts).
      const { connectionId } = target;
      const { kind, settings, name, secrets } = await connections.reveal(connectionId);
      if (kind === 'email') {
        let m = connectionMailers.get(connectionId);
        if (!m)
          connectionMailers.set(
            connectionId,
            (m = createMailer({
              smtpUrl: secrets.smtpUrl,
              outbound: outbound ?? guardFromEnv(),
              ...(typeof settings.from === 'string' ? { from: settings.from } : {}),
            })),
          );
        return { kind, connectionId, name, settings, mailer: m };
      }
      return { kind, connectionId, name, settings, channel: await connections.channelConnection(connectionId) };
    },
    async open(rows, interrupted) {
      if (rows.length) {
        await db
          .insert(deliveries)
          .values(rows.map((r) => ({ ...r, status: 'sending' as const, attempts: 0 })))
          .onConflictDoNothing({ target: deliveries.idempotencyKey });
        // A lease that is still set but has lapsed was never released: its worker died mid-send.
        const lapsed = and(
          inArray(
            deliveries.idempotencyKey,
            rows.map((r) => r.idempotencyKey),
          ),
          eq(deliveries.status, 'sending'),
          isNotNull(deliveries.leaseUntil),
          lt(deliveries.leaseUntil, new Date()),
        );
        if ('note' in interrupted)
          await db.update(deliveries).set({ status: 'unconfirmed', leaseUntil: null, error: interrupted.note }).where(lapsed);
        else await db.update(deliveries).set({ leaseUntil: null }).where(lapsed);
      }
      const found = rows.length
        ? await db
            .select({
              key: deliveries.idempotencyKey,
              status: deliveries.status,
              providerMessageId: deliveries.providerMessageId,
              error: deliveries.error,
              leaseUntil: deliveries.leaseUntil,
            })
            .from(deliveries)
            .where(
              inArray(
                deliveries.idempotencyKey,
                rows.map((r) => r.idempotencyKey),
              ),
            )
        : [];
      return new Map(
        found.map((f) => [
          f.key,
          {
            status: f.status,
            providerMessageId: f.providerMessageId,
            error: f.error,
            leased: f.status === 'sending' && f.leaseUntil !== null,
          },
        ]),
      );
    },
    async holdIfPaused(connectionId, keys) {
      return db.transaction(async (tx) => {
        // FOR SHARE: a resume (FOR UPDATE) waits for this, then sees these rows held and signals their runs.
        const [row] = await tx
          .select({ pausedAt: channelConnections.pausedAt })
          .from(channelConnections)
          .where(eq(channelConnections.id, connectionId))
          .for('share');
        if (!row?.pausedAt) return false;
        await tx
          .update(deliveries)
          .set({ status: 'held', heldReason: 'paused', notBefore: null })
          .where(
            and(inArray(deliveries.idempotencyKey, keys), inArray(deliveries.status, ['held', 'sending']), isNull(deliveries.leaseUntil)),
          );
        return true;
      });
    },
    async hold(keys, reason, notBefore) {
      if (keys.length)
        await db
          .update(deliveries)
          .set({ status: 'held', heldReason: reason, notBefore })
          .where(
            and(inArray(deliveries.idempotencyKey, keys), inArray(deliveries.status, ['held', 'sending']), isNull(deliveries.leaseUntil)),
          );
    },
    async release(key, error) {
      // Unconfirmed: a retry gave up on this attempt, which was alive after all and did not deliver. Say so.
      await db
        .update(deliveries)
        .set({
          leaseUntil: null,
          error,
          status: sql`case when ${deliveries.status} = 'unconfirmed' then 'failed' else ${deliveries.status} end`,
        })
        .where(and(eq(deliveries.idempotencyKey, key), inArray(deliveries.status, ['sending', 'unconfirmed'])));
    },
    async reserve(connectionId, keys, assign) {
      return db.transaction(async (tx) => {
        // One reservation at a time per connection, across every worker and run.
        await tx
          .select({ id: channelConnections.id })
          .from(channelConnections)
          .where(eq(channelConnections.id, connectionId))
          .for('update');
        const now = Date.now();
        await tx
          .delete(deliverySlots)
          .where(and(eq(deliverySlots.connectionId, connectionId), lt(deliverySlots.at, new Date(now - SLOT_HORIZON_MS))));
        // A slot that passed long ago (the message then waited out quiet hours or a pause) no longer
        // spaces anything: give it a fresh one, or everything held would go out in one burst.
        await tx
          .delete(deliverySlots)
          .where(and(inArray(deliverySlots.idempotencyKey, keys), lt(deliverySlots.at, new Date(now - STALE_SLOT_MS))));
        const mine = await tx.select().from(deliverySlots).where(inArray(deliverySlots.idempotencyKey, keys));
        const slots = new Map(mine.map((m) => [m.idempotencyKey, m.at.getTime()]));
        const fresh = keys.filter((k) => !slots.has(k));
        if (fresh.length) {
          const taken = await tx
            .select({ at: deliverySlots.at })
            .from(deliverySlots)
            .where(and(eq(deliverySlots.connectionId, connectionId), gt(deliverySlots.at, new Date(now - SLOT_HORIZON_MS))))
            .orderBy(asc(deliverySlots.at));
          const times = assign(
            taken.map((t) => t.at.getTime()),
            fresh.length,
          );
          const values = fresh.map((k, i) => ({ idempotencyKey: k, connectionId, at: new Date(times[i]!) }));
          for (let i = 0; i < values.length; i += 1000) await tx.insert(deliverySlots).values(values.slice(i, i + 1000));
          for (const v of values) slots.set(v.idempotencyKey, v.at.getTime());
        }
        return slots;
      });
    },
    async admit(connectionId, key, wait) {
      return db.transaction(async (tx) => {
        // The same lock as reserve: admissions and reservations for a connection take turns.
        await tx
          .select({ id: channelConnections.id })
          .from(channelConnections)
          .where(eq(channelConnections.id, connectionId))
          .for('update');
        const now = Date.now();
        const others = await tx
          .select({ at: deliverySlots.at })
          .from(deliverySlots)
          .where(
            and(
              eq(deliverySlots.connectionId, connectionId),
              ne(deliverySlots.idempotencyKey, key),
              gt(deliverySlots.at, new Date(now - SLOT_HORIZON_MS)),
              lte(deliverySlots.at, new Date(now)),
            ),
          )
          .orderBy(asc(deliverySlots.at));
        const ms = wait(
          others.map((o) => o.at.getTime()),
          now,
        );
        if (ms > 0) return ms;
        await tx
          .update(deliverySlots)
          .set({ at: new Date(now) })
          .where(eq(deliverySlots.idempotencyKey, key));
        return 0;
      });
    },
    async attempt(key, leaseUntil, message) {
      // One statement: the claim, and what the claim it replaced looked like. A lease that is still
      // set but has lapsed was never released (every answer clears it): its worker died mid-send.
      // The hold it waited out (held_reason, not_before) stays: the delivery view shows why a message came late.
      const { rows } = await db.execute<{ previous_lease: Date | null }>(sql`
        update ${deliveries} d
           set status = 'sending', lease_until = ${leaseUntil}, attempts = d.attempts + 1,
               message = coalesce(${message === undefined ? null : JSON.stringify(message)}::jsonb, d.message)
          from (select idempotency_key, status, lease_until from ${deliveries} where idempotency_key = ${key}) prev
         where d.idempotency_key = prev.idempotency_key
           and d.status in ('held', 'sending')
           and (d.lease_until is null or d.lease_until < ${new Date()})
        returning case when prev.status = 'sending' then prev.lease_until end as previous_lease`);
      if (!rows.length) return 'busy';
      return rows[0]!.previous_lease ? 'interrupted' : 'claimed';
    },
    async sent(key, result) {
      await db
        .update(deliveries)
        .set({
          status: 'sent',
          leaseUntil: null,
          providerMessageId: result.providerMessageId ?? null,
          response: (result.body ?? null) as object | null,
          sentAt: new Date(),
          error: null,
        })
        .where(eq(deliveries.idempotencyKey, key));
    },
    async unconfirmed(key, note) {
      // The claim that found the interruption sent nothing: attempts keeps counting sends only.
      await db
        .update(deliveries)
        .set({ status: 'unconfirmed', leaseUntil: null, error: note, attempts: sql`${deliveries.attempts} - 1` })
        .where(eq(deliveries.idempotencyKey, key));
    },
    async failed(key, error, response) {
      await db
        .update(deliveries)
        .set({ status: 'failed', leaseUntil: null, error, response: { error, response } as object })
        .where(eq(deliveries.idempotencyKey, key));
    },
    async notify(notice) {
      const user = await db.query.users.findFirst({
        where: UUID.test(notice.user) ? eq(users.id, notice.user) : eq(users.email, notice.user.toLowerCase()),
      });
      if (!user) throw new Error(`Unknown user "${notice.user}": in-app notifications go to Flightdeck users`);
      const link = notice.link ?? `/runs/${notice.runId.replace(/^run-/, '')}`;
      await db
        .insert(notifications)
        .values({
          userId: user.id,
          idempotencyKey: notice.idempotencyKey,
          title: notice.title,
          body: notice.body,
          link,
          runId: notice.runId,
        })
        .onConflictDoNothing({ target: notifications.idempotencyKey });
      const [row] = await db
        .select({ id: notifications.id })
        .from(notifications)
        .where(eq(notifications.idempotencyKey, notice.idempotencyKey));
      return { id: row!.id };
    },
  };
}
