import { Router } from 'express';
import { defineRoute, type ParsedRequest, type RouteRegistry } from '../route.ts';
import {
  connectionBody,
  connectionPatch,
  connectionPauseBody,
  connectionResumedSchema,
  connectionSchema,
  connectionTestBody,
  connectionTestResultSchema,
  list,
  problemSchema,
  uuidParam,
} from '../contracts/index.ts';
import type { ConnectionService } from '../../services/connections.ts';
import { z } from 'zod';

const tag = 'Channels';
const problem = (status: number, description: string) => ({ status, description, schema: problemSchema });

export function connectionRoutes(registry: RouteRegistry, connections: ConnectionService): Router {
  const r = Router();
  const dept = (q: ParsedRequest<{ id: string }, unknown, unknown>) => connections.departmentOf(q.params.id);
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/connections',
      tag,
      access: { permission: 'connections:read', in: 'any' },
      summary: 'Channel connections of my departments (secrets never included)',
      responses: [{ status: 200, description: 'Connections', schema: list(connectionSchema) }],
    },
    async ({ actor }) => ({
      status: 200,
      body: { items: await connections.list(actor) },
    }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/connections',
      tag,
      access: { permission: 'connections:manage', in: async (q) => q.body.departmentId ?? q.actor.departmentId },
      summary: 'Create a channel connection; its secrets are sealed with AES-256-GCM',
      body: connectionBody,
      responses: [{ status: 201, description: 'Created', schema: connectionSchema }, problem(400, 'Invalid or incomplete secrets')],
    },
    async ({ actor, body }) => ({ status: 201, body: await connections.create(actor, body) }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/connections/:id',
      tag,
      access: { permission: 'connections:read', in: dept },
      summary: 'One connection (secrets never included)',
      params: uuidParam,
      responses: [{ status: 200, description: 'The connection', schema: connectionSchema }, problem(404, 'No such connection')],
    },
    async ({ params }) => ({
      status: 200,
      body: await connections.get(params.id),
    }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'put',
      path: '/api/connections/:id',
      tag,
      access: { permission: 'connections:manage', in: dept },
      summary: 'Rename a connection, change its settings (quiet hours, rate limit, sender) or replace some of its secrets',
      params: uuidParam,
      body: connectionPatch,
      responses: [
        { status: 200, description: 'The connection', schema: connectionSchema },
        problem(400, 'Invalid settings or secrets'),
        problem(404, 'No such connection'),
      ],
    },
    async ({ actor, params, body }) => ({ status: 200, body: await connections.update(actor, params.id, body) }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/connections/:id/test',
      tag,
      access: { permission: 'connections:manage', in: dept },
      summary: "Send a test message now; answers with what the provider said (ok: false with the provider's message when it refused)",
      params: uuidParam,
      body: connectionTestBody,
      responses: [
        { status: 200, description: 'The outcome', schema: connectionTestResultSchema },
        {
          status: 422,
          description: 'The destination is refused by the outbound policy (FLIGHTDECK_OUTBOUND_ALLOW); names the secret holding the URL',
          schema: problemSchema,
        },
      ],
    },
    async ({ actor, params, body }) => ({ status: 200, body: await connections.sendTest(actor, params.id, body.text) }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/connections/:id/pause',
      tag,
      access: { permission: 'connections:manage', in: dept },
      summary: 'Pause a channel: every run holds its messages for it until it is resumed (nothing is dropped)',
      params: uuidParam,
      body: connectionPauseBody,
      responses: [{ status: 200, description: 'The connection, paused', schema: connectionSchema }, problem(404, 'No such connection')],
    },
    async ({ actor, params, body }) => ({
      status: 200,
      body: (await connections.setPaused(actor, params.id, true, body.reason || null)).connection,
    }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/connections/:id/resume',
      tag,
      access: { permission: 'connections:manage', in: dept },
      summary: 'Resume a paused channel; runs holding messages for it are signalled and send them now',
      params: uuidParam,
      body: z.strictObject({}),
      responses: [
        { status: 200, description: 'The connection, with how many waiting runs were told', schema: connectionResumedSchema },
        problem(404, 'No such connection'),
      ],
    },
    async ({ actor, params }) => {
      const { connection, resumedRuns } = await connections.setPaused(actor, params.id, false, null);
      return { status: 200, body: { ...connection, resumedRuns } };
    },
  );
  defineRoute(
    r,
    registry,
    {
      method: 'delete',
      path: '/api/connections/:id',
      tag,
      access: { permission: 'connections:manage', in: dept },
      summary: 'Delete a connection',
      params: uuidParam,
      responses: [{ status: 204, description: 'Deleted' }],
    },
    async ({ actor, params }) => {
      await connections.remove(actor, params.id);
      return { status: 204 };
    },
  );
  return r;
}
