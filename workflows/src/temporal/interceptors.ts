import { proxySinks, type Sinks, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { beginExpressionTask, endExpressionTask } from '../expressions.ts';

/** What the workflow tells its worker outside its history: that what a person watching the run sees may have changed. */
export interface RunProgressSinks extends Sinks {
  runProgress: { changed(): void };
}

const { runProgress } = proxySinks<RunProgressSinks>();

export const interceptors: WorkflowInterceptorsFactory = () => {
  let changed = false;
  return {
    internals: [
      {
        /**
         * Every activation of a workflow runs as one call into the sandbox, with the sandbox's execution
         * timeout. When that timeout fires while a promise callback runs (where the interpreter evaluates
         * expressions), Node aborts the whole process ("async hook stack has become corrupted",
         * nodejs/node#38503), so the expressions of one activation share a step budget that keeps the
         * timeout out of reach; the batch after it starts a fresh one.
         */
        activate(input, next) {
          beginExpressionTask();
          // A live activation that is not only a query moved the run: a timer started or fired, a signal arrived, an
          // activity's result came back. Activity ends are announced by the worker too, but a wait that starts, a
          // delay that ends or a join that closes has no activity, and the run view would learn of it at its heartbeat.
          changed ||= !input.activation.isReplaying && (input.activation.jobs ?? []).some((job) => !job.queryWorkflow);
          return next(input);
        },
        concludeActivation(input, next) {
          endExpressionTask();
          // A sink runs after the activation, outside the history: replay never calls it and it adds no command.
          if (changed) runProgress.changed();
          changed = false;
          return next(input);
        },
      },
    ],
  };
};
