import { useSyncExternalStore } from 'react';
import { ALERT_STATES, SEVERITIES, type AlertState, type Severity } from '@flightdeck/workflows/vocabulary';
import type { AlertFilter } from './api/types.ts';

/** Hash routes: the engine serves one index.html, so the app needs no server-side routing. */
export type Route =
  | { name: 'flows' }
  | { name: 'editor'; flowId: string | null }
  | { name: 'run'; runId: string }
  | { name: 'signin'; next: string | null }
  | { name: 'inbox'; tab: 'open' | 'closed' }
  | { name: 'campaigns' }
  | { name: 'campaign'; campaignId: string }
  | { name: 'review'; campaignId: string; version: number | null }
  | { name: 'connections' }
  | { name: 'tokens' }
  | { name: 'alerts'; view: AlertsView }
  | { name: 'alert'; alertId: string }
  | { name: 'lessons'; view: LessonsView }
  | { name: 'portfolio'; view: PortfolioView }
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
  if (path === '/alerts' || path === '/alerts/') return { name: 'alerts', view: alertsViewOf(query) };
  if (path === '/lessons' || path === '/lessons/') return { name: 'lessons', view: lessonsViewOf(query) };
  if (path === '/portfolio' || path === '/portfolio/') return { name: 'portfolio', view: portfolioViewOf(query) };
  if (path === '/flows/new') return { name: 'editor', flowId: null };
  let m = /^\/flows\/([^/]+)\/?$/.exec(path);
  if (m) return { name: 'editor', flowId: decodeURIComponent(m[1]!) };
  m = /^\/runs\/([^/]+)\/?$/.exec(path);
  if (m) return { name: 'run', runId: decodeURIComponent(m[1]!) };
  m = /^\/alerts\/([^/]+)\/?$/.exec(path);
  if (m) return { name: 'alert', alertId: decodeURIComponent(m[1]!) };
  m = /^\/campaigns\/([^/]+)\/review\/?$/.exec(path);
  if (m) return { name: 'review', campaignId: decodeURIComponent(m[1]!), version: versionOf(query.get('version')) };
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
  review: (id: string, version?: number | null) => `#/campaigns/${encodeURIComponent(id)}/review${version ? `?version=${version}` : ''}`,
  connections: () => '#/connections',
  tokens: () => '#/tokens',
  alerts: (view: Partial<AlertsView> = {}) => {
    const q = new URLSearchParams();
    if (view.campaignId) q.set('campaignId', view.campaignId);
    if (view.severity) q.set('severity', view.severity);
    if (view.state && view.state !== 'open') q.set('state', view.state);
    return q.size ? `#/alerts?${q}` : '#/alerts';
  },
  alert: (id: string) => `#/alerts/${encodeURIComponent(id)}`,
  portfolio: (view: PortfolioView = {}) => {
    const q = new URLSearchParams();
    for (const k of PORTFOLIO_VIEW_KEYS) if (view[k]) q.set(k, view[k]);
    return q.size ? `#/portfolio?${q}` : '#/portfolio';
  },
  lessons: (view: LessonsView = {}) => {
    const q = new URLSearchParams();
    for (const k of LESSON_VIEW_KEYS) if (view[k]) q.set(k, view[k]);
    return q.size ? `#/lessons?${q}` : '#/lessons';
  },
};

/** The Portfolio page's sort and filters, kept in the address so a view can be shared; the API names what it refuses. */
export type PortfolioView = Partial<Record<(typeof PORTFOLIO_VIEW_KEYS)[number], string>>;
const PORTFOLIO_VIEW_KEYS = ['sort', 'order', 'status', 'department', 'channel', 'q'] as const;

export function portfolioViewOf(query: URLSearchParams): PortfolioView {
  const view: PortfolioView = {};
  for (const k of PORTFOLIO_VIEW_KEYS) {
    const v = query.get(k)?.trim();
    if (v) view[k] = v.slice(0, 200);
  }
  return view;
}

/** The Lessons page's search and filters, kept in the address so a search can be shared. */
export type LessonsView = Partial<Record<(typeof LESSON_VIEW_KEYS)[number], string>>;
const LESSON_VIEW_KEYS = ['q', 'department', 'channel', 'kpi', 'outcome', 'from', 'to'] as const;

/** What the address asks for, trimmed to what the API takes (it refuses the rest with a problem the page shows). */
export function lessonsViewOf(query: URLSearchParams): LessonsView {
  const view: LessonsView = {};
  for (const k of LESSON_VIEW_KEYS) {
    const v = query.get(k)?.trim();
    if (v) view[k] = v.slice(0, 200);
  }
  return view;
}

/** What the Alerts page shows; 'open' (every state but resolved) unless the address says otherwise. */
export interface AlertsView {
  campaignId?: string;
  severity?: Severity;
  state: AlertState | 'open' | 'all';
}

/** A review version from the address; anything else means the latest. */
const versionOf = (v: string | null): number | null => (v && /^[1-9][0-9]{0,8}$/.test(v) ? Number(v) : null);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const oneOf = <T extends string>(values: readonly T[], v: string | null): T | undefined =>
  v !== null && (values as readonly string[]).includes(v) ? (v as T) : undefined;

/**
 * The Alerts page's filters from its address, so a filtered view can be shared. Anything the API would
 * refuse is left out here rather than shown as an error for a hand-edited link.
 */
export function alertsViewOf(query: URLSearchParams): AlertsView {
  const campaignId = query.get('campaignId');
  const severity = oneOf(SEVERITIES, query.get('severity'));
  return {
    ...(campaignId && UUID.test(campaignId) ? { campaignId } : {}),
    ...(severity ? { severity } : {}),
    state: oneOf([...ALERT_STATES, 'open', 'all'] as const, query.get('state')) ?? 'open',
  };
}

/** The API's filter for a view: 'all' is no filter at all. */
export function alertFilterOf(view: AlertsView): AlertFilter {
  const { state, ...rest } = view;
  return state === 'all' ? rest : { ...rest, state };
}

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
