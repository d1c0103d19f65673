import { Router } from 'express';
import { z } from 'zod';
import {
  listRunsQuery,
  problemSchema,
  runActionBody,
  runActivitiesSchema,
  runDeliveriesSchema,
  runPageSchema,
  runSchema,
  startRunBody,
  uuidParam,
} from '../contracts/index.ts';
import { defineRoute, type ParsedRequest, type RouteRegistry } from '../route.ts';
import type { FlowService } from '../../services/flows.ts';
import type { CampaignService } from '../../services/campaigns.ts';
import { can, seesDepartment } from '../../auth/access.ts';
import { HttpProblem, notFound } from '../problem.ts';
import { decodeRunCursor, type RunService } from '../../services/runs.ts';
import type { Actor } from '../../auth/access.ts';
import type { RunChangeFeed } from '../../services/run-changes.ts';
import { streamRunChanges } from '../run-events.ts';
import type { RunStreamAdmission } from '../run-stream-admission.ts';
import { said } from '@flightdeck/workflows';

/** What the run view's stream needs besides the runs: the change feed and the bound on open streams. */
export interface RunStreams {
  feed: RunChangeFeed;
  admission: RunStreamAdmission;
  heartbeatMs?: number;
}

const tag = 'Runs';
const problem = (status: number, description: string) => ({ status, description, schema: problemSchema });

export function runRoutes(
  registry: RouteRegistry,
  runs: RunService,
  flows: FlowService,
  campaigns: CampaignService,
  streams: RunStreams,
): Router {
  const r = Router();
  const runDept = (q: ParsedRequest<{ id: string }, unknown, unknown>) => runs.departmentOf(q.params.id);
  // Running against a campaign reads it, so the caller must be allowed to read that campaign too.
  // A campaign in a department the caller cannot see is answered as one that does not exist.
  const mayReadCampaign = async (actor: Actor, campaignId: string | null | undefined) => {
    if (!campaignId) return;
    const department = await campaigns.departmentOf(campaignId);
    if (!can(actor, 'campaigns:read', department)) {
      throw seesDepartment(actor, department)
        ? new HttpProblem(403, 'Forbidden', 'You need the campaigns:read permission for that campaign')
        : notFound('Campaign', campaignId);
    }
  };
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/flows/:id/runs',
      tag,
      access: { permission: 'runs:start', in: (q) => flows.departmentOf(q.params.id) },
      summary: 'Start a run of a published version',
      params: uuidParam,
      body: startRunBody,
      responses: [
        { status: 201, description: 'Started', schema: runSchema },
        problem(400, 'Invalid input'),
        problem(404, 'No such flow'),
        problem(409, 'Not published'),
        problem(503, 'Temporal unavailable'),
      ],
    },
    async ({ params, body, actor }) => {
      await mayReadCampaign(actor, body.campaignId);
      const run = await runs.start(actor, params.id, body);
      return { status: 201, body: run, headers: { location: `/api/runs/${run.id}` } };
    },
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/runs',
      tag,
      access: { permission: 'runs:read', in: 'any' },
      summary: 'List runs: by flow, campaign, status, version and start time, or text in their input; newest first, a page at a time',
      description:
        "`q` is matched literally (ignoring case) against each run's input as JSON, keys and values, at most " +
        '100 characters; a search that would take over 5 s is stopped with a 422 asking to narrow it. ' +
        '`startedFrom` is inclusive and `startedTo` exclusive. Pages follow `nextCursor`.',
      query: listRunsQuery,
      responses: [
        { status: 200, description: 'Runs, newest first', schema: runPageSchema },
        problem(400, 'Invalid query: the problem names the field'),
        problem(422, 'The search took too long'),
      ],
    },
    async ({ query, actor }) => {
      const after = query.cursor ? decodeRunCursor(query.cursor) : undefined;
      if (after === null)
        throw new HttpProblem(400, 'Invalid request', said('cursor_foreign'), [
          { path: 'query.cursor', message: 'Not a cursor from this API' },
        ]);
      const { cursor: _cursor, ...filter } = query;
      return { status: 200, body: await runs.list(actor, { ...filter, ...(after ? { after } : {}) }) };
    },
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/runs/:id',
      tag,
      access: { permission: 'runs:read', in: runDept },
      summary: 'Read a run with per-node state and its pinned graph',
      params: uuidParam,
      responses: [{ status: 200, description: 'The run', schema: runSchema }, problem(404, 'No such run')],
    },
    async ({ params }) => ({
      status: 200,
      body: await runs.get(params.id),
    }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/runs/:id/events',
      tag,
      access: { permission: 'runs:read', in: runDept },
      summary: 'The run as server-sent events: `run` each time it changes, `end` once it is over',
      description:
        'text/event-stream. Each `run` event carries the run without its graph (the RunLive schema), first as it is now ' +
        'and then whenever it changes (an approval decided, a task completed, an activity finished, a timer fired; re-read every ' +
        '15 s, with a heartbeat comment). An `end` event follows the last `run` of a run that is over, and the stream closes. ' +
        'At most a few streams per person and a bounded total: beyond them, 429.',
      params: uuidParam,
      responses: [
        { status: 200, description: 'The event stream', schema: z.string(), mediaType: 'text/event-stream' },
        problem(404, 'No such run'),
        problem(429, 'Too many streams open'),
      ],
    },
    async ({ params, actor, res }) => {
      const release = streams.admission.admit(actor.id);
      try {
        const first = await runs.live(params.id);
        await streamRunChanges({
          res,
          first,
          read: () => runs.live(params.id),
          feed: streams.feed,
          heartbeatMs: streams.heartbeatMs,
        });
      } finally {
        release();
      }
      // The stream has answered already; defineRoute sends this only when the client left before it opened.
      return { status: 200, body: '' };
    },
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/runs/:id/deliveries',
      tag,
      access: { permission: 'runs:read', in: runDept },
      summary:
        "This run's messages with their status (held, sending, sent, failed): failed and held first, at most 500, with counts of all",
      params: uuidParam,
      responses: [
        { status: 200, description: 'Deliveries: failed and held first, then oldest first', schema: runDeliveriesSchema },
        problem(404, 'No such run'),
      ],
    },
    async ({ params }) => ({
      status: 200,
      body: await runs.deliveries(params.id),
    }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/runs/:id/activities',
      tag,
      access: { permission: 'runs:read', in: runDept },
      summary: "The activities the run's workflow called, each with its node, attempts, outcome, error and times",
      description:
        "Read from Temporal's history of the run's latest workflow run (after a continue-as-new or a retry, that one), at most " +
        '1,000. The node is the one whose execution key the arguments carry (webhooks, deliveries, tasks, reviews, monitors).',
      params: uuidParam,
      responses: [
        { status: 200, description: 'The activities, in the order they were scheduled', schema: runActivitiesSchema },
        problem(404, 'No such run'),
      ],
    },
    async ({ params }) => ({ status: 200, body: await runs.activities(params.id) }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/runs/:id/cancel',
      tag,
      access: { permission: 'runs:cancel', in: runDept },
      summary: 'Cancel a running run',
      params: uuidParam,
      responses: [
        { status: 202, description: 'Cancellation requested', schema: runSchema },
        problem(404, 'No such run'),
        problem(409, 'The run has ended'),
      ],
    },
    async ({ params, actor }) => ({ status: 202, body: await runs.cancel(actor, params.id) }),
  );
  // Whoever may start runs of the flow may repeat one; the department is the flow's, read through the run.
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/runs/:id/rerun',
      tag,
      access: { permission: 'runs:start', in: runDept },
      summary: 'Start a new run of the same flow version with the same input and campaign, linked to this one',
      description:
        'The new run names this one in `rerunOf`, and this one lists it in `reruns`; both are in the audit log with who asked. ' +
        'The campaign is read as it is now (every run takes its snapshot when it starts).',
      params: uuidParam,
      body: runActionBody,
      responses: [
        { status: 201, description: 'The new run', schema: runSchema },
        problem(404, 'No such run'),
        problem(409, "A sub-flow's run (re-run its parent), or the version cannot run"),
        problem(503, 'Temporal unavailable'),
      ],
    },
    async ({ params, body, actor }) => {
      await mayReadCampaign(actor, await runs.campaignOf(params.id));
      const run = await runs.rerun(actor, params.id, body.reason);
      return { status: 201, body: run, headers: { location: `/api/runs/${run.id}` } };
    },
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/runs/:id/retry',
      tag,
      access: { permission: 'runs:start', in: runDept },
      summary: 'Retry a failed run from its failed node (a Temporal reset of its workflow)',
      description:
        "Resets the run's workflow to the workflow task before the failed node's activity was scheduled: what ran before " +
        'is kept and not repeated, the failed step and anything after it run again with the same idempotency keys, so ' +
        'messages the delivery ledger has sent are not sent again. The run goes back to running under the same id. ' +
        "Only failed runs (else 409); not a sub-flow's run, and not a node that failed without calling out.",
      params: uuidParam,
      body: runActionBody,
      responses: [
        { status: 202, description: 'The run, running again', schema: runSchema },
        problem(404, 'No such run'),
        problem(409, 'Not a failed run, or one that cannot be retried (the problem says why)'),
      ],
    },
    async ({ params, body, actor }) => ({ status: 202, body: await runs.retry(actor, params.id, body.reason) }),
  );
  return r;
}
