import type { QueryClient } from '@tanstack/react-query';
import { api } from './client.ts';
import { keys } from './keys.ts';

/** The flow whose URL the page was loaded with, and when main.tsx started reading it (see openedFlowReadAt). */
let openedFlow: { id: string; at: number } | null = null;

/** Reads the flow a page load opens beside the session check and the editor's chunks, instead of after them. */
export function prefetchFlowForOpen(qc: QueryClient, id: string): void {
  openedFlow = { id, at: Date.now() };
  // An editor that never committed (left while loading, or failed) must not hand this read to a later visit.
  window.addEventListener('hashchange', () => (openedFlow = null), { once: true });
  void qc.prefetchQuery({ queryKey: keys.flow(id), queryFn: () => api.getFlow(id) });
}

/**
 * For the first editor of the flow the page load opened: when that read started, so the editor takes it as this visit's
 * read of the server's copy (epoch ms), or null. Reading does not use it up: a render that suspends is thrown away and
 * rendered again, and the retry must see the same answer (else it reads the flow a second time). The editor gives it
 * up once it has committed (`releaseOpenedFlow`, in an effect), so a later visit reads the flow again.
 */
export function openedFlowReadAt(id: string | null): number | null {
  return openedFlow && openedFlow.id === id ? openedFlow.at : null;
}

/** The page load's read of this flow is taken (see openedFlowReadAt). */
export function releaseOpenedFlow(id: string | null): void {
  if (openedFlow?.id === id) openedFlow = null;
}
