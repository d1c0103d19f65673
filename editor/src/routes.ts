import { useSyncExternalStore } from 'react';

/** Hash routes: the engine serves one index.html, so the app needs no server-side routing. */
export type Route =
  | { name: 'flows' }
  | { name: 'editor'; flowId: string | null }
  | { name: 'run'; runId: string }
  | { name: 'signin'; next: string | null }
  | { name: 'inbox'; tab: 'open' | 'closed' }
  | { name: 'campaigns' }
  | { name: 'campaign'; campaignId: string }
  | { name: 'connections' }
  | { name: 'tokens' }
  | { name: 'notFound'; hash: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  if (path === '/' || path === '/flows' || path === '/flows/') return { name: 'flows' };
  if (path === '/signin' || path === '/signin/') return { name: 'signin', next: safeNext(query.get('next')) };
  if (path === '/inbox' || path === '/inbox/') return { name: 'inbox', tab: 'open' };
  if (path === '/inbox/closed') return { name: 'inbox', tab: 'closed' };
  if (path === '/campaigns' || path === '/campaigns/') return { name: 'campaigns' };
  if (path === '/connections' || path === '/connections/') return { name: 'connections' };
  if (path === '/tokens' || path === '/tokens/') return { name: 'tokens' };
  if (path === '/flows/new') return { name: 'editor', flowId: null };
  let m = /^\/flows\/([^/]+)\/?$/.exec(path);
  if (m) return { name: 'editor', flowId: decodeURIComponent(m[1]!) };
  m = /^\/runs\/([^/]+)\/?$/.exec(path);
  if (m) return { name: 'run', runId: decodeURIComponent(m[1]!) };
  m = /^\/campaigns\/([^/]+)\/?$/.exec(path);
  if (m) return { name: 'campaign', campaignId: decodeURIComponent(m[1]!) };
  return { name: 'notFound', hash: path };
}

export const href = {
  flows: () => '#/',
  flow: (id: string) => `#/flows/${encodeURIComponent(id)}`,
  newFlow: () => '#/flows/new',
  run: (id: string) => `#/runs/${encodeURIComponent(id)}`,
  signIn: (next?: string | null) => (next && safeNext(next) ? `#/signin?next=${encodeURIComponent(next)}` : '#/signin'),
  inbox: (tab: 'open' | 'closed' = 'open') => (tab === 'closed' ? '#/inbox/closed' : '#/inbox'),
  campaigns: () => '#/campaigns',
  campaign: (id: string) => `#/campaigns/${encodeURIComponent(id)}`,
  connections: () => '#/connections',
  tokens: () => '#/tokens',
};

/** Where sign-in may send the user back to: an in-app hash route, never sign-in itself or another site. */
export function safeNext(next: string | null | undefined): string | null {
  if (!next || !next.startsWith('#/') || next.startsWith('#/signin')) return null;
  return next;
}

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
