import { Router } from 'express';
import { reviewCsv } from '@flightdeck/workflows';
import { defineRoute, type RouteRegistry } from '../route.ts';
import {
  campaignRefParam,
  problemSchema,
  reviewCompareQuery,
  reviewComparisonSchema,
  reviewCsvSchema,
  reviewPdfQuery,
  reviewPdfSchema,
  reviewVersionQuery,
  reviewVersionsSchema,
  storedReviewSchema,
} from '../contracts/index.ts';
import type { Actor } from '../../auth/access.ts';
import { Unavailable } from '../../services/errors.ts';
import type { MetricsService } from '../../services/metrics.ts';
import type { ReviewService, StoredReview } from '../../services/reviews.ts';
import type { ReviewPdfRenderer } from '../../services/review-pdf.ts';

const tag = 'Reviews';
const problem = (status: number, description: string) => ({ status, description, schema: problemSchema });

const DESCRIPTION =
  'Computed from the stored metrics (hourly sums across dimensions), approvals, the launch, alerts and phase ' +
  'date changes: attainment per goal with status bands, efficiency overall, per channel and per phase, budget per line, ' +
  'highlights and a timeline. The document states its own conventions (`conventions`, `bands`). A campaign with no ' +
  'metrics answers 200 with `noData: true` and empty sections. Each computation is stored as a version (`stored`): ' +
  'without `version` the latest is answered, and the first request for a campaign with none computes and stores version 1.';

const body = ({ stored, review }: StoredReview) => ({ ...review, stored });
/** The person as a review's requester; an actor that is not a stored person (the system) is kept by name only. */
const requester = (actor: Actor) => ({ actorId: actor.via === 'system' ? null : actor.id, actor: actor.name });

/** The post-campaign review (复盘): who may read the campaign may read its review; others get the same 404 as for a made-up id. */
export function reviewRoutes(registry: RouteRegistry, reviews: ReviewService, metrics: MetricsService, pdf: ReviewPdfRenderer): Router {
  const r = Router();
  const dept = async (q: { params: { id: string } }) => (await metrics.resolveCampaign(q.params.id)).departmentId;
  const notFound = problem(404, 'No such campaign (or one you may not see), or no such version');
  const unreviewable = problem(422, 'The campaign cannot be reviewed (the field is named)');
  const pick = async (id: string, version: number | undefined, actor: Actor) =>
    version === undefined ? reviews.latest(id, requester(actor)) : reviews.version(id, version);

  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/campaigns/:id/review',
      tag,
      access: { permission: 'campaigns:read', in: dept },
      summary: 'The post-campaign review (复盘) as JSON: the latest stored version, or `?version=N`',
      description: DESCRIPTION,
      params: campaignRefParam,
      query: reviewVersionQuery,
      responses: [{ status: 200, description: 'The review', schema: storedReviewSchema }, notFound, unreviewable],
    },
    async ({ params, query, actor }) => {
      const { id } = await metrics.resolveCampaign(params.id);
      return { status: 200, body: body(await pick(id, query.version, actor)) };
    },
  );

  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/campaigns/:id/review',
      tag,
      access: { permission: 'campaigns:write', in: dept },
      summary: 'Recompute the review from what is stored now and keep it as the next version (earlier ones stay)',
      params: campaignRefParam,
      responses: [
        { status: 201, description: 'The new version', schema: storedReviewSchema },
        problem(404, 'No such campaign, or one you may not see'),
        problem(409, 'The campaign keeps no more versions'),
        unreviewable,
      ],
    },
    async ({ params, actor }) => {
      const { id } = await metrics.resolveCampaign(params.id);
      const stored = await reviews.store(id, { ...requester(actor), trigger: 'person' });
      return {
        status: 201,
        body: body(stored),
        headers: { location: `/api/campaigns/${id}/review?version=${stored.stored.version}` },
      };
    },
  );

  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/campaigns/:id/review.csv',
      tag,
      access: { permission: 'campaigns:read', in: dept },
      summary: "A review version's figures as CSV (section, scope, metric, actual, target, rate, status); the latest by default",
      params: campaignRefParam,
      query: reviewVersionQuery,
      responses: [
        { status: 200, description: 'The figures', schema: reviewCsvSchema, mediaType: 'text/csv; charset=utf-8' },
        notFound,
        unreviewable,
      ],
    },
    async ({ params, query, actor }) => {
      const { id } = await metrics.resolveCampaign(params.id);
      const { stored, review } = await pick(id, query.version, actor);
      return {
        status: 200,
        body: reviewCsv(review),
        headers: { 'content-disposition': `attachment; filename="review-${id}-v${stored.version}.csv"` },
      };
    },
  );

  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/campaigns/:id/review.pdf',
      tag,
      access: { permission: 'campaigns:read', in: dept },
      summary: 'A review version as a PDF: the report page printed by headless Chromium; the latest by default',
      description:
        "The page is printed with its print stylesheet, in `lang` (by default the caller's language), one PDF at a time. " +
        'Without Chromium on the server the answer is 503, naming what to install.',
      params: campaignRefParam,
      query: reviewPdfQuery,
      responses: [
        { status: 200, description: 'The report', schema: reviewPdfSchema, mediaType: 'application/pdf' },
        notFound,
        unreviewable,
        problem(503, 'No browser to print with here (the detail says what to install), or too many PDFs at once'),
      ],
    },
    async ({ params, query, actor }) => {
      const { id } = await metrics.resolveCampaign(params.id);
      // Refused before any reading, so a server without a browser costs nothing per request.
      const why = pdf.missing();
      if (why) throw new Unavailable(why, [{ path: 'chromium', message: why }]);
      const stored = await pick(id, query.version, actor);
      const bytes = await pdf.render({
        campaignId: id,
        review: body(stored),
        versions: [stored.stored],
        lang: query.lang ?? actor.locale,
      });
      return {
        status: 200,
        body: bytes,
        headers: { 'content-disposition': `attachment; filename="review-${id}-v${stored.stored.version}.pdf"` },
      };
    },
  );

  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/campaigns/:id/reviews',
      tag,
      access: { permission: 'campaigns:read', in: dept },
      summary: "The campaign's stored review versions, newest first (without their documents)",
      params: campaignRefParam,
      responses: [{ status: 200, description: 'The versions', schema: reviewVersionsSchema }, problem(404, 'No such campaign')],
    },
    async ({ params }) => {
      const { id } = await metrics.resolveCampaign(params.id);
      return { status: 200, body: { versions: await reviews.versions(id) } };
    },
  );

  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/campaigns/:id/reviews/compare',
      tag,
      access: { permission: 'campaigns:read', in: dept },
      summary: 'Which figures changed between two stored versions (`?from=1&to=2`), over the rows of the CSV',
      params: campaignRefParam,
      query: reviewCompareQuery,
      responses: [{ status: 200, description: 'The changed figures', schema: reviewComparisonSchema }, notFound],
    },
    async ({ params, query }) => {
      const { id } = await metrics.resolveCampaign(params.id);
      return { status: 200, body: await reviews.compare(id, query.from, query.to) };
    },
  );
  return r;
}
