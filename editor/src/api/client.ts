import type {
  AckManyResult,
  AlertDetail,
  CampaignComparison,
  Portfolio,
  PortfolioQuery,
  AlertFilter,
  AlertPage,
  ReviewVersions,
  StoredReview,
  Campaign,
  CampaignPhases,
  CampaignStatus,
  CampaignUpdated,
  Connection,
  ConnectionPatch,
  ConnectionResumed,
  ConnectionTestResult,
  CreatedToken,
  Decision,
  Department,
  Flow,
  FlowPatch,
  FlowSchedule,
  FlowSummary,
  FlowTemplate,
  FlowVersion,
  VersionDiff,
  HookSecret,
  InboxItem,
  WorkTask,
  WorkTaskCompletion,
  IngestResult,
  Lesson,
  LessonFilter,
  LessonSearch,
  LessonsRelated,
  NewLesson,
  RelatedLessonsQuery,
  MetricsAnswer,
  MarkRead,
  NewConnection,
  NewFlow,
  NewSilence,
  NewToken,
  NotificationList,
  ApiToken,
  Problem,
  Delivery,
  Run,
  RunDeliveries,
  RunSummary,
  RunFilter,
  RunPage,
  RunActivities,
  Session,
  Silence,
  StartRun,
  Unread,
  User,
} from './types.ts';
import type { Locale } from '@flightdeck/workflows';
import i18next from 'i18next';

/** A failed API call, carrying the RFC 9457 problem the engine sent (or one made up for network failures). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    /** False when the answer did not come from the engine (network down, proxy error page, static server). */
    readonly fromApi = true,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

/** The session's CSRF token, from sign-in or /api/auth/me; every state-changing call carries it. */
let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called on any 401 from the API (the session ended or never began); the auth layer shows the sign-in. */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

interface RequestOptions {
  /** A 401 here is an answer, not a lost session (wrong password, the "am I signed in?" probe). */
  quiet401?: boolean;
  /** Send the body as it is (a file's text), not JSON-encoded. */
  raw?: boolean;
  /** The raw body's media type, when it is not JSON (a CSV file). */
  contentType?: string;
  /** Extra request headers (If-Match on a draft save). */
  headers?: Record<string, string>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

async function request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  let res: Response;
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
  // The engine words its problems in this language for a caller not signed in (sign-in itself); once signed in it
  // uses the account's, which this same choice is kept in.
  const language = i18next.resolvedLanguage ?? i18next.language;
  if (language) headers['Accept-Language'] = language;
  if (body !== undefined) headers['Content-Type'] = options.raw && options.contentType ? options.contentType : 'application/json';
  if (!SAFE_METHODS.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  Object.assign(headers, options.headers);
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : options.raw && typeof body === 'string' ? body : JSON.stringify(body),
    });
  } catch (err) {
    // status 0 marks "never reached the server", which the UI words differently from a refusal.
    throw new ApiError(0, { title: 'Network error', detail: err instanceof Error ? err.message : String(err) }, false);
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    if (res.status === 401 && !options.quiet401) onUnauthorized?.();
    const isProblem = !!data && typeof data === 'object';
    throw new ApiError(res.status, isProblem ? (data as Problem) : { title: res.statusText, status: res.status }, isProblem);
  }
  // A static server answering with index.html is not the API; say so instead of failing later.
  if (data === undefined && res.status !== 204) {
    throw new ApiError(res.status, { title: 'Unexpected response', detail: `${method} ${path} did not return JSON` }, false);
  }
  return data as T;
}

const enc = encodeURIComponent;

/** Only the filters that are set: an empty field is no filter, not an empty one. */
function lessonQuery(filter: LessonFilter, page: number, limit: number): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (typeof v === 'string' && v.trim()) q.set(k, v.trim());
  q.set('page', String(page));
  q.set('limit', String(limit));
  return q.toString();
}
function relatedQuery(r: RelatedLessonsQuery): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(r)) if (typeof v === 'string' && v) q.set(k, v);
  return q.toString();
}

/** The portfolio's query string: only what is set, so the CSV link and the table ask the same thing. */
export function portfolioQueryString(q: PortfolioQuery): string {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (typeof v === 'string' && v) out.set(k, v);
  return out.size ? `?${out}` : '';
}

export const api = {
  listFlows: () => request<{ items: FlowSummary[] }>('GET', '/api/flows').then((r) => r.items),
  getFlow: (id: string) => request<Flow>('GET', `/api/flows/${enc(id)}`),
  createFlow: (body: NewFlow) => request<Flow>('POST', '/api/flows', body),
  /** With the draft's revision, a save over someone else's newer one is refused (409) instead of overwriting it. */
  updateFlow: (id: string, patch: FlowPatch, revision?: number) =>
    request<Flow>('PUT', `/api/flows/${enc(id)}`, patch, revision === undefined ? {} : { headers: { 'If-Match': `"${revision}"` } }),
  publish: (id: string, note?: string) => request<FlowVersion>('POST', `/api/flows/${enc(id)}/versions`, note ? { note } : {}),
  listTemplates: () => request<{ items: FlowTemplate[] }>('GET', '/api/templates').then((r) => r.items),
  createFromTemplate: (templateId: string, body: { name?: string }) =>
    request<Flow>('POST', `/api/templates/${enc(templateId)}/flows`, body),
  getSchedule: (id: string) => request<{ schedule: FlowSchedule | null }>('GET', `/api/flows/${enc(id)}/schedule`).then((r) => r.schedule),
  unpublish: (id: string) => request<{ scheduleRemoved: boolean }>('POST', `/api/flows/${enc(id)}/unpublish`),
  diffVersions: (id: string, a: number, b: number) => request<VersionDiff>('GET', `/api/flows/${enc(id)}/versions/${a}/diff/${b}`),
  rollback: (id: string, n: number) => request<FlowVersion>('POST', `/api/flows/${enc(id)}/versions/${n}/rollback`),
  listVersions: (id: string) => request<{ items: FlowVersion[] }>('GET', `/api/flows/${enc(id)}/versions`).then((r) => r.items),
  startRun: (flowId: string, body: StartRun) => request<Run>('POST', `/api/flows/${enc(flowId)}/runs`, body),
  listRuns: (filter: RunFilter, cursor?: string | null) => request<RunPage>('GET', `/api/runs?${alertQuery(filter, cursor)}`),
  listCampaignRuns: (campaignId: string) =>
    request<{ items: RunSummary[] }>('GET', `/api/runs?campaignId=${enc(campaignId)}`).then((r) => r.items),
  getRun: (id: string) => request<Run>('GET', `/api/runs/${enc(id)}`),
  cancelRun: (id: string) => request<Run>('POST', `/api/runs/${enc(id)}/cancel`),
  getRunActivities: (id: string) => request<RunActivities>('GET', `/api/runs/${enc(id)}/activities`),
  rerunRun: (id: string) => request<Run>('POST', `/api/runs/${enc(id)}/rerun`, {}),
  retryRun: (id: string) => request<Run>('POST', `/api/runs/${enc(id)}/retry`, {}),

  login: (email: string, password: string) => request<Session>('POST', '/api/auth/login', { email, password }, { quiet401: true }),
  me: () => request<Session>('GET', '/api/auth/me', undefined, { quiet401: true }),
  logout: () => request<void>('POST', '/api/auth/logout', undefined, { quiet401: true }),
  setPreferences: (prefs: { locale: Locale }) => request<User>('PUT', '/api/me/preferences', prefs),
  listDepartments: () => request<{ items: Department[] }>('GET', '/api/departments').then((r) => r.items),

  listCampaigns: () => request<{ items: Campaign[] }>('GET', '/api/campaigns').then((r) => r.items),
  getCampaign: (id: string) => request<Campaign>('GET', `/api/campaigns/${enc(id)}`),
  /** The scenario file's text goes as it is, so the server sees exactly what the user picked. */
  importCampaign: (json: string) => request<Campaign>('POST', '/api/campaigns/import', json, { raw: true }),
  /** One batch of a metrics file (header included), stored whole or refused whole. */
  postMetricsCsv: (campaignId: string, csv: string) =>
    request<IngestResult>('POST', `/api/campaigns/${enc(campaignId)}/metrics`, csv, { raw: true, contentType: 'text/csv' }),
  /** Hourly sums per channel and metric; the KPIs are computed in the browser from these sums. */
  getReview: (campaignId: string, version: number | null) =>
    request<StoredReview>('GET', `/api/campaigns/${enc(campaignId)}/review${version ? `?version=${version}` : ''}`),
  recomputeReview: (campaignId: string) => request<StoredReview>('POST', `/api/campaigns/${enc(campaignId)}/review`),
  listReviews: (campaignId: string) => request<ReviewVersions>('GET', `/api/campaigns/${enc(campaignId)}/reviews`),
  getCampaignMetrics: (campaignId: string) => request<MetricsAnswer>('GET', `/api/campaigns/${enc(campaignId)}/metrics?bucket=1h`),
  setCampaignPhases: (id: string, phases: CampaignPhases) =>
    request<CampaignUpdated>('PUT', `/api/campaigns/${enc(id)}/phases`, { phases }),
  setCampaignStatus: (id: string, status: CampaignStatus) => request<Campaign>('POST', `/api/campaigns/${enc(id)}/status`, { status }),

  listApprovals: (status: 'open' | 'closed') =>
    request<{ items: InboxItem[] }>('GET', `/api/approvals?status=${status}`).then((r) => r.items),
  getApproval: (taskId: string) => request<InboxItem>('GET', `/api/approvals/${enc(taskId)}`),
  listWorkTasks: (status: 'open' | 'done') => request<{ items: WorkTask[] }>('GET', `/api/tasks?status=${status}`).then((r) => r.items),
  completeWorkTask: (id: string, body: WorkTaskCompletion) => request<WorkTask>('POST', `/api/tasks/${enc(id)}/complete`, body),
  listConnections: () => request<{ items: Connection[] }>('GET', '/api/connections').then((r) => r.items),
  createConnection: (body: NewConnection) => request<Connection>('POST', '/api/connections', body),
  testConnection: (id: string, text?: string) =>
    request<ConnectionTestResult>('POST', `/api/connections/${enc(id)}/test`, text ? { text } : {}),
  deleteConnection: (id: string) => request<void>('DELETE', `/api/connections/${enc(id)}`),
  updateConnection: (id: string, patch: ConnectionPatch) => request<Connection>('PUT', `/api/connections/${enc(id)}`, patch),
  pauseConnection: (id: string, reason?: string) =>
    request<Connection>('POST', `/api/connections/${enc(id)}/pause`, reason ? { reason } : {}),
  resumeConnection: (id: string) => request<ConnectionResumed>('POST', `/api/connections/${enc(id)}/resume`, {}),
  listNotifications: () => request<NotificationList>('GET', '/api/notifications?limit=20'),
  markNotificationsRead: (which: MarkRead) => request<Unread>('POST', '/api/notifications/read', which),
  listRunDeliveries: (runId: string) => request<RunDeliveries>('GET', `/api/runs/${enc(runId)}/deliveries`),
  resendDelivery: (id: string) => request<Delivery>('POST', `/api/deliveries/${enc(id)}/resend`),
  /** Creates or rotates the signing secret of a webhook-triggered flow; the answer is the only time it is shown. */
  rotateHookSecret: (flowId: string) => request<HookSecret>('POST', `/api/flows/${enc(flowId)}/hook-secret`),

  decide: (taskId: string, body: Decision) => request<InboxItem>('POST', `/api/approvals/${enc(taskId)}/decision`, body),

  listTokens: () => request<{ items: ApiToken[] }>('GET', '/api/me/tokens').then((r) => r.items),
  /** The answer is the only time the secret is shown. */
  createToken: (body: NewToken) => request<CreatedToken>('POST', '/api/me/tokens', body),
  revokeToken: (id: string) => request<void>('DELETE', `/api/me/tokens/${enc(id)}`),

  listAlerts: (filter: AlertFilter, cursor?: string | null) => request<AlertPage>('GET', `/api/alerts?${alertQuery(filter, cursor)}`),
  /** A campaign's latest alerts, every state: the chart's markers (the list carries the ack time). */
  listCampaignAlerts: (campaignId: string) =>
    request<AlertPage>('GET', `/api/alerts?${alertQuery({ campaignId, state: undefined }, null, 200)}`),
  searchLessons: (filter: LessonFilter, page: number, limit = 20) =>
    request<LessonSearch>('GET', `/api/lessons?${lessonQuery(filter, page, limit)}`),
  createLesson: (body: NewLesson) => request<Lesson>('POST', '/api/lessons', body),
  getPortfolio: (q: PortfolioQuery) => request<Portfolio>('GET', `/api/portfolio${portfolioQueryString(q)}`),
  portfolioCsvHref: (q: PortfolioQuery) => `/api/portfolio.csv${portfolioQueryString(q)}`,
  getComparison: (campaignId: string) => request<CampaignComparison>('GET', `/api/campaigns/${enc(campaignId)}/comparison`),
  relatedLessons: (q: RelatedLessonsQuery) => request<LessonsRelated>('GET', `/api/lessons/related?${relatedQuery(q)}`),
  getAlert: (id: string) => request<AlertDetail>('GET', `/api/alerts/${enc(id)}`),
  ackAlert: (id: string) => request<AlertDetail>('POST', `/api/alerts/${enc(id)}/ack`),
  ackAlerts: (ids: string[]) => request<AckManyResult>('POST', '/api/alerts/ack', { ids }),
  resolveAlert: (id: string) => request<AlertDetail>('POST', `/api/alerts/${enc(id)}/resolve`),
  snoozeAlert: (id: string, until: string) => request<AlertDetail>('POST', `/api/alerts/${enc(id)}/snooze`, { until }),
  /** Pending and active silences end after every expired one, so they lead the list. */
  listSilences: () => request<{ items: Silence[] }>('GET', '/api/silences?limit=100').then((r) => r.items),
  createSilence: (body: NewSilence) => request<Silence>('POST', '/api/silences', body),
  expireSilence: (id: string) => request<void>('DELETE', `/api/silences/${enc(id)}`),
};

/** A list's query string (alerts, runs): only the filters that are set, so the server's defaults apply to the rest. */
export function alertQuery(filter: AlertFilter | RunFilter, cursor?: string | null, limit = 50): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  q.set('limit', String(limit));
  if (cursor) q.set('cursor', cursor);
  return q.toString();
}
