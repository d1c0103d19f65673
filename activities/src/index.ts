import { sendWebhook } from './webhook.ts';
import { approvalActivities, type ApprovalDeps } from './approvals.ts';
import type { CampaignStatusRequest, EmailRequest } from '@flightdeck/workflows';
import type { RegisterRunRequest } from '@flightdeck/workflows/temporal';
import type { Mailer } from './email.ts';
import { deliveryActivities, type DeliveryLedger } from './deliver.ts';

export interface ActivityDeps {
  approvals: ApprovalDeps;
  mailer: Mailer;
  setCampaignStatus(req: CampaignStatusRequest): Promise<void>;
  deliveries: DeliveryLedger;
  /** Records a run a Temporal Schedule started (idempotent by workflow id). */
  registerRun(req: RegisterRunRequest): Promise<void>;
}

/** The activities a worker registers, keyed by the names nodes call them by. */
export function createActivities(deps: ActivityDeps) {
  return {
    sendWebhook,
    ...approvalActivities(deps.approvals),
    ...deliveryActivities(deps.deliveries),
    async sendEmail(req: EmailRequest): Promise<{ messageId: string }> {
      return deps.mailer.send({ to: req.to.join(', '), subject: req.subject, text: req.text, html: `<pre style="font:inherit;white-space:pre-wrap">${req.text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!)}</pre>` });
    },
    async registerScheduledRun(req: RegisterRunRequest): Promise<void> {
      await deps.registerRun(req);
    },
    async setCampaignStatus(req: CampaignStatusRequest): Promise<void> {
      await deps.setCampaignStatus(req);
    },
  };
}

export { sendWebhook };
export { createMailer, type Mailer, type OutgoingMail } from './email.ts';
export type { ApprovalDeps } from './approvals.ts';
export type { DeliveryLedger } from './deliver.ts';
export { sendToChannel, ChannelError, CHANNELS, type ChannelConnection } from './channels/index.ts';
