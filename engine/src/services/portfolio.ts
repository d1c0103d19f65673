import { sql } from 'drizzle-orm';
import { addToSums, compareWithPast, metricIdOf, portfolioCsv, portfolioFigures, RAW_METRICS, type RawSums } from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import type { Actor } from '../auth/access.ts';
import { systemClock, type Clock } from '../auth/throttle.ts';
import type { CampaignComparison, Portfolio, PortfolioQuery } from '../api/contracts/portfolio.ts';
import { campaignChannels, type CampaignService, type CampaignView } from './campaigns.ts';

type Row = Portfolio['items'][number];

const goalMetrics = (c: CampaignView) => [
  ...new Set(c.goals.map((g) => metricIdOf(g.kpi)).filter((m): m is NonNullable<typeof m> => m !== undefined)),
];

/** A campaign whose time is over: completed, or (not cancelled) its last phase has ended. */
function ended(c: CampaignView, now: number): boolean {
  if (c.status === 'completed') return true;
  if (c.status === 'cancelled' || c.phases.length === 0) return false;
  const last = Math.max(...c.phases.map((p) => Date.parse(p.endsAt)));
  return Number.isFinite(last) && last <= now;
}

const compareNullable = (a: number | string | null, b: number | string | null, dir: 1 | -1) => {
  if (a === null || b === null) return a === null ? (b === null ? 0 : 1) : -1;
  return (a < b ? -1 : a > b ? 1 : 0) * dir;
};

/**
 * The dashboards: every campaign the caller may see with its attainment, ROI and budget use, and one
 * campaign against comparable past ones. Figures come from the shared maths in workflows/ over the
 * campaigns' totals, read for all of them in one grouped query (no per-campaign scans).
 */
export class PortfolioService {
  constructor(
    private readonly db: Database,
    private readonly campaigns: CampaignService,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Sums per campaign and raw metric, across channels, hours and dimensions: one row per campaign and metric. */
  async totals(ids: readonly string[]): Promise<Map<string, RawSums>> {
    const out = new Map<string, RawSums>(ids.map((id) => [id, {}]));
    if (!ids.length) return out;
    // Summed in the points' key order: a double's sum depends on the order, and a scan's order is not fixed, so the
    // same page and its CSV could differ in the last digit (seen in CI).
    const result = await this.db.execute<{ campaign_id: string; metric: string; value: number | string }>(sql`
      SELECT campaign_id, metric, sum(value ORDER BY ts, channel, dimensions_key)::float8 AS value FROM metric_points
      WHERE campaign_id = ANY(${sql.param([...ids])}::uuid[]) AND metric = ANY(${sql.param([...RAW_METRICS])}::text[])
      GROUP BY 1, 2`);
    for (const r of result.rows) {
      const value = Number(r.value);
      // A sum past the metric bound (many points at the bound) has no value rather than failing the page.
      try {
        addToSums(out.get(r.campaign_id)!, r.metric, value);
      } catch {
        /* left out: no value */
      }
    }
    return out;
  }

  /** Attainment per goal for a few campaigns at once (the related-lessons panel), from one totals query; none without metrics. */
  async attainment(list: readonly CampaignView[]): Promise<Map<string, Row['goals']>> {
    const totals = await this.totals(list.map((c) => c.id));
    const now = this.clock();
    return new Map(
      list.map((c) => {
        const f = portfolioFigures(c, totals.get(c.id) ?? {}, now);
        return [c.id, f.hasMetrics ? f.goals : []];
      }),
    );
  }

  async portfolio(actor: Actor, query: PortfolioQuery): Promise<Portfolio> {
    const q = query.q?.trim().toLowerCase();
    const visible = (await this.campaigns.list(actor, query.status)).filter(
      (c) =>
        (!query.department || c.departmentId === query.department) &&
        (!query.channel || campaignChannels(c).includes(query.channel)) &&
        (!q || c.name.toLowerCase().includes(q)),
    );
    const totals = await this.totals(visible.map((c) => c.id));
    const now = this.clock();
    const items: Row[] = visible.map((c) => ({
      id: c.id,
      name: c.name,
      status: c.status,
      departmentId: c.departmentId,
      department: c.department,
      channels: campaignChannels(c),
      currency: c.budget?.currency ?? null,
      updatedAt: c.updatedAt,
      ...portfolioFigures(c, totals.get(c.id) ?? {}, now),
    }));
    const dir = query.order === 'asc' ? 1 : -1;
    const key = (r: Row): number | string | null => {
      switch (query.sort) {
        case 'name':
          return r.name.toLowerCase();
        case 'department':
          return r.department?.toLowerCase() ?? null;
        case 'phase':
          return r.phase;
        case 'status':
        case 'attainment':
        case 'roi':
        case 'budgetUse':
        case 'updatedAt':
          return r[query.sort];
      }
    };
    // Stable, with the name as the tie-break, so a page and its CSV list equals in one order.
    items.sort((a, b) => compareNullable(key(a), key(b), dir) || compareNullable(a.name, b.name, 1) || (a.id < b.id ? -1 : 1));
    return { items, total: items.length };
  }

  async csv(actor: Actor, query: PortfolioQuery): Promise<string> {
    return portfolioCsv((await this.portfolio(actor, query)).items);
  }

  /** This campaign per KPI against the ended campaigns the caller may see that share a channel or a goal's KPI with it. */
  async comparison(actor: Actor, id: string): Promise<CampaignComparison> {
    const self = await this.campaigns.get(id);
    const channels = campaignChannels(self);
    const kpis = goalMetrics(self);
    const now = this.clock();
    const past = (await this.campaigns.list(actor))
      .filter((c) => c.id !== self.id && ended(c, now))
      .map((c) => ({
        c,
        sharedChannels: campaignChannels(c).filter((x) => channels.includes(x)),
        sharedKpis: goalMetrics(c).filter((k) => kpis.includes(k)),
      }))
      .filter((x) => x.sharedChannels.length + x.sharedKpis.length > 0);
    const totals = await this.totals([self.id, ...past.map((p) => p.c.id)]);
    const compared = (c: CampaignView) => ({ id: c.id, name: c.name, total: totals.get(c.id) ?? {}, budget: c.budget });
    return {
      campaign: { id: self.id, name: self.name },
      comparable: past.map(({ c, sharedChannels, sharedKpis }) => ({
        id: c.id,
        name: c.name,
        status: c.status,
        sharedChannels,
        sharedKpis,
      })),
      kpis: compareWithPast(
        { ...compared(self), goals: self.goals },
        past.map((p) => compared(p.c)),
      ),
    };
  }
}
