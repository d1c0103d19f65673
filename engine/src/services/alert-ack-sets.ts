import { createHash } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
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
 * Stores the alerts a grouped message tells, led by `leadId`, and returns the set's id for its links; null when the
 * message tells that one alert only. Only alerts of the lead's campaign count: a group never spans campaigns, so a
 * link cannot be made to reach past the campaign its reader was told about.
 */
export async function storeAckSet(db: Database, leadId: string, group: readonly string[] | undefined): Promise<string | null> {
  const wanted = [...new Set([leadId, ...(group ?? []).filter((id) => typeof id === 'string' && UUID.test(id))])].slice(0, OPEN_ALERTS);
  if (wanted.length < 2) return null;
  const [lead] = await db.select({ c: alerts.campaignId }).from(alerts).where(eq(alerts.id, leadId));
  if (!lead) return null;
  const found = await db
    .select({ id: alerts.id })
    .from(alerts)
    .where(and(inArray(alerts.id, wanted), eq(alerts.campaignId, lead.c)));
  const ids = found.map((r) => r.id).sort();
  if (ids.length < 2) return null;
  const id = ackSetId(ids);
  await db.insert(alertAckSets).values({ id, alertIds: ids }).onConflictDoNothing();
  return id;
}

/** The alerts of a set, lead first; just the lead when the set is gone or does not hold it (then the link is its alone). */
export async function ackSetMembers(db: Database, leadId: string, setId: string | undefined): Promise<string[]> {
  if (!setId || !UUID.test(setId)) return [leadId];
  const [row] = await db.select({ ids: alertAckSets.alertIds }).from(alertAckSets).where(eq(alertAckSets.id, setId));
  if (!row?.ids.includes(leadId)) return [leadId];
  return [leadId, ...row.ids.filter((id) => id !== leadId)];
}
