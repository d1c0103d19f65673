import { Router } from 'express';
import { defineRoute, type RouteRegistry } from '../route.ts';
import { campaignRefParam, problemSchema, reviewCsvSchema, reviewSchema } from '../contracts/index.ts';
import type { MetricsService } from '../../services/metrics.ts';
import type { ReviewService } from '../../services/reviews.ts';

const tag = 'Reviews';
const problem = (status: number, description: string) => ({ status, description, schema: problemSchema });

const DESCRIPTION =
  'Computed on request from the stored metrics (hourly sums across dimensions), approvals, the launch, alerts and phase ' +
  'date changes: attainment per goal with status bands, efficiency overall, per channel and per phase, budget per line, ' +
  'highlights and a timeline. The document states its own conventions (`conventions`, `bands`). A campaign with no ' +
  'metrics answers 200 with `noData: true` and empty sections. Nothing is stored.';

/** The post-campaign review (复盘): who may read the campaign may read its review; others get the same 404 as for a made-up id. */
export function reviewRoutes(registry: RouteRegistry, reviews: ReviewService, metrics: MetricsService): Router {
  const r = Router();
  const dept = async (q: { params: { id: string } }) => (await metrics.resolveCampaign(q.params.id)).departmentId;

  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/campaigns/:id/review',
      tag,
      access: { permission: 'campaigns:read', in: dept },
      summary: 'The post-campaign review (复盘) as JSON, computed from what is stored now',
      description: DESCRIPTION,
      params: campaignRefParam,
      responses: [
        { status: 200, description: 'The review', schema: reviewSchema },
        problem(404, 'No such campaign, or one you may not see'),
        problem(422, 'The campaign cannot be reviewed (the field is named)'),
      ],
    },
    async ({ params }) => ({ status: 200, body: await reviews.review((await metrics.resolveCampaign(params.id)).id) }),
  );

  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/campaigns/:id/review.csv',
      tag,
      access: { permission: 'campaigns:read', in: dept },
      summary: "The review's figures as CSV (section, scope, metric, actual, target, rate, status)",
      params: campaignRefParam,
      responses: [
        { status: 200, description: 'The figures', schema: reviewCsvSchema, mediaType: 'text/csv; charset=utf-8' },
        problem(404, 'No such campaign, or one you may not see'),
        problem(422, 'The campaign cannot be reviewed (the field is named)'),
      ],
    },
    async ({ params }) => {
      const campaign = await metrics.resolveCampaign(params.id);
      return {
        status: 200,
        body: await reviews.csv(campaign.id),
        headers: { 'content-disposition': `attachment; filename="review-${campaign.id}.csv"` },
      };
    },
  );
  return r;
}
