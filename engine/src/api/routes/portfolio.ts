import { Router } from 'express';
import { defineRoute, type RouteRegistry } from '../route.ts';
import {
  campaignRefParam,
  comparisonSchema,
  portfolioCsvSchema,
  portfolioQuerySchema,
  portfolioSchema,
  problemSchema,
} from '../contracts/index.ts';
import type { MetricsService } from '../../services/metrics.ts';
import type { PortfolioService } from '../../services/portfolio.ts';

const tag = 'Dashboards';
const problem = (status: number, description: string) => ({ status, description, schema: problemSchema });

const DESCRIPTION =
  'Every campaign the caller may read (scoped by department as GET /api/campaigns), with its status, the phase running now, ' +
  "attainment per goal and overall (the review's convention: actual ÷ target, target ÷ actual for a lower-is-better goal; " +
  'bands < 0.7 under, 0.7–0.9 at risk, 0.9–1.1 on track, > 1.1 over), ROI and budget use (spent ÷ planned), from the stored ' +
  'metrics. A campaign without metrics has null figures (no value), never zero. A query value that does not fit is a 422 naming it.';

/** The portfolio dashboard and the campaign comparison: who may read a campaign sees it here, nobody else. */
export function portfolioRoutes(registry: RouteRegistry, portfolio: PortfolioService, metrics: MetricsService): Router {
  const r = Router();
  const badQuery = problem(422, 'A query value that does not fit (the field is named)');

  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/portfolio',
      tag,
      access: { permission: 'campaigns:read', in: 'any' },
      summary: 'The portfolio: campaigns with status, phase, attainment, ROI and budget use; sorted and filtered',
      description: DESCRIPTION,
      query: portfolioQuerySchema,
      queryStatus: 422,
      responses: [{ status: 200, description: 'The campaigns', schema: portfolioSchema }, badQuery],
    },
    async ({ actor, query }) => ({ status: 200, body: await portfolio.portfolio(actor, query) }),
  );

  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/portfolio.csv',
      tag,
      access: { permission: 'campaigns:read', in: 'any' },
      summary: 'The portfolio as CSV, with the same sort and filters',
      query: portfolioQuerySchema,
      queryStatus: 422,
      responses: [
        { status: 200, description: 'One campaign a row', schema: portfolioCsvSchema, mediaType: 'text/csv; charset=utf-8' },
        badQuery,
      ],
    },
    async ({ actor, query }) => ({
      status: 200,
      body: await portfolio.csv(actor, query),
      headers: { 'content-disposition': 'attachment; filename="portfolio.csv"' },
    }),
  );

  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/campaigns/:id/comparison',
      tag,
      access: { permission: 'campaigns:read', in: async (q) => (await metrics.resolveCampaign(q.params.id)).departmentId },
      summary: 'This campaign per KPI against comparable past campaigns (ended, sharing a channel or a goal KPI, visible to you)',
      description:
        "Per KPI (the campaign's goals first, then CTR, CVR, CPA, CPM, ROI, AOV, new-customer share): this campaign's value, " +
        "the past campaigns' values, their median, and this campaign's rank (1 is best, by the KPI's better direction). " +
        'Ended: completed, or not cancelled and past its last phase.',
      params: campaignRefParam,
      responses: [
        { status: 200, description: 'The comparison', schema: comparisonSchema },
        problem(404, 'No such campaign, or one you may not see'),
      ],
    },
    async ({ params, actor }) => {
      const { id } = await metrics.resolveCampaign(params.id);
      return { status: 200, body: await portfolio.comparison(actor, id) };
    },
  );
  return r;
}
