import { Router } from 'express';
import { list, listRunsQuery, problemSchema, runSchema, startRunBody, uuidParam } from '../contracts.ts';
import { defineRoute, type RouteRegistry } from '../route.ts';
import type { RunService } from '../../services/runs.ts';

const tag = 'Runs';
const problem = (status: number, description: string) => ({ status, description, schema: problemSchema });

export function runRoutes(registry: RouteRegistry, runs: RunService): Router {
  const r = Router();
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/flows/:id/runs',
      tag,
      summary: 'Start a run of a published version',
      params: uuidParam,
      body: startRunBody,
      responses: [{ status: 201, description: 'Started', schema: runSchema }, problem(400, 'Invalid input'), problem(404, 'No such flow'), problem(409, 'Not published'), problem(503, 'Temporal unavailable')],
    },
    async ({ params, body }) => {
      const run = await runs.start(params.id, body);
      return { status: 201, body: run, headers: { location: `/api/runs/${run.id}` } };
    },
  );
  defineRoute(r, registry, { method: 'get', path: '/api/runs', tag, summary: 'List runs', query: listRunsQuery, responses: [{ status: 200, description: 'Runs, newest first', schema: list(runSchema) }, problem(400, 'Invalid query')] }, async ({ query }) => ({
    status: 200,
    body: { items: await runs.list(query) },
  }));
  defineRoute(r, registry, { method: 'get', path: '/api/runs/:id', tag, summary: 'Read a run with per-node state and its pinned graph', params: uuidParam, responses: [{ status: 200, description: 'The run', schema: runSchema }, problem(404, 'No such run')] }, async ({ params }) => ({
    status: 200,
    body: await runs.get(params.id),
  }));
  defineRoute(
    r,
    registry,
    { method: 'post', path: '/api/runs/:id/cancel', tag, summary: 'Cancel a running run', params: uuidParam, responses: [{ status: 202, description: 'Cancellation requested', schema: runSchema }, problem(404, 'No such run'), problem(409, 'The run has ended')] },
    async ({ params }) => ({ status: 202, body: await runs.cancel(params.id) }),
  );
  return r;
}
