import { and, desc, eq, gte, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { campaigns, departments, lessons, users, type LessonRow } from '../db/schema.ts';
import { can, isAdmin, seesDepartment, type Actor } from '../auth/access.ts';
import { audit } from './audit.ts';
import { Forbidden, Malformed, NotFound, invalid } from './errors.ts';
import {
  LESSON_LIMITS,
  lessonInputSchema,
  lessonPatchSchema,
  type LessonHighlight,
  type LessonInput,
  type LessonPatch,
  type LessonQuery,
  type LessonView,
} from '../api/contracts/lessons.ts';
import { chineseTsquery, hasChinese, highlight, searchTerms, segmentForIndex, type LessonSearchTerms } from './lesson-text.ts';
import { said } from '@flightdeck/workflows';

export type { LessonInput } from '../api/contracts/lessons.ts';

type Texts = Pick<LessonRow, 'fact' | 'cause' | 'insight' | 'action' | 'kpi' | 'channel'>;

/** What the tsvector is built from: A (fact, insight) outranks B (cause, action and the tags). Exported for the bench's bulk load. */
export function searchColumns(t: Texts) {
  return {
    searchA: segmentForIndex(`${t.fact}\n${t.insight}`),
    searchB: segmentForIndex(`${t.cause}\n${t.action}\n${t.kpi ?? ''}\n${t.channel ?? ''}`),
  };
}

const notFound = () => new NotFound(said('no_lesson'), [{ path: 'id', message: 'No such lesson' }]);

/** zod's issues as a domain refusal naming each field: the service may be called without the HTTP edge (the review node). */
function parseOrThrow<T>(
  r: { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } },
): T {
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  throw new Malformed(`The lesson has ${issues.length} problem(s)`, issues);
}

/**
 * Who sees a lesson: everyone when it is shared or belongs to no department; otherwise the
 * department's people (members, and anyone with a grant there) and anyone with a global grant.
 */
export function lessonVisibleTo(actor: Actor, row: Pick<LessonRow, 'shared' | 'departmentId'>): boolean {
  return row.shared || actor.departmentId === row.departmentId || seesDepartment(actor, row.departmentId);
}

/** The same rule as SQL, for lists. */
function visibleWhere(actor: Actor, now = new Date()): SQL | undefined {
  const live = actor.grants.filter((g) => !g.expiresAt || g.expiresAt > now);
  if (live.some((g) => g.departmentId === null)) return undefined;
  const mine = [...new Set([...live.map((g) => g.departmentId!), ...(actor.departmentId ? [actor.departmentId] : [])])];
  return or(eq(lessons.shared, true), sql`${lessons.departmentId} IS NULL`, mine.length ? inArray(lessons.departmentId, mine) : undefined);
}

const selection = {
  l: lessons,
  author: users.name,
  department: departments.name,
  campaign: campaigns.name,
};

function present(r: { l: LessonRow; author: string | null; department: string | null; campaign: string | null }): LessonView {
  const l = r.l;
  return {
    id: l.id,
    authorId: l.authorId,
    author: r.author,
    departmentId: l.departmentId,
    department: r.department,
    campaignId: l.campaignId,
    campaign: r.campaign,
    reviewVersion: l.reviewVersion,
    runId: l.runId,
    fact: l.fact,
    cause: l.cause,
    insight: l.insight,
    action: l.action,
    kpi: l.kpi,
    channel: l.channel,
    outcome: l.outcome,
    lang: l.lang,
    shared: l.shared,
    createdAt: l.createdAt.toISOString(),
    updatedAt: l.updatedAt.toISOString(),
  };
}

/** Dates are whole days in UTC: `to=2026-06-30` includes that day. */
function bound(value: string, end: boolean): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const d = new Date(`${value}T00:00:00Z`);
    return end ? new Date(d.getTime() + 86_400_000) : d;
  }
  return new Date(value);
}

export interface LessonSearchResult {
  items: (LessonView & { rank: number | null; highlight: LessonHighlight })[];
  page: number;
  limit: number;
  total: number;
}

/** The database or a transaction someone else holds (a lesson task records its lesson in the completion's). */
export type LessonExecutor = Pick<Database, 'select' | 'insert' | 'transaction'>;

export class LessonService {
  constructor(private readonly db: Database) {}

  private async row(id: string, db: LessonExecutor = this.db) {
    const [r] = await db
      .select(selection)
      .from(lessons)
      .leftJoin(users, eq(users.id, lessons.authorId))
      .leftJoin(departments, eq(departments.id, lessons.departmentId))
      .leftJoin(campaigns, eq(campaigns.id, lessons.campaignId))
      .where(eq(lessons.id, id));
    return r;
  }

  /** A lesson the actor may see, or the same NotFound as for an id that does not exist. */
  private async visible(id: string, actor: Actor) {
    const r = await this.row(id);
    if (!r || !lessonVisibleTo(actor, r.l)) throw notFound();
    return r;
  }

  /**
   * Records a lesson; the actor is its author when it is a person (null: nobody in particular). The department is the
   * given one, else the campaign's, else the author's. A person may record lessons only where they
   * can read campaigns; an actor `via: 'system'` (a review node's lesson task, recording what its
   * assignee wrote; the demo seed) is not checked.
   */
  async create(input: LessonInput, actor: Actor | null, db: LessonExecutor = this.db): Promise<LessonView> {
    const v = parseOrThrow(lessonInputSchema.safeParse(input));
    let departmentId: string | null = v.departmentId ?? null;
    if (v.campaignId) {
      const [c] = await db.select({ d: campaigns.departmentId }).from(campaigns).where(eq(campaigns.id, v.campaignId));
      // A campaign the author may not see is as absent as one that does not exist.
      if (!c || (actor && !seesDepartment(actor, c.d))) throw invalid('campaignId', 'No such campaign');
      if (v.departmentId === undefined) departmentId = c.d;
    } else if (v.departmentId === undefined) departmentId = actor?.departmentId ?? null;
    if (departmentId && v.departmentId) {
      const [d] = await db.select({ id: departments.id }).from(departments).where(eq(departments.id, departmentId));
      if (!d) throw invalid('departmentId', 'No such department');
    }
    if (actor && actor.via !== 'system' && !can(actor, 'campaigns:read', departmentId) && actor.departmentId !== departmentId)
      throw new Forbidden(said('lesson_own_departments'), [{ path: 'departmentId', message: 'Not yours' }]);
    const texts = { fact: v.fact, cause: v.cause, insight: v.insight, action: v.action, kpi: v.kpi ?? null, channel: v.channel ?? null };
    const lang = v.lang ?? (hasChinese(`${v.fact}${v.cause}${v.insight}${v.action}`) ? 'zh-CN' : 'en');
    // A system actor may carry an id that names nobody (the bench's); only a person is an author.
    const [author] = actor ? await db.select({ id: users.id }).from(users).where(eq(users.id, actor.id)) : [];
    const id = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(lessons)
        .values({
          ...texts,
          ...searchColumns(texts),
          authorId: author?.id ?? null,
          departmentId,
          campaignId: v.campaignId ?? null,
          reviewVersion: v.reviewVersion ?? null,
          runId: v.runId ?? null,
          outcome: v.outcome ?? null,
          lang,
        })
        .returning({ id: lessons.id });
      await audit(tx, actor, { action: 'lesson.create', entityType: 'lesson', entityId: row!.id, departmentId, after: { ...texts, lang } });
      return row!.id;
    });
    return present((await this.row(id, db))!);
  }

  async get(id: string, actor: Actor): Promise<LessonView> {
    return present(await this.visible(id, actor));
  }

  /** Who may change or delete a lesson: its author, and whoever may edit campaigns in its department. */
  private mayEdit(actor: Actor, row: LessonRow): boolean {
    return (row.authorId !== null && row.authorId === actor.id) || can(actor, 'campaigns:write', row.departmentId);
  }

  async update(id: string, patch: LessonPatch, actor: Actor): Promise<LessonView> {
    const p = parseOrThrow(lessonPatchSchema.safeParse(patch));
    const { l } = await this.visible(id, actor);
    if (!this.mayEdit(actor, l)) throw new Forbidden(said('lesson_change_author'));
    const texts: Texts = {
      fact: p.fact ?? l.fact,
      cause: p.cause ?? l.cause,
      insight: p.insight ?? l.insight,
      action: p.action ?? l.action,
      kpi: p.kpi === undefined ? l.kpi : p.kpi,
      channel: p.channel === undefined ? l.channel : p.channel,
    };
    await this.db.transaction(async (tx) => {
      await tx
        .update(lessons)
        .set({
          ...texts,
          ...searchColumns(texts),
          outcome: p.outcome === undefined ? l.outcome : p.outcome,
          lang: p.lang ?? l.lang,
          updatedAt: new Date(),
        })
        .where(eq(lessons.id, id));
      await audit(tx, actor, {
        action: 'lesson.update',
        entityType: 'lesson',
        entityId: id,
        departmentId: l.departmentId,
        before: l,
        after: p,
      });
    });
    return present((await this.row(id))!);
  }

  async remove(id: string, actor: Actor): Promise<void> {
    const { l } = await this.visible(id, actor);
    if (!this.mayEdit(actor, l)) throw new Forbidden(said('lesson_delete_author'));
    await this.db.transaction(async (tx) => {
      await tx.delete(lessons).where(eq(lessons.id, id));
      const { search: _search, ...before } = l;
      await audit(tx, actor, { action: 'lesson.delete', entityType: 'lesson', entityId: id, departmentId: l.departmentId, before });
    });
  }

  /** Admins only: a shared lesson is visible to every department. */
  async setShared(id: string, shared: boolean, actor: Actor): Promise<LessonView> {
    const { l } = await this.visible(id, actor);
    if (!isAdmin(actor)) throw new Forbidden(said('lesson_share_admin'));
    await this.db.transaction(async (tx) => {
      await tx.update(lessons).set({ shared, updatedAt: new Date() }).where(eq(lessons.id, id));
      await audit(tx, actor, {
        action: shared ? 'lesson.share' : 'lesson.unshare',
        entityType: 'lesson',
        entityId: id,
        departmentId: l.departmentId,
        before: { shared: l.shared },
        after: { shared },
      });
    });
    return present((await this.row(id))!);
  }

  /** English stems of the query's non-Chinese words, as PostgreSQL's english config makes them (for highlights). */
  private async stems(terms: LessonSearchTerms): Promise<string[]> {
    if (!terms.latin) return [];
    const r = await this.db.execute<{ lexeme: string }>(
      sql`SELECT DISTINCT lexeme FROM unnest(to_tsvector('english'::regconfig, ${terms.latin})) LIMIT 50`,
    );
    return r.rows.map((x) => x.lexeme);
  }

  /**
   * Full-text search with filters, ranked by ts_rank (weights A: fact and insight, B: the rest), newest
   * first without q. Chinese runs match as phrases of bigrams, other words through the english config.
   */
  async search(query: LessonQuery, actor: Actor): Promise<LessonSearchResult> {
    const q = (query.q ?? '').trim().slice(0, LESSON_LIMITS.query);
    const terms = q ? searchTerms(q) : null;
    let tsquery: SQL | null = null;
    if (terms) {
      const parts: SQL[] = [];
      const zh = chineseTsquery(terms);
      if (zh) parts.push(sql`to_tsquery('simple'::regconfig, ${zh})`);
      if (terms.latin) parts.push(sql`websearch_to_tsquery('english'::regconfig, ${terms.latin})`);
      // Nothing searchable (only punctuation or stop words): an empty tsquery, which matches nothing.
      tsquery = parts.length ? sql.join(parts, sql` && `) : sql`''::tsquery`;
    }
    const where = and(
      visibleWhere(actor),
      query.department ? eq(lessons.departmentId, query.department) : undefined,
      query.channel ? eq(lessons.channel, query.channel) : undefined,
      query.kpi ? eq(lessons.kpi, query.kpi) : undefined,
      query.outcome ? eq(lessons.outcome, query.outcome) : undefined,
      query.campaignId ? eq(lessons.campaignId, query.campaignId) : undefined,
      query.from ? gte(lessons.createdAt, bound(query.from, false)) : undefined,
      query.to ? lt(lessons.createdAt, bound(query.to, true)) : undefined,
      tsquery ? sql`${lessons.search} @@ (${tsquery})` : undefined,
    );
    const rank = tsquery ? sql<number>`ts_rank(${lessons.search}, ${tsquery})` : sql<null>`NULL::float4`;
    const [rows, [count], stems] = await Promise.all([
      this.db
        .select({ ...selection, rank })
        .from(lessons)
        .leftJoin(users, eq(users.id, lessons.authorId))
        .leftJoin(departments, eq(departments.id, lessons.departmentId))
        .leftJoin(campaigns, eq(campaigns.id, lessons.campaignId))
        .where(where)
        .orderBy(...(tsquery ? [sql`${rank} DESC`] : []), desc(lessons.createdAt), desc(lessons.id))
        .limit(query.limit)
        .offset((query.page - 1) * query.limit),
      // Counted up to a bound, so a broad query over a large base costs no more than a page of it.
      this.db
        .execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${lessons} WHERE ${where ?? sql`true`} LIMIT 1000) x`)
        .then((r) => r.rows),
      terms ? this.stems(terms) : Promise.resolve([]),
    ]);
    const mark = (text: string) => (terms ? highlight(text, terms, stems) : [{ text, match: false }]);
    return {
      items: rows.map((r) => ({
        ...present(r),
        rank: r.rank === null ? null : Number(r.rank),
        highlight: { fact: mark(r.l.fact), cause: mark(r.l.cause), insight: mark(r.l.insight), action: mark(r.l.action) },
      })),
      page: query.page,
      limit: query.limit,
      total: Number(count?.n ?? 0),
    };
  }

  /** Visible lessons about any of these channels or KPIs (or these campaigns), newest first. */
  async about(
    actor: Actor,
    filter: { channels: string[]; kpis: string[]; campaignIds: string[]; exceptCampaignId?: string },
    limit: number,
  ) {
    const any = or(
      filter.channels.length ? inArray(lessons.channel, filter.channels) : undefined,
      filter.kpis.length ? inArray(lessons.kpi, filter.kpis) : undefined,
      filter.campaignIds.length ? inArray(lessons.campaignId, filter.campaignIds) : undefined,
    );
    if (!any) return [];
    const rows = await this.db
      .select(selection)
      .from(lessons)
      .leftJoin(users, eq(users.id, lessons.authorId))
      .leftJoin(departments, eq(departments.id, lessons.departmentId))
      .leftJoin(campaigns, eq(campaigns.id, lessons.campaignId))
      .where(
        and(
          visibleWhere(actor),
          any,
          filter.exceptCampaignId ? sql`${lessons.campaignId} IS DISTINCT FROM ${filter.exceptCampaignId}::uuid` : undefined,
        ),
      )
      .orderBy(desc(lessons.createdAt), desc(lessons.id))
      .limit(limit);
    return rows.map(present);
  }
}
