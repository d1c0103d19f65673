/**
 * The workflow thread's entry: Temporal's own thread module, started without V8 promise hooks.
 *
 * The SDK installs a promise hook in this thread that captures and source-maps a stack trace for every promise
 * workflow code creates, only to answer Temporal's stack-trace query. The interpreter creates many promises per node,
 * and in `engine/bench/webhook-flow.ts` profiles the hook was about a quarter of this thread's time. Where promise hooks
 * are unavailable (Bun, old Node) the SDK runs without stack traces; this takes that path.
 * FLIGHTDECK_WORKFLOW_STACK_TRACES=1 keeps them, for debugging a stuck run from Temporal's UI.
 */
import v8 from 'node:v8';

if (process.env.FLIGHTDECK_WORKFLOW_STACK_TRACES !== '1') {
  v8.promiseHooks.createHook = () => {
    throw new Error('Flightdeck runs workflows without promise hooks');
  };
}
// Imported after the line above, so that the SDK finds the hooks unavailable.
await import('@temporalio/worker/lib/workflow/workflow-worker-thread.js');
