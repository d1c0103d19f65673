import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { defineRoute, type RouteRegistry, type RouteSpec } from '../route.ts';
import { hookAcceptedSchema, hookSecretSchema, problemSchema, uuidParam } from '../contracts/index.ts';
import { HttpProblem, sendProblem } from '../problem.ts';
import type { HookService } from '../../services/hooks.ts';
import type { FlowService } from '../../services/flows.ts';
import { RateLimited, type HookGuard } from '../../auth/throttle.ts';
import { clientIp } from '../authenticate.ts';
import {
  HookAbandoned,
  HookAdmission,
  HookBusy,
  HOOK_MAX_OPEN_RUNS,
  HOOK_MAX_QUEUED,
  HOOK_MAX_STARTING,
  HOOK_OPEN_HOLD_MS,
  HOOK_QUEUE_MS,
} from '../hook-admission.ts';
import { said } from '@flightdeck/workflows';

/**
 * The inbound endpoint's contract. It is mounted by hand (below), not by defineRoute, and stays out
 * of the route registry (the signature is its authentication, where the access matrix and the fuzz
 * take every registered route to be a token's); /api/openapi.json lists it beside the registry.
 * api-docs.test.ts holds its answers to this.
 */
export const inboundHookContract: RouteSpec<typeof uuidParam, z.ZodType, z.ZodType> = {
  method: 'post',
  path: '/api/hooks/:id',
  tag: 'Flows',
  access: 'public',
  summary: 'A signed event (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature) starts a run of the published version',
  description:
    'The body is any JSON (at most 1 MB), signed over its exact bytes. The signature is checked first. Runs that ' +
    'events start are bounded: while ' +
    `${HOOK_MAX_OPEN_RUNS} runs started by events in the last ${HOOK_OPEN_HOLD_MS / 1000} s are open, an event waits ` +
    `for one to end, in turn, for up to ${HOOK_QUEUE_MS / 1000} s behind at most ${HOOK_MAX_QUEUED} others, so a sender ` +
    'is slowed to the rate runs complete. Past that (or past ' +
    `${HOOK_MAX_STARTING} events starting at once) the answer is 503 with Retry-After (seconds), as Standard Webhooks ` +
    'senders expect.',
  documentedBody: { 'application/json': z.unknown() },
  params: uuidParam,
  responses: [
    { status: 202, description: 'Accepted: the run started (or had started for this webhook-id)', schema: hookAcceptedSchema },
    { status: 400, description: 'Not JSON, or JSON with keys or text that cannot be stored', schema: problemSchema },
    { status: 401, description: 'Unsigned, stale or badly signed', schema: problemSchema },
    { status: 404, description: 'Not a flow id', schema: problemSchema },
    {
      status: 409,
      description: 'The published version has another trigger, or this event is still being processed',
      schema: problemSchema,
    },
    { status: 429, description: 'Too many rejected events from this address (see Retry-After)', schema: problemSchema },
    {
      status: 503,
      description:
        `Runs cannot keep up now: too many events starting runs, or ${HOOK_MAX_OPEN_RUNS} runs started by events ` +
        `(in the last ${HOOK_OPEN_HOLD_MS / 1000} s) still open after the event waited ${HOOK_QUEUE_MS / 1000} s ` +
        'or behind a full queue. Retry after Retry-After seconds',
      schema: problemSchema,
    },
  ],
};

/**
 * The inbound endpoint reads the raw body (the signature covers the exact bytes), so it is mounted before the JSON parser.
 * The rate limit comes before the body is read, so a flood costs us as little as possible.
 */
export function inboundHookRoute(hooks: HookService, guard: HookGuard, admission = new HookAdmission()): Router {
  const r = Router();
  const limit: RequestHandler = (req, res, next) => {
    try {
      guard.check(clientIp(req));
      next();
    } catch (err) {
      if (!(err instanceof RateLimited)) throw err;
      res.setHeader('retry-after', String(err.retryAfterSeconds));
      sendProblem(res, err);
    }
  };
  r.post('/api/hooks/:flowId', limit, express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const flowId = String(req.params.flowId);
    if (!uuidParam.shape.id.safeParse(flowId).success) return sendProblem(res, new HttpProblem(404, 'Not found', said('no_such_hook')));
    try {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      // Verified before it may wait for room: a request that is not signed never holds a place in the queue.
      const event = await hooks.verify(flowId, req.headers, raw);
      // A sender that hangs up while its event waits gives its place back, and nothing starts for it.
      const gone = new AbortController();
      res.once('close', () => res.writableEnded || gone.abort());
      let started;
      try {
        started = await admission.admit(() => hooks.start(event), gone.signal);
      } catch (err) {
        if (err instanceof HookAbandoned) return;
        throw err;
      }
      const { runId, duplicate } = started;
      const accepted: z.input<typeof hookAcceptedSchema> = { runId, duplicate, location: `/api/runs/${runId}` };
      res.status(202).json(accepted);
    } catch (err) {
      // Unsigned, stale or badly signed: counts towards this address's lockout.
      if (err instanceof HttpProblem && err.status === 401) guard.rejected(clientIp(req));
      if (err instanceof HookBusy) res.setHeader('retry-after', String(err.retryAfterSeconds));
      throw err;
    }
  });
  return r;
}

export function hookSecretRoute(registry: RouteRegistry, hooks: HookService, flows: FlowService): Router {
  const r = Router();
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/flows/:id/hook-secret',
      tag: 'Flows',
      access: { permission: 'flows:write', in: (q) => flows.departmentOf(q.params.id) },
      summary: 'Create (or rotate) the signing secret for POST /api/hooks/<flow id>; shown once',
      params: uuidParam,
      responses: [
        { status: 201, description: 'The secret and the hook URL', schema: hookSecretSchema },
        { status: 404, description: 'No such flow', schema: problemSchema },
      ],
    },
    async ({ actor, params }) => ({ status: 201, body: await hooks.rotateSecret(actor, params.id, await flows.departmentOf(params.id)) }),
  );
  return r;
}
