import { Router } from 'express';
import { defineRoute, hidden, type RouteRegistry } from '../route.ts';
import {
  lessonInputSchema,
  lessonPatchSchema,
  lessonQuerySchema,
  lessonSchema,
  lessonSearchSchema,
  lessonSharedBodySchema,
  lessonsRelatedQuerySchema,
  lessonsRelatedSchema,
  problemSchema,
  uuidParam,
} from '../contracts/index.ts';
import type { LessonService } from '../../services/lessons.ts';
import type { RelatedLessonsService } from '../../services/lessons-related.ts';
import { NotFound } from '../../services/errors.ts';

const tag = 'Lessons';
const problem = (status: number, description: string) => ({ status, description, schema: problemSchema });

const SEARCH =
  'Full-text search (PostgreSQL), Chinese included: Chinese runs match as the phrase of their character bigrams, so a ' +
  'two-character word (预算, 达人) finds every lesson that contains it; other words match by English stem. Ranked by ' +
  'ts_rank (fact and insight weigh more than cause, action and tags), newest first without q. `highlight` cuts each text ' +
  'into matched and unmatched runs. Visible: lessons of your departments, shared ones, and all for a global grant.';

/**
 * The lessons knowledge base. Every signed-in reader of campaigns may search and record lessons; which
 * lessons they see is the service's rule (lessonVisibleTo), so a lesson outside it answers the same 404
 * as a made-up id.
 */
export function lessonRoutes(registry: RouteRegistry, lessons: LessonService, related: RelatedLessonsService): Router {
  const r = Router();
  const reader = { permission: 'campaigns:read', in: 'any' } as const;

  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/lessons',
      tag,
      access: reader,
      summary: 'Search lessons (q) and filter them by department, channel, KPI, outcome and date',
      description: SEARCH,
      query: lessonQuerySchema,
      responses: [{ status: 200, description: 'A page of matches', schema: lessonSearchSchema }, problem(400, 'Invalid query')],
    },
    async ({ actor, query }) => ({ status: 200, body: await lessons.search(query, actor) }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/lessons',
      tag,
      access: reader,
      summary: 'Record a lesson (fact, cause, insight, action), in the campaign’s department by default',
      body: lessonInputSchema,
      responses: [
        { status: 201, description: 'Recorded', schema: lessonSchema },
        problem(400, 'Invalid lesson'),
        problem(403, 'Not a department of yours'),
        problem(422, 'No such campaign or department'),
      ],
    },
    async ({ actor, body }) => ({ status: 201, body: await lessons.create(body, actor) }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/lessons/related',
      tag,
      access: reader,
      summary: 'Past lessons and the attainment of comparable campaigns (same channels or goals), for a campaign or a plan',
      query: lessonsRelatedQuerySchema,
      responses: [
        { status: 200, description: 'Lessons and comparable campaigns', schema: lessonsRelatedSchema },
        problem(400, 'Invalid query'),
        problem(404, 'No such campaign, or one you may not see'),
      ],
    },
    async ({ actor, query }) => {
      try {
        return { status: 200, body: await related.related(actor, query) };
      } catch (err) {
        if (err instanceof NotFound) throw hidden();
        throw err;
      }
    },
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/lessons/:id',
      tag,
      access: reader,
      summary: 'Read a lesson',
      params: uuidParam,
      responses: [{ status: 200, description: 'The lesson', schema: lessonSchema }, problem(404, 'No such lesson, or one you may not see')],
    },
    async ({ actor, params }) => ({ status: 200, body: await lessons.get(params.id, actor) }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'patch',
      path: '/api/lessons/:id',
      tag,
      access: reader,
      summary: 'Change a lesson (its author, or an editor of campaigns in its department)',
      params: uuidParam,
      body: lessonPatchSchema,
      responses: [
        { status: 200, description: 'Changed', schema: lessonSchema },
        problem(400, 'Invalid change'),
        problem(403, 'Not yours to change'),
        problem(404, 'No such lesson, or one you may not see'),
      ],
    },
    async ({ actor, params, body }) => ({ status: 200, body: await lessons.update(params.id, body, actor) }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'delete',
      path: '/api/lessons/:id',
      tag,
      access: reader,
      summary: 'Delete a lesson (its author, or an editor of campaigns in its department)',
      params: uuidParam,
      responses: [
        { status: 204, description: 'Deleted' },
        problem(403, 'Not yours to delete'),
        problem(404, 'No such lesson, or one you may not see'),
      ],
    },
    async ({ actor, params }) => {
      await lessons.remove(params.id, actor);
      return { status: 204 };
    },
  );
  defineRoute(
    r,
    registry,
    {
      method: 'put',
      path: '/api/lessons/:id/shared',
      tag,
      access: reader,
      summary: 'Share a lesson with every department, or stop sharing it (admins only)',
      params: uuidParam,
      body: lessonSharedBodySchema,
      responses: [
        { status: 200, description: 'The lesson', schema: lessonSchema },
        problem(403, 'Admins only'),
        problem(404, 'No such lesson, or one you may not see'),
      ],
    },
    async ({ actor, params, body }) => ({ status: 200, body: await lessons.setShared(params.id, body.shared, actor) }),
  );
  return r;
}
