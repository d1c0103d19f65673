import { parentPort } from 'node:worker_threads';
// Only the Liquid module, not the whole flow language: the thread starts in a fraction of a second.
import { renderMessage, type MessageMode } from '@flightdeck/workflows/messages';

/** The render thread: one template at a time, answered by id. See render-pool.ts. */
parentPort!.on('message', (req: { id: number; source: string; variables: Record<string, unknown>; mode: MessageMode }) => {
  try {
    parentPort!.postMessage({ id: req.id, text: renderMessage(req.source, req.variables, req.mode) });
  } catch (err) {
    parentPort!.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) });
  }
});
parentPort!.postMessage({ ready: true });
