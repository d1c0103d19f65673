import { useSyncExternalStore } from 'react';

/** Hash routes: the engine serves one index.html, so the app needs no server-side routing. */
export type Route =
  | { name: 'flows' }
  | { name: 'editor'; flowId: string | null }
  | { name: 'run'; runId: string }
  | { name: 'notFound'; hash: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/' || path === '/flows' || path === '/flows/') return { name: 'flows' };
  if (path === '/flows/new') return { name: 'editor', flowId: null };
  let m = /^\/flows\/([^/]+)\/?$/.exec(path);
  if (m) return { name: 'editor', flowId: decodeURIComponent(m[1]!) };
  m = /^\/runs\/([^/]+)\/?$/.exec(path);
  if (m) return { name: 'run', runId: decodeURIComponent(m[1]!) };
  return { name: 'notFound', hash: path };
}

export const href = {
  flows: () => '#/',
  flow: (id: string) => `#/flows/${encodeURIComponent(id)}`,
  newFlow: () => '#/flows/new',
  run: (id: string) => `#/runs/${encodeURIComponent(id)}`,
};

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) {
    history.replaceState(null, '', to);
    // replaceState fires no hashchange; tell listeners ourselves.
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = to;
  }
}

function subscribe(cb: () => void): () => void {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

export function useHash(): string {
  return useSyncExternalStore(subscribe, () => window.location.hash);
}

/** Asked before in-app navigation; the editor installs one while it has unsaved changes. */
let leaveGuard: (() => boolean) | null = null;

export function setLeaveGuard(guard: (() => boolean) | null): void {
  leaveGuard = guard;
}

export function mayLeave(): boolean {
  return leaveGuard ? leaveGuard() : true;
}
