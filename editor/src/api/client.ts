import type { Flow, FlowPatch, FlowSummary, FlowVersion, Problem, Run } from './types.ts';
import type { FlowDocument } from '@flightdeck/workflows';

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

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { Accept: 'application/json, application/problem+json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
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

export const api = {
  listFlows: () => request<{ items: FlowSummary[] }>('GET', '/api/flows').then((r) => r.items),
  getFlow: (id: string) => request<Flow>('GET', `/api/flows/${enc(id)}`),
  createFlow: (body: { name: string; description?: string; graph?: FlowDocument }) => request<Flow>('POST', '/api/flows', body),
  updateFlow: (id: string, patch: FlowPatch) => request<Flow>('PUT', `/api/flows/${enc(id)}`, patch),
  publish: (id: string, note?: string) => request<FlowVersion>('POST', `/api/flows/${enc(id)}/versions`, note ? { note } : {}),
  listVersions: (id: string) => request<{ items: FlowVersion[] }>('GET', `/api/flows/${enc(id)}/versions`).then((r) => r.items),
  startRun: (flowId: string, body: { input?: unknown; version?: number }) => request<Run>('POST', `/api/flows/${enc(flowId)}/runs`, body),
  listRuns: (flowId: string) => request<{ items: Run[] }>('GET', `/api/runs?flowId=${enc(flowId)}`).then((r) => r.items),
  getRun: (id: string) => request<Run>('GET', `/api/runs/${enc(id)}`),
  cancelRun: (id: string) => request<Run>('POST', `/api/runs/${enc(id)}/cancel`),
};
