import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { CAMPAIGN_STATUS_NEXT as NEXT, campaignNoticeKey, type CampaignStatus } from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import { campaigns, departments, runs, users, type CampaignRow } from '../db/schema.ts';
import { HttpProblem, notFound } from '../api/problem.ts';
import { can, scopeOf, type Actor } from '../auth/access.ts';
import { audit } from './audit.ts';
import { Invalid } from './errors.ts';
import type { NotifyRun } from './connections.ts';
import { campaignBodySchema, type CampaignBody, type scenarioSchema } from '../api/contracts/campaigns.ts';

export { CAMPAIGN_STATUSES, type CampaignStatus } from '@flightdeck/workflows';

type PhaseLike = { name: string; startsAt: string; endsAt: string };
/** Same names and the same instants: jsonb reorders keys, and one time has many spellings. */
function samePhases(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) =>
    JSON.stringify(((v ?? []) as PhaseLike[]).map((p) => [p.name, Date.parse(p.startsAt), Date.parse(p.endsAt)]));
  return norm(a) === norm(b);
}

export function presentCampaign(row: CampaignRow, departmentName: string | null) {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    ownerId: row.ownerId,
    departmentId: row.departmentId,
    department: departmentName,
    status: row.status,
    timezone: row.timezone,
    goals: row.goals as CampaignBody['goals'],
    budget: row.budget as CampaignBody['budget'],
    phases: row.phases as CampaignBody['phases'],
    channels: row.channels as CampaignBody['channels'],
    extra: row.extra as Record<string, unknown>,
    launchedAt: row.launchedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
export type CampaignView = ReturnType<typeof presentCampaign>;

/** The channels a campaign works on: those it names and those its budget lines spend on. */
export const campaignChannels = (c: Pick<CampaignView, 'channels' | 'budget'>) => [
  ...new Set([...(c.channels ?? []).map((x) => x.name), ...(c.budget?.lines ?? []).map((l) => l.channel)]),
];

export class CampaignService {
  constructor(
    private readonly db: Database,
    /** Tells a waiting run its campaign's phases changed; absent, waits keep the dates they started with. */
    private readonly notifyRun?: NotifyRun,
  ) {}

  /**
   * After a commit that changed a campaign's phase dates: every running run of that campaign is
   * told, so a wait for a phase follows the new date. Returns how many runs heard it.
   */
  private async phasesChanged(id: string, before: unknown, after: unknown): Promise<number> {
    if (!this.notifyRun || samePhases(before, after)) return 0;
    const running = await this.db
      .select({ workflowId: runs.workflowId })
      .from(runs)
      .where(and(eq(runs.campaignId, id), eq(runs.status, 'running')));
    // A run that ended meanwhile cannot be signalled, and needs nothing.
    const told = await Promise.allSettled(running.map((r) => this.notifyRun!(r.workflowId, campaignNoticeKey(id))));
    return told.filter((t) => t.status === 'fulfilled').length;
  }

  async departmentOf(id: string): Promise<string | null> {
    const [row] = await this.db.select({ d: campaigns.departmentId }).from(campaigns).where(eq(campaigns.id, id));
    if (!row) throw notFound('Campaign', id);
    return row.d;
  }

  async get(id: string): Promise<CampaignView> {
    const [row] = await this.db
      .select({ c: campaigns, dept: departments.name })
      .from(campaigns)
      .leftJoin(departments, eq(departments.id, campaigns.departmentId))
      .where(eq(campaigns.id, id));
    if (!row) throw notFound('Campaign', id);
    return presentCampaign(row.c, row.dept);
  }

  /** What a run carries: the campaign plus its owner's name and address, for messages. */
  async snapshot(id: string) {
    const view = await this.get(id);
    const owner = view.ownerId ? await this.db.query.users.findFirst({ where: eq(users.id, view.ownerId) }) : undefined;
    return { ...view, owner: owner ? { id: owner.id, name: owner.name, email: owner.email, phone: owner.phone } : null };
  }

  async list(actor: Actor, status?: CampaignStatus) {
    const scope = scopeOf(actor, 'campaigns:read');
    const rows = await this.db
      .select({ c: campaigns, dept: departments.name })
      .from(campaigns)
      .leftJoin(departments, eq(departments.id, campaigns.departmentId))
      .where(
        and(
          scope === 'all' ? undefined : scope.length ? inArray(campaigns.departmentId, scope) : sql`false`,
          status ? eq(campaigns.status, status) : undefined,
        ),
      )
      .orderBy(desc(campaigns.updatedAt))
      .limit(500);
    return rows.map((r) => presentCampaign(r.c, r.dept));
  }

  async create(actor: Actor, body: CampaignBody, extra: { slug?: string; extra?: Record<string, unknown> } = {}) {
    const values = {
      name: body.name,
      departmentId: body.departmentId ?? actor.departmentId,
      ownerId: body.ownerId ?? actor.id,
      timezone: body.timezone,
      goals: body.goals,
      budget: body.budget,
      phases: body.phases,
      channels: body.channels,
      extra: extra.extra ?? {},
      slug: extra.slug ?? null,
    };
    return this.db
      .transaction(async (tx) => {
        const existing = extra.slug ? await tx.query.campaigns.findFirst({ where: eq(campaigns.slug, extra.slug) }) : undefined;
        // Re-importing overwrites (and may move) the campaign with this file id: the caller must be allowed to write it where it is now.
        if (existing && !can(actor, 'campaigns:write', existing.departmentId)) {
          throw new HttpProblem(403, 'Forbidden', 'You need the campaigns:write permission for the campaign this file updates');
        }
        const [row] = existing
          ? await tx
              .update(campaigns)
              .set({ ...values, updatedAt: new Date() })
              .where(eq(campaigns.id, existing.id))
              .returning()
          : await tx.insert(campaigns).values(values).returning();
        await audit(tx, actor, {
          action: existing ? 'campaign.reimported' : 'campaign.created',
          entityType: 'campaign',
          entityId: row!.id,
          departmentId: row!.departmentId,
          before: existing ?? null,
          after: values,
        });
        return { id: row!.id, phasesBefore: existing?.phases };
      })
      .then(async ({ id, phasesBefore }) => {
        if (phasesBefore) await this.phasesChanged(id, phasesBefore, values.phases);
        return this.get(id);
      });
  }

  async update(actor: Actor, id: string, body: CampaignBody) {
    return this.write(actor, id, {
      name: body.name,
      timezone: body.timezone,
      goals: body.goals,
      budget: body.budget,
      phases: body.phases,
      channels: body.channels,
      ...(body.ownerId ? { ownerId: body.ownerId } : {}),
    });
  }

  /** Moves the phase dates only (the campaign page's date editor): the phases stay the same ones. */
  async updatePhases(actor: Actor, id: string, phases: CampaignBody['phases']) {
    const current = (await this.get(id)).phases;
    const names = (list: { name: string }[]) =>
      list
        .map((p) => p.name)
        .sort()
        .join(', ');
    if (names(current) !== names(phases)) {
      throw new HttpProblem(
        422,
        'Phases differ',
        `This moves dates only; the campaign's phases are: ${names(current) || 'none'}. ` +
          `Change the phases themselves with PUT /api/campaigns/${id}.`,
        [{ path: 'phases', message: `Give dates for exactly these phases: ${names(current) || 'none'}` }],
      );
    }
    return this.write(actor, id, { phases });
  }

  private async write(
    actor: Actor,
    id: string,
    changes: Partial<Pick<CampaignRow, 'name' | 'timezone' | 'goals' | 'budget' | 'phases' | 'channels' | 'ownerId'>>,
  ) {
    const before = await this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(campaigns).where(eq(campaigns.id, id)).for('update');
      if (!row) throw notFound('Campaign', id);
      const [after] = await tx
        .update(campaigns)
        .set({ ...changes, updatedAt: new Date() })
        .where(eq(campaigns.id, id))
        .returning();
      await audit(tx, actor, {
        action: 'campaign.updated',
        entityType: 'campaign',
        entityId: id,
        departmentId: after!.departmentId,
        before: row,
        after,
      });
      return row;
    });
    const notifiedRuns = changes.phases ? await this.phasesChanged(id, before.phases, changes.phases) : 0;
    return { ...(await this.get(id)), notifiedRuns };
  }

  async setStatus(actor: Actor | null, id: string, status: CampaignStatus) {
    return this.db
      .transaction(async (tx) => {
        const [before] = await tx.select().from(campaigns).where(eq(campaigns.id, id)).for('update');
        if (!before) throw notFound('Campaign', id);
        if (before.status === status) return;
        if (!NEXT[before.status].includes(status)) {
          throw new HttpProblem(
            409,
            'Status change not allowed',
            `A ${before.status} campaign can become: ${NEXT[before.status].join(', ') || 'nothing (it has ended)'}`,
            [{ path: 'status', message: `Not allowed from ${before.status}` }],
          );
        }
        await tx.update(campaigns).set({ status, updatedAt: new Date() }).where(eq(campaigns.id, id));
        await audit(tx, actor, {
          action: 'campaign.status_changed',
          entityType: 'campaign',
          entityId: id,
          departmentId: before.departmentId,
          before: { status: before.status },
          after: { status },
        });
      })
      .then(() => this.get(id));
  }

  /**
   * A launch node's effect: the campaign goes live (from approved, scheduled or paused) and the
   * first launch time is kept, so a relaunch after a pause does not rewrite history.
   */
  async launch(id: string, cause: { runId: string; nodeId: string }) {
    return this.db.transaction(async (tx) => {
      const [before] = await tx.select().from(campaigns).where(eq(campaigns.id, id)).for('update');
      if (!before) throw notFound('Campaign', id);
      if (before.status === 'live')
        return { status: 'live' as const, launchedAt: (before.launchedAt ?? before.updatedAt).toISOString(), alreadyLive: true };
      if (!NEXT[before.status].includes('live')) {
        throw new HttpProblem(
          409,
          'Launch not allowed',
          `A ${before.status} campaign cannot go live; it must be approved, scheduled or paused first`,
        );
      }
      const launchedAt = before.launchedAt ?? new Date();
      await tx.update(campaigns).set({ status: 'live', launchedAt, updatedAt: new Date() }).where(eq(campaigns.id, id));
      await audit(tx, null, {
        action: 'campaign.launched',
        entityType: 'campaign',
        entityId: id,
        departmentId: before.departmentId,
        before: { status: before.status },
        after: { status: 'live', launchedAt: launchedAt.toISOString(), ...cause },
      });
      return { status: 'live' as const, launchedAt: launchedAt.toISOString(), alreadyLive: false };
    });
  }

  /** Imports a scenario file as it is: department by name (created if new), re-import updates by its id. */
  async importScenario(actor: Actor, raw: z.output<typeof scenarioSchema>, ensureDepartment: (name: string) => Promise<{ id: string }>) {
    const dept = await ensureDepartment(raw.department);
    const { id: slug, name, department: _d, goals, budget, phases, channels, timezone, ...rest } = raw;
    const checked = campaignBodySchema.safeParse({
      name,
      departmentId: dept.id,
      timezone: timezone ?? 'Asia/Shanghai',
      goals,
      budget: { total: budget.total, currency: budget.currency, contingencyRatio: budget.contingency_ratio, lines: budget.lines },
      phases: phases.map((p) => ({ name: p.name, startsAt: p.starts_at, endsAt: p.ends_at })),
      channels,
    });
    // The file's own names for the fields, so the importer can find what to fix.
    const FILE_NAMES: Record<string, string> = { startsAt: 'starts_at', endsAt: 'ends_at', contingencyRatio: 'contingency_ratio' };
    if (!checked.success) {
      throw new Invalid(
        `The scenario file has ${checked.error.issues.length} problem(s)`,
        checked.error.issues.map((i) => ({
          path: i.path.map((k) => FILE_NAMES[String(k)] ?? String(k)).join('.'),
          message: i.message,
          code: i.code,
        })),
      );
    }
    return this.create(actor, checked.data, { slug, extra: rest });
  }
}
