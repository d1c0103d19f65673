/**
 * The workflow thread's entry: Temporal's own thread module, with the SDK's promise hook stopped.
 *
 * The SDK installs a promise hook in this thread that captures and source-maps a stack trace for every promise
 * workflow code creates, only to answer Temporal's stack-trace query. The interpreter creates many promises per node,
 * and in `engine/bench/webhook-flow.ts` profiles the hook was about a quarter of this thread's time. Only the SDK's
 * own hook is stopped, right after it installs it: Node's async hooks (AsyncLocalStorage, which cancellation scopes
 * use) make promise hooks of their own. The SDK then answers the stack-trace query as it does where promise hooks are
 * unavailable. FLIGHTDECK_WORKFLOW_STACK_TRACES=1 keeps the hook, for debugging a stuck run from Temporal's UI.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

if (process.env.FLIGHTDECK_WORKFLOW_STACK_TRACES !== '1') {
  // The same module instance the SDK's thread module loads (one CommonJS cache per thread).
  const { globalHandlers } = require('@temporalio/worker/lib/workflow/vm-shared.js');
  const install = globalHandlers.install.bind(globalHandlers);
  globalHandlers.install = () => {
    install();
    globalHandlers.stopPromiseHook();
    globalHandlers.stopPromiseHook = () => {};
    globalHandlers.promiseHookInstalled = false;
  };
}
require('@temporalio/worker/lib/workflow/workflow-worker-thread.js');
