import { Router } from 'express';
import { createFlowBody, flowSchema, flowSummarySchema, flowVersionSchema, list, problemSchema, publishBody, updateFlowBody, uuidParam } from '../contracts.ts';
import { defineRoute, type RouteRegistry } from '../route.ts';
import type { FlowService } from '../../services/flows.ts';

const tag = 'Flows';
const problem = (status: number, description: string) => ({ status, description, schema: problemSchema });

export function flowRoutes(registry: RouteRegistry, flows: FlowService): Router {
  const r = Router();
  defineRoute(r, registry, { method: 'get', path: '/api/flows', tag, summary: 'List flows', responses: [{ status: 200, description: 'Flows, newest first', schema: list(flowSummarySchema) }] }, async () => ({
    status: 200,
    body: { items: await flows.list() },
  }));
  defineRoute(
    r,
    registry,
    { method: 'post', path: '/api/flows', tag, summary: 'Create a flow (a draft)', body: createFlowBody, responses: [{ status: 201, description: 'Created', schema: flowSchema }, problem(400, 'Invalid request'), problem(422, 'Invalid flow document')] },
    async ({ body }) => {
      const flow = await flows.create(body);
      return { status: 201, body: flow, headers: { location: `/api/flows/${flow.id}` } };
    },
  );
  defineRoute(r, registry, { method: 'get', path: '/api/flows/:id', tag, summary: 'Read a flow with its draft graph and validator findings', params: uuidParam, responses: [{ status: 200, description: 'The flow', schema: flowSchema }, problem(404, 'No such flow')] }, async ({ params }) => ({
    status: 200,
    body: await flows.get(params.id),
  }));
  defineRoute(
    r,
    registry,
    { method: 'put', path: '/api/flows/:id', tag, summary: 'Update a flow draft', params: uuidParam, body: updateFlowBody, responses: [{ status: 200, description: 'Updated', schema: flowSchema }, problem(400, 'Invalid request'), problem(404, 'No such flow'), problem(422, 'Invalid flow document')] },
    async ({ params, body }) => ({ status: 200, body: await flows.update(params.id, body) }),
  );
  defineRoute(
    r,
    registry,
    { method: 'post', path: '/api/flows/:id/versions', tag, summary: 'Publish the draft as a new immutable version', params: uuidParam, body: publishBody, responses: [{ status: 201, description: 'Published', schema: flowVersionSchema }, problem(404, 'No such flow'), problem(422, 'The draft does not validate')] },
    async ({ params, body }) => ({ status: 201, body: await flows.publish(params.id, body.note) }),
  );
  defineRoute(r, registry, { method: 'get', path: '/api/flows/:id/versions', tag, summary: 'List published versions', params: uuidParam, responses: [{ status: 200, description: 'Versions, newest first', schema: list(flowVersionSchema) }, problem(404, 'No such flow')] }, async ({ params }) => ({
    status: 200,
    body: { items: await flows.versions(params.id) },
  }));
  return r;
}
