import { Router } from 'express';
import { deliverySchema, problemSchema, uuidParam } from '../contracts/index.ts';
import { defineRoute, type RouteRegistry } from '../route.ts';
import type { DeliveryResendService } from '../../services/delivery-resend.ts';

const tag = 'Runs';
const problem = (status: number, description: string) => ({ status, description, schema: problemSchema });

export function deliveryRoutes(registry: RouteRegistry, resends: DeliveryResendService): Router {
  const r = Router();
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/deliveries/:id/resend',
      tag,
      access: { permission: 'runs:read', in: (q) => resends.departmentOf(q.params.id) },
      summary:
        'Send an unconfirmed delivery again (the run owner or an administrator): the same rendered message as a new delivery ' +
        'linked to it, recorded in the audit log. It may then arrive twice.',
      params: uuidParam,
      responses: [
        { status: 201, description: 'The new delivery, sent or failed with the provider message', schema: deliverySchema },
        problem(404, 'No such delivery, or not yours to resend'),
        problem(409, 'Not unconfirmed, already resent, nothing recorded to resend, or its connection is paused'),
      ],
    },
    async ({ params, actor }) => ({ status: 201, body: await resends.resend(actor, params.id) }),
  );
  return r;
}
