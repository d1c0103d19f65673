import type { QueryClient } from '@tanstack/react-query';
import { api } from './client.ts';
import { keys } from './keys.ts';

/** The flow whose URL the page was loaded with, and when main.tsx started reading it (see claimOpenedFlow). */
let openedFlow: { id: string; at: number } | null = null;

/** Reads the flow a page load opens beside the session check and the editor's chunks, instead of after them. */
export function prefetchFlowForOpen(qc: QueryClient, id: string): void {
  openedFlow = { id, at: Date.now() };
  void qc.prefetchQuery({ queryKey: keys.flow(id), queryFn: () => api.getFlow(id) });
}

/**
 * For the first editor of the flow the page load opened: when that read started, so the editor takes it as this visit's
 * read of the server's copy (epoch ms), or null. Once only: a later visit reads the flow again.
 */
export function claimOpenedFlow(id: string | null): number | null {
  if (!openedFlow || openedFlow.id !== id) return null;
  const { at } = openedFlow;
  openedFlow = null;
  return at;
}
