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
  versionDiffParams,
  versionDiffSchema,
  versionParam,
} from '../contracts/index.ts';
import { defineRoute, type ParsedRequest, type RouteRegistry } from '../route.ts';
import type { FlowService } from '../../services/flows.ts';
import type { ScheduleService } from '../../services/schedules.ts';
import { TEMPLATES, templateIn } from '../../templates/standard-launch-approval.ts';
import { HttpProblem, notFound } from '../problem.ts';
import { z } from 'zod';

const tag = 'Flows';
const problem = (status: number, description: string) => ({ status, description, schema: problemSchema });
const etag = (revision: number) => `"${revision}"`;

/** If-Match as a draft revision: undefined when absent or `*` (any draft will do), 400 naming the header when unreadable. */
export function expectedRevision(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(header);
  if (!m)
    throw new HttpProblem(400, 'Invalid request', 'If-Match must be the ETag of the draft', [
      { path: 'if-match', message: 'Send the ETag as given, e.g. "3"' },
    ]);
  return Number(m[1]);
}

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
      description: "The ETag header is the draft's revision; send it as If-Match when saving.",
      responses: [{ status: 200, description: 'The flow', schema: flowSchema }, problem(404, 'No such flow')],
    },
    async ({ params }) => {
      const flow = await flows.get(params.id);
      return { status: 200, body: flow, headers: { etag: etag(flow.revision) } };
    },
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
      description:
        'Send If-Match with the ETag from reading the flow: when someone saved since, the answer is 409 with the current ' +
        'revision (currentRevision) and nothing is saved. Without If-Match (or with *) the save goes through whatever ' +
        'was saved before, as it always did. The answer carries the new ETag.',
      params: uuidParam,
      body: updateFlowBody,
      responses: [
        { status: 200, description: 'Updated', schema: flowSchema },
        problem(400, 'Invalid request (or an unreadable If-Match)'),
        problem(404, 'No such flow'),
        problem(409, 'The draft changed since the If-Match revision'),
        problem(422, 'Invalid flow document'),
      ],
    },
    async ({ params, body, actor, req }) => {
      const flow = await flows.update(actor, params.id, body, expectedRevision(req.get('if-match')));
      return { status: 200, body: flow, headers: { etag: etag(flow.revision) } };
    },
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
      path: '/api/flows/:id/versions/:a/diff/:b',
      tag,
      access: { permission: 'flows:read', in: flowDept },
      summary: 'Two versions as stored, and what changed from a to b: nodes added, removed, changed (field by field) or moved; edges',
      params: versionDiffParams,
      responses: [
        { status: 200, description: 'The diff', schema: versionDiffSchema },
        problem(400, 'Invalid request'),
        problem(404, 'No such flow or version'),
      ],
    },
    async ({ params }) => ({ status: 200, body: await flows.diff(params.id, params.a, params.b) }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/flows/:id/versions/:n/rollback',
      tag,
      access: { permission: 'flows:publish', in: flowDept },
      summary: 'Publish version n again as a new version (note "Rolled back to vN"); it becomes the draft too',
      description: "The graph as stored is checked by today's validator: 422 naming the field when today's rules refuse it.",
      params: versionParam,
      responses: [
        { status: 201, description: 'Published', schema: flowVersionSchema },
        problem(400, 'Invalid request'),
        problem(404, 'No such flow or version'),
        problem(422, "Today's rules refuse the old graph"),
      ],
    },
    async ({ params, actor }) => {
      const published = await flows.rollback(actor, params.id, params.n);
      await schedules.sync(actor, params.id, await flows.version(params.id, published.version), await flows.departmentOf(params.id));
      return { status: 201, body: published };
    },
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
      // In the creator's language (kept with their account), as the gallery showed it to them.
      const localized = templateIn(template, actor.locale);
      const flow = await flows.create(actor, {
        name: body.name ?? localized.name,
        description: localized.description,
        graph: localized.graph,
        departmentId: body.departmentId,
      });
      return { status: 201, body: flow };
    },
  );
  return r;
}
