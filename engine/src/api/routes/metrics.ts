import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { INGEST_LIMITS } from '@flightdeck/workflows';
import { defineRoute, hidden, type RouteRegistry } from '../route.ts';
import {
  campaignRefParam,
  ingestResultSchema,
  metricsAnswerSchema,
  metricsBatchSchema,
  metricsCsvSchema,
  metricsQuerySchema,
  problemSchema,
} from '../contracts/index.ts';
import { HttpProblem } from '../problem.ts';
import { NotFound } from '../../services/errors.ts';
import { BatchRefused, type MetricsService } from '../../services/metrics.ts';
import { said } from '@flightdeck/workflows';

const tag = 'Metrics';
const problem = (status: number, description: string) => ({ status, description, schema: problemSchema });
const PATH = '/api/campaigns/:id/metrics';

/** The refusal policy, as the OpenAPI document and the README state it. */
export const INGEST_POLICY =
  `A batch is stored whole or not at all: if any point is bad, nothing is stored and the answer is 422 with every bad point ` +
  `in \`errors\` (path \`points.<index>.<field>\` for JSON, \`line.<line number>.<field>\` for CSV, the header being line 1; ` +
  `at most ${INGEST_LIMITS.listedIssues} listed) and \`rejected\`, the number of bad points. A body that is not a batch at all ` +
  `(not JSON, no points array, more than ${INGEST_LIMITS.points} points, a CSV without the header) is a 400; over ` +
  `${INGEST_LIMITS.bodyBytes} bytes a 413. Points: ts ISO 8601 with a zone, years ${INGEST_LIMITS.minYear}–${INGEST_LIMITS.maxYear}; ` +
  `channel a slug of at most ${INGEST_LIMITS.channelChars} characters; metric a raw metric (impressions, clicks, conversions, spend, ` +
  `revenue, new_customers, negative_mentions; case and aliases forgiven, derived KPIs and unknown names refused); value finite, ` +
  `|value| ≤ 1e15; dimensions at most ${INGEST_LIMITS.dimensionKeys} short string pairs. The same campaign, channel, metric, ts ` +
  `and dimensions again replaces the value (last write wins; \`replaced\` counts them); points may arrive in any order. ` +
  `API tokens need the ingest scope, which allows this route and nothing else.`;

/**
 * This route's bodies are larger than the API's 1 MB and may be CSV, so it parses its own before the
 * app's JSON parser (which then sees a body already read). A body over the limit names this limit.
 */
export function metricsBodyParser(): Router {
  const r = Router();
  const json = express.json({ limit: INGEST_LIMITS.bodyBytes, strict: true, type: ['application/json', 'application/*+json'] });
  const csv = express.text({ limit: INGEST_LIMITS.bodyBytes, type: ['text/csv'] });
  const tooLarge = (err: unknown, next: NextFunction) =>
    (err as { type?: string } | undefined)?.type === 'entity.too.large'
      ? next(new HttpProblem(413, 'Payload too large', said('metrics_too_large', { bytes: INGEST_LIMITS.bodyBytes })))
      : next(err);
  r.post(PATH, (req: Request, res: Response, next: NextFunction) =>
    json(req, res, (err?: unknown) => (err ? tooLarge(err, next) : next())),
  );
  r.post(PATH, (req: Request, res: Response, next: NextFunction) => csv(req, res, (err?: unknown) => (err ? tooLarge(err, next) : next())));
  return r;
}

export function metricsRoutes(registry: RouteRegistry, metrics: MetricsService): Router {
  const r = Router();
  const dept = async (q: { params: { id: string } }) => (await metrics.resolveCampaign(q.params.id)).departmentId;

  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: PATH,
      tag,
      scope: 'ingest',
      access: { permission: 'campaigns:write', in: dept },
      summary: `Ingest metric points (JSON {points} or text/csv; at most ${INGEST_LIMITS.points} a batch, stored whole or not at all)`,
      description: INGEST_POLICY,
      params: campaignRefParam,
      documentedBody: { 'application/json': metricsBatchSchema, 'text/csv': metricsCsvSchema },
      responses: [
        { status: 200, description: 'Stored', schema: ingestResultSchema },
        problem(400, 'Not a batch (no points array, too many points, no CSV header)'),
        problem(404, 'No such campaign, or one you may not see'),
        problem(413, 'Body too large'),
        problem(415, 'Neither JSON nor CSV'),
        problem(422, 'Bad points: nothing stored; errors name each one'),
      ],
    },
    async ({ params, req }) => {
      const campaign = await metrics.resolveCampaign(params.id);
      let points;
      try {
        if (req.is('text/csv') && typeof req.body === 'string') points = metrics.checkCsv(req.body);
        else if (req.is('application/json') || req.is('application/*+json')) points = metrics.checkJson(req.body);
        else throw new HttpProblem(415, 'Unsupported media type', said('send_json_or_csv'));
      } catch (err) {
        if (!(err instanceof BatchRefused)) throw err;
        throw new HttpProblem(422, 'Invalid request', err.message, err.issues, { accepted: 0, replaced: 0, rejected: err.badPoints });
      }
      try {
        return { status: 200, body: await metrics.ingest(campaign.id, points) };
      } catch (err) {
        // Deleted since the route found it: the same answer as for a campaign that never was.
        throw err instanceof NotFound ? hidden('params.id') : err;
      }
    },
  );

  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: PATH,
      tag,
      access: { permission: 'campaigns:read', in: dept },
      summary: 'Read metric points in a window, raw or summed per hour (bucket=1h), at most 50,000 rows in time order',
      params: campaignRefParam,
      query: metricsQuerySchema,
      responses: [
        { status: 200, description: 'The points', schema: metricsAnswerSchema },
        problem(400, 'A bad window, channel or metric'),
        problem(404, 'No such campaign, or one you may not see'),
      ],
    },
    async ({ params, query }) => {
      const campaign = await metrics.resolveCampaign(params.id);
      return { status: 200, body: await metrics.query(campaign.id, query) };
    },
  );
  return r;
}
