import { sendWebhook } from './webhook.ts';

/** The activities a worker registers, keyed by the names nodes call them by. */
export function createActivities() {
  return { sendWebhook };
}

export { sendWebhook };
