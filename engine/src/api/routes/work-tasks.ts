import { Router } from 'express';
import { defineRoute, type RouteRegistry } from '../route.ts';
import { list, problemSchema, uuidParam, workTaskCompleteBody, workTaskListQuery, workTaskSchema } from '../contracts/index.ts';
import type { WorkTaskService } from '../../services/work-tasks.ts';

const tag = 'Tasks';
const problem = (status: number, description: string) => ({ status, description, schema: problemSchema });

/** Work tasks a flow gave people (human.task, lesson tasks). Who may see and complete one is the service's rule. */
export function workTaskRoutes(registry: RouteRegistry, tasks: WorkTaskService): Router {
  const r = Router();
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/tasks',
      tag,
      access: 'signed_in',
      summary: 'My tasks: assigned to me, or to a role I hold where it was assigned',
      query: workTaskListQuery,
      responses: [{ status: 200, description: 'Tasks', schema: list(workTaskSchema) }, problem(400, 'Invalid filter')],
    },
    async ({ actor, query }) => ({ status: 200, body: { items: await tasks.mine(actor, query) } }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/tasks/:id',
      tag,
      access: 'signed_in',
      summary: 'One task',
      params: uuidParam,
      responses: [{ status: 200, description: 'The task', schema: workTaskSchema }, problem(404, 'No such task, or not one you may see')],
    },
    async ({ actor, params }) => ({ status: 200, body: await tasks.get(actor, params.id) }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/tasks/:id/complete',
      tag,
      access: 'signed_in',
      summary: 'Complete a task: a lesson task with the lesson (fact, cause, insight, action, KPI, channel, outcome), else a note',
      params: uuidParam,
      body: workTaskCompleteBody,
      responses: [
        { status: 200, description: 'Done: the task as it is now', schema: workTaskSchema },
        problem(400, 'A lesson field is missing or too long'),
        problem(403, 'Not its assignee'),
        problem(404, 'No such task, or not one you may see'),
        problem(409, 'Already done, timed out or cancelled'),
        problem(422, 'Lesson fields on a plain task'),
      ],
    },
    async ({ actor, params, body }) => ({ status: 200, body: await tasks.complete(actor, params.id, body) }),
  );
  return r;
}
