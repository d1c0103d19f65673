import { Context } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';

/**
 * Every activity's end (an approval task mirrored, a message sent, a delivery row written, a campaign moved) may
 * change what its run shows, so the run view's streams are woken after each one, succeeded or failed.
 */
export class AnnounceActivityEnds implements ActivityInboundCallsInterceptor {
  constructor(private readonly announce: (workflowId: string) => void) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) {
    try {
      return await next(input);
    } finally {
      const workflowId = Context.current().info.workflowExecution?.workflowId;
      if (workflowId) this.announce(workflowId);
    }
  }
}
