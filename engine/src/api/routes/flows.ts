import { Router } from 'express';
import {
  createFlowBody,
  flowSchema,
  flowSummarySchema,
  flowTemplateSchema,
  flowVersionSchema,
  list,
  problemSchema,
  publishBody,
  scheduleAnswerSchema,
  templateFlowBody,
  unpublishedSchema,
  updateFlowBody,
  uuidParam,
} from '../contracts/index.ts';
import { defineRoute, type ParsedRequest, type RouteRegistry } from '../route.ts';
import type { FlowService } from '../../services/flows.ts';
import type { ScheduleService } from '../../services/schedules.ts';
import { TEMPLATES } from '../../templates/standard-launch-approval.ts';
import { notFound } from '../problem.ts';
import { z } from 'zod';

const tag = 'Flows';
const problem = (status: number, description: string) => ({ status, description, schema: problemSchema });

export function flowRoutes(registry: RouteRegistry, flows: FlowService, schedules: ScheduleService): Router {
  const r = Router();
  const flowDept = (req: ParsedRequest<{ id: string }, unknown, unknown>) => flows.departmentOf(req.params.id);
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/flows',
      tag,
      access: { permission: 'flows:read', in: 'any' },
      summary: 'List flows',
      responses: [{ status: 200, description: 'Flows, newest first', schema: list(flowSummarySchema) }],
    },
    async ({ actor }) => ({
      status: 200,
      body: { items: await flows.list(actor) },
    }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/flows',
      tag,
      access: { permission: 'flows:write', in: async (q) => q.body.departmentId ?? q.actor.departmentId },
      summary: 'Create a flow (a draft)',
      body: createFlowBody,
      responses: [
        { status: 201, description: 'Created', schema: flowSchema },
        problem(400, 'Invalid request'),
        problem(422, 'Invalid flow document'),
      ],
    },
    async ({ body, actor }) => {
      const flow = await flows.create(actor, body);
      return { status: 201, body: flow, headers: { location: `/api/flows/${flow.id}` } };
    },
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/flows/:id',
      tag,
      access: { permission: 'flows:read', in: flowDept },
      summary: 'Read a flow with its draft graph and validator findings',
      params: uuidParam,
      responses: [{ status: 200, description: 'The flow', schema: flowSchema }, problem(404, 'No such flow')],
    },
    async ({ params }) => ({
      status: 200,
      body: await flows.get(params.id),
    }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'put',
      path: '/api/flows/:id',
      tag,
      access: { permission: 'flows:write', in: flowDept },
      summary: 'Update a flow draft',
      params: uuidParam,
      body: updateFlowBody,
      responses: [
        { status: 200, description: 'Updated', schema: flowSchema },
        problem(400, 'Invalid request'),
        problem(404, 'No such flow'),
        problem(422, 'Invalid flow document'),
      ],
    },
    async ({ params, body, actor }) => ({ status: 200, body: await flows.update(actor, params.id, body) }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/flows/:id/versions',
      tag,
      access: { permission: 'flows:publish', in: flowDept },
      summary: 'Publish the draft as a new immutable version',
      params: uuidParam,
      body: publishBody,
      responses: [
        { status: 201, description: 'Published', schema: flowVersionSchema },
        problem(404, 'No such flow'),
        problem(422, 'The draft does not validate'),
      ],
    },
    async ({ params, body, actor }) => {
      const published = await flows.publish(actor, params.id, body.note);
      // A schedule follows the newest version: created, replaced, or removed when the trigger is not a schedule.
      await schedules.sync(actor, params.id, await flows.version(params.id, published.version), await flows.departmentOf(params.id));
      return { status: 201, body: published };
    },
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/flows/:id/versions',
      tag,
      access: { permission: 'flows:read', in: flowDept },
      summary: 'List published versions',
      params: uuidParam,
      responses: [{ status: 200, description: 'Versions, newest first', schema: list(flowVersionSchema) }, problem(404, 'No such flow')],
    },
    async ({ params }) => ({
      status: 200,
      body: { items: await flows.versions(params.id) },
    }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/flows/:id/schedule',
      tag,
      access: { permission: 'flows:read', in: flowDept },
      summary: "The flow's Temporal Schedule: next and recent runs, overlap and catch-up policies (null when unscheduled)",
      params: uuidParam,
      responses: [{ status: 200, description: 'The schedule or null', schema: scheduleAnswerSchema }],
    },
    async ({ params }) => ({ status: 200, body: { schedule: await schedules.describe(params.id) } }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/flows/:id/unpublish',
      tag,
      access: { permission: 'flows:publish', in: flowDept },
      summary: 'Stop the flow starting on its own: removes its schedule (versions and runs stay)',
      params: uuidParam,
      responses: [{ status: 200, description: 'Unpublished', schema: unpublishedSchema }],
    },
    async ({ params, actor }) => ({
      status: 200,
      body: { scheduleRemoved: await schedules.remove(actor, params.id, await flows.departmentOf(params.id), 'unpublished') },
    }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/templates',
      tag: 'Templates',
      access: 'signed_in',
      summary: 'Flow templates to start from',
      responses: [{ status: 200, description: 'Templates', schema: list(flowTemplateSchema) }],
    },
    async () => ({
      status: 200,
      body: {
        items: TEMPLATES.map((t) => ({ id: t.id, name: t.name, description: t.description, text: { 'zh-CN': t.zh }, graph: t.graph })),
      },
    }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/templates/:templateId/flows',
      tag: 'Templates',
      access: { permission: 'flows:write', in: async (q) => q.body.departmentId ?? q.actor.departmentId, hidesOutsiders: false },
      summary: 'Create a flow (a draft) from a template',
      params: z.strictObject({ templateId: z.string().max(100) }),
      body: templateFlowBody,
      responses: [{ status: 201, description: 'Created', schema: flowSchema }, problem(404, 'No such template')],
    },
    async ({ params, body, actor }) => {
      const template = TEMPLATES.find((t) => t.id === params.templateId);
      if (!template) throw notFound('Template', params.templateId);
      const flow = await flows.create(actor, {
        name: body.name ?? template.name,
        description: template.description,
        graph: template.graph,
        departmentId: body.departmentId,
      });
      return { status: 201, body: flow };
    },
  );
  return r;
}
