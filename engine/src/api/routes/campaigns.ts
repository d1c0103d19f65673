import { Router } from 'express';
import { defineRoute, type ParsedRequest, type RouteRegistry } from '../route.ts';
import {
  campaignBodySchema,
  campaignPhasesBodySchema,
  campaignSchema,
  campaignStatusBody,
  campaignUpdatedSchema,
  list,
  problemSchema,
  scenarioSchema,
  uuidParam,
} from '../contracts/index.ts';
import { CAMPAIGN_STATUSES } from '@flightdeck/workflows';
import { z } from 'zod';
import { HttpProblem } from '../problem.ts';
import { can } from '../../auth/access.ts';
import type { CampaignService } from '../../services/campaigns.ts';
import type { PeopleService } from '../../services/people.ts';

const tag = 'Campaigns';
const problem = (status: number, description: string) => ({ status, description, schema: problemSchema });

export function campaignRoutes(registry: RouteRegistry, campaigns: CampaignService, people: PeopleService): Router {
  const r = Router();
  const dept = (q: ParsedRequest<{ id: string }, unknown, unknown>) => campaigns.departmentOf(q.params.id);

  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/campaigns',
      tag,
      access: { permission: 'campaigns:read', in: 'any' },
      summary: 'List campaigns',
      query: z.strictObject({ status: z.enum(CAMPAIGN_STATUSES).optional() }),
      responses: [{ status: 200, description: 'Campaigns', schema: list(campaignSchema) }],
    },
    async ({ actor, query }) => ({ status: 200, body: { items: await campaigns.list(actor, query.status) } }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/campaigns',
      tag,
      access: { permission: 'campaigns:write', in: async (q) => q.body.departmentId ?? q.actor.departmentId },
      summary: 'Create a campaign',
      body: campaignBodySchema,
      responses: [{ status: 201, description: 'Created', schema: campaignSchema }, problem(400, 'Invalid')],
    },
    async ({ actor, body }) => ({ status: 201, body: await campaigns.create(actor, body) }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/campaigns/import',
      tag,
      // The department comes by name inside the file; importing into one needs the right there, checked below.
      access: { permission: 'campaigns:write', in: 'any' },
      summary: 'Import a scenario file (../shared/scenarios/*.campaign.json) as it is; re-importing updates it',
      body: scenarioSchema,
      responses: [
        { status: 201, description: 'Imported', schema: campaignSchema },
        problem(400, 'Invalid file'),
        problem(403, 'Not allowed in that department'),
      ],
    },
    async ({ actor, body }) => {
      const existing = (await people.listDepartments()).find((d) => d.name === body.department);
      if (!can(actor, 'campaigns:write', existing?.id ?? null))
        throw new HttpProblem(403, 'Forbidden', `You need the campaigns:write permission in ${body.department}`);
      return { status: 201, body: await campaigns.importScenario(actor, body, (name) => people.ensureDepartment(actor, name)) };
    },
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/campaigns/:id',
      tag,
      access: { permission: 'campaigns:read', in: dept },
      summary: 'Read a campaign',
      params: uuidParam,
      responses: [{ status: 200, description: 'The campaign', schema: campaignSchema }, problem(404, 'No such campaign')],
    },
    async ({ params }) => ({
      status: 200,
      body: await campaigns.get(params.id),
    }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'put',
      path: '/api/campaigns/:id',
      tag,
      access: { permission: 'campaigns:write', in: dept },
      summary: 'Update a campaign',
      params: uuidParam,
      body: campaignBodySchema,
      responses: [{ status: 200, description: 'Updated', schema: campaignUpdatedSchema }],
    },
    async ({ actor, params, body }) => ({ status: 200, body: await campaigns.update(actor, params.id, body) }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'put',
      path: '/api/campaigns/:id/phases',
      tag,
      access: { permission: 'campaigns:write', in: dept },
      summary: "Move a campaign's phase dates; runs waiting for a phase follow the new dates (notifiedRuns says how many were told)",
      params: uuidParam,
      body: campaignPhasesBodySchema,
      responses: [
        { status: 200, description: 'Updated', schema: campaignUpdatedSchema },
        problem(400, 'Invalid dates'),
        problem(422, "Not the campaign's phases (this moves dates only)"),
      ],
    },
    async ({ actor, params, body }) => ({ status: 200, body: await campaigns.updatePhases(actor, params.id, body.phases) }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/campaigns/:id/status',
      tag,
      access: { permission: 'campaigns:write', in: dept },
      summary: 'Move a campaign to another status (draft → pending approval → approved → scheduled → live …)',
      params: uuidParam,
      body: campaignStatusBody,
      responses: [{ status: 200, description: 'Changed', schema: campaignSchema }, problem(409, 'Not allowed from the current status')],
    },
    async ({ actor, params, body }) => ({ status: 200, body: await campaigns.setStatus(actor, params.id, body.status) }),
  );
  return r;
}
