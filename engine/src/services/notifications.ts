import { and, count, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { notifications } from '../db/schema.ts';

/** The bell: a person's in-app notifications. Everyone sees only their own. */
export class NotificationService {
  constructor(private readonly db: Database) {}

  async list(userId: string, limit: number) {
    const rows = await this.db
      .select()
      .from(notifications)
      .where(eq(notifications.userId, userId))
      .orderBy(desc(notifications.createdAt))
      .limit(limit);
    return {
      items: rows.map((n) => ({
        id: n.id,
        title: n.title,
        body: n.body,
        link: n.link,
        runId: n.runId,
        createdAt: n.createdAt.toISOString(),
        readAt: n.readAt?.toISOString() ?? null,
      })),
      unread: await this.unread(userId),
    };
  }

  async markRead(userId: string, which: { ids: string[] } | { all: true }) {
    const mine = and(eq(notifications.userId, userId), isNull(notifications.readAt));
    // Ids of other people's notifications simply match nothing: no error that would tell them apart.
    await this.db
      .update(notifications)
      .set({ readAt: new Date() })
      .where('all' in which ? mine : and(mine, inArray(notifications.id, which.ids)));
    return { unread: await this.unread(userId) };
  }

  private async unread(userId: string): Promise<number> {
    const [row] = await this.db
      .select({ n: count() })
      .from(notifications)
      .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
    return row?.n ?? 0;
  }
}
