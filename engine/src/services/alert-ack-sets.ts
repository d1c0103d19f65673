import { createHash } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { OPEN_ALERTS } from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import { alertAckSets, alerts } from '../db/schema.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A set's id from its members: every level, round and retry of one group's message names the same row. */
export function ackSetId(ids: readonly string[]): string {
  const h = createHash('sha256')
    .update([...ids].sort().join(','))
    .digest('hex');
  // Shaped as a UUID (version 8, "custom"), which the column and the link's claim expect.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The alerts a grouped message led by `leadId` tells, as they stand, lead first. Only alerts of the lead's campaign
 * count: a group never spans campaigns, so neither a link nor a ladder can be made to reach past the campaign its
 * reader was told about. Empty when the lead does not exist.
 */
export async function groupAlerts(db: Database, leadId: string, group: readonly string[] | undefined) {
  const wanted = [...new Set([leadId, ...(group ?? []).filter((id) => typeof id === 'string' && UUID.test(id))])].slice(0, OPEN_ALERTS);
  const [lead] = await db.select({ c: alerts.campaignId }).from(alerts).where(eq(alerts.id, leadId));
  if (!lead) return [];
  const found = await db
    .select({ id: alerts.id, state: alerts.state, snoozedUntil: alerts.snoozedUntil })
    .from(alerts)
    .where(and(inArray(alerts.id, wanted), eq(alerts.campaignId, lead.c)));
  return found.sort((a, b) => (a.id === leadId ? -1 : b.id === leadId ? 1 : a.id < b.id ? -1 : 1));
}

/** Stores the alerts a grouped message tells (as groupAlerts found them) and returns the set's id for its links; null for one. */
export async function storeAckSet(db: Database, told: readonly { id: string }[]): Promise<string | null> {
  const ids = told.map((r) => r.id).sort();
  if (ids.length < 2) return null;
  const id = ackSetId(ids);
  await db.insert(alertAckSets).values({ id, alertIds: ids }).onConflictDoNothing();
  return id;
}

/** The alerts told in one message with any of `ids` (every set that holds one), those included. */
export async function toldWith(db: Database, ids: readonly string[]): Promise<string[]> {
  const valid = [...new Set(ids.filter((id) => UUID.test(id)))];
  if (!valid.length) return [];
  const rows = await db
    .select({ ids: alertAckSets.alertIds })
    .from(alertAckSets)
    .where(sql`${alertAckSets.alertIds} && ${sql.param(valid)}::uuid[]`);
  return [...new Set([...valid, ...rows.flatMap((r) => r.ids)])];
}

/** The alerts of a set, lead first; just the lead when the set is gone or does not hold it (then the link is its alone). */
export async function ackSetMembers(db: Database, leadId: string, setId: string | undefined): Promise<string[]> {
  if (!setId || !UUID.test(setId)) return [leadId];
  const [row] = await db.select({ ids: alertAckSets.alertIds }).from(alertAckSets).where(eq(alertAckSets.id, setId));
  if (!row?.ids.includes(leadId)) return [leadId];
  return [leadId, ...row.ids.filter((id) => id !== leadId)];
}
