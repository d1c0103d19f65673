import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { beginExpressionTask, endExpressionTask } from '../expressions.ts';

/**
 * Every activation of a workflow runs as one call into the sandbox, with the sandbox's execution
 * timeout. When that timeout fires while a promise callback runs (where the interpreter evaluates
 * expressions), Node aborts the whole process ("async hook stack has become corrupted",
 * nodejs/node#38503), so the expressions of one activation share a step budget that keeps the
 * timeout out of reach; the batch after it starts a fresh one.
 */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  internals: [
    {
      activate(input, next) {
        beginExpressionTask();
        return next(input);
      },
      concludeActivation(input, next) {
        endExpressionTask();
        return next(input);
      },
    },
  ],
});
