import type { z } from 'zod';
import { seesDepartment, type Actor } from '../auth/access.ts';
import type { LessonsRelated, lessonsRelatedQuerySchema } from '../api/contracts/lessons.ts';
import { campaignChannels, type CampaignService, type CampaignView } from './campaigns.ts';
import type { LessonService } from './lessons.ts';
import type { PortfolioService } from './portfolio.ts';
import { DomainError, NotFound } from './errors.ts';
import { said } from '@flightdeck/workflows';

type RelatedQuery = z.output<typeof lessonsRelatedQuerySchema>;

/** A handful of comparable campaigns: what fits beside a flow. */
const COMPARABLE = 5;

const names = (list: string | undefined) =>
  [...new Set((list ?? '').split(',').map((s) => s.trim()))].filter((s) => s.length > 0 && s.length <= 64).slice(0, 30);
const channelsOf = campaignChannels;
const kpisOf = (c: CampaignView) => [...new Set(c.goals.map((g) => g.kpi))];

/**
 * What the editor shows when a campaign is created or its flow is drawn: the visible lessons about its
 * channels and goals (or a plan's, before the campaign exists), and how comparable past campaigns did
 * against their goals (the portfolio's attainment: the review's goal rows over their totals, read in one query).
 */
export class RelatedLessonsService {
  constructor(
    private readonly lessons: LessonService,
    private readonly campaigns: CampaignService,
    private readonly portfolio: PortfolioService,
  ) {}

  async related(actor: Actor, query: RelatedQuery): Promise<LessonsRelated> {
    let channels = names(query.channels);
    let kpis = names(query.kpis);
    let self: CampaignView | undefined;
    if (query.campaignId) {
      self = await this.campaigns.get(query.campaignId).catch((err: unknown) => {
        if (err instanceof DomainError || (err as { status?: number }).status === 404) throw new NotFound(said('no_campaign'));
        throw err;
      });
      if (!seesDepartment(actor, self.departmentId)) throw new NotFound(said('no_campaign'));
      channels = [...new Set([...channels, ...channelsOf(self)])];
      kpis = [...new Set([...kpis, ...kpisOf(self)])];
    }
    const others = (await this.campaigns.list(actor))
      .filter((c) => c.id !== self?.id)
      .map((c) => ({
        c,
        sharedChannels: channelsOf(c).filter((x) => channels.includes(x)),
        sharedKpis: kpisOf(c).filter((k) => kpis.includes(k)),
      }))
      .filter((x) => x.sharedChannels.length + x.sharedKpis.length > 0)
      // Most in common first; among equals, the ones that have run (they have something to show).
      .sort(
        (a, b) =>
          b.sharedChannels.length + b.sharedKpis.length - (a.sharedChannels.length + a.sharedKpis.length) ||
          Number(b.c.launchedAt !== null) - Number(a.c.launchedAt !== null),
      )
      .slice(0, COMPARABLE);
    const [lessons, attainment] = await Promise.all([
      this.lessons.about(actor, { channels, kpis, campaignIds: others.map((o) => o.c.id), exceptCampaignId: self?.id }, query.limit),
      this.portfolio.attainment(others.map((o) => o.c)),
    ]);
    const campaigns = others.map(({ c, sharedChannels, sharedKpis }) => ({
      id: c.id,
      name: c.name,
      status: c.status,
      sharedChannels,
      sharedKpis,
      attainment: (attainment.get(c.id) ?? []).map((g) => ({
        kpi: g.kpi,
        target: g.target,
        actual: g.actual,
        rate: g.rate,
        status: g.status,
      })),
    }));
    return { lessons, campaigns };
  }
}
