import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/client.ts';
import { campaigns, lessons } from '../db/schema.ts';
import { lessonInputSchema } from '../api/contracts/lessons.ts';
import type { LessonService } from '../services/lessons.ts';
import type { PeopleService } from '../services/people.ts';

const FILE = fileURLToPath(new URL('../../seed/lessons.json', import.meta.url));

/** engine/seed/lessons.json: lessons of the scenario campaigns, by the campaign's slug and the author's e-mail. */
const seedLessonSchema = z.array(
  lessonInputSchema.omit({ campaignId: true, departmentId: true }).extend({ campaign: z.string(), author: z.email() }),
);

/**
 * The lessons a first look should find (预算, 达人, budget…), written by the demo people: added for each
 * scenario campaign that has no lessons yet, so a restart adds none.
 */
export async function seedDemoLessons(db: Database, people: PeopleService, service: LessonService): Promise<number> {
  const entries = seedLessonSchema.parse(JSON.parse(readFileSync(FILE, 'utf8')));
  let added = 0;
  for (const slug of new Set(entries.map((e) => e.campaign))) {
    const [campaign] = await db.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.slug, slug));
    if (!campaign) continue;
    const [{ n }] = (await db
      .select({ n: sql<number>`count(*)::int` })
      .from(lessons)
      .where(eq(lessons.campaignId, campaign.id))) as [{ n: number }];
    if (n > 0) continue;
    for (const { campaign: _slug, author, ...lesson } of entries.filter((e) => e.campaign === slug)) {
      const row = await people.userByEmail(author);
      const actor = row ? await people.actorFor(row, 'system') : null;
      await service.create({ ...lesson, campaignId: campaign.id }, actor);
      added++;
    }
  }
  return added;
}
