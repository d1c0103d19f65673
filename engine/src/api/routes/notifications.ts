import { Router } from 'express';
import { defineRoute, type RouteRegistry } from '../route.ts';
import { markReadBody, notificationListQuery, notificationListSchema, problemSchema, unreadSchema } from '../contracts/index.ts';
import type { NotificationService } from '../../services/notifications.ts';

const tag = 'Notifications';

export function notificationRoutes(registry: RouteRegistry, notifications: NotificationService): Router {
  const r = Router();
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/notifications',
      tag,
      access: 'signed_in',
      summary: 'My in-app notifications (the bell), newest first, with the unread count',
      query: notificationListQuery,
      responses: [
        { status: 200, description: 'Notifications', schema: notificationListSchema },
        { status: 400, description: 'Invalid query', schema: problemSchema },
      ],
    },
    async ({ actor, query }) => ({ status: 200, body: await notifications.list(actor.id, query.limit) }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/notifications/read',
      tag,
      access: 'signed_in',
      summary: 'Mark some (ids) or all of my notifications read',
      body: markReadBody,
      responses: [
        { status: 200, description: 'The unread count after', schema: unreadSchema },
        { status: 400, description: 'Invalid body', schema: problemSchema },
      ],
    },
    async ({ actor, body }) => ({ status: 200, body: await notifications.markRead(actor.id, body) }),
  );
  return r;
}
