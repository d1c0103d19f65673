/**
 * A bounded undo/redo history of immutable snapshots. Pure: the draft hook keeps one in a ref and
 * pushes the state as it was *before* each change. A change that carries the same coalescing key
 * as the previous one, soon after it (typing in one field), extends that step instead of adding one.
 */
export interface History<S> {
  readonly past: readonly S[];
  readonly future: readonly S[];
  /** The key and time of the step last recorded, for coalescing. */
  readonly last: { key: string; at: number } | null;
}

export const HISTORY_LIMIT = 100;
/** Edits of one field closer together than this are one step. */
export const COALESCE_MS = 1000;

export function emptyHistory<S>(): History<S> {
  return { past: [], future: [], last: null };
}

export interface RecordOptions {
  /** Same key as the last step, within COALESCE_MS: no new step. */
  key?: string;
  /** Milliseconds, injected so tests control time. */
  now?: number;
  limit?: number;
}

/** Records `before`, the state about to be changed; clears the redo stack. */
export function record<S>(h: History<S>, before: S, options: RecordOptions = {}): History<S> {
  const { key, now = 0, limit = HISTORY_LIMIT } = options;
  if (key !== undefined && h.last && h.last.key === key && now - h.last.at < COALESCE_MS && h.past.length > 0) {
    return { past: h.past, future: [], last: { key, at: now } };
  }
  const past = h.past.length >= limit ? [...h.past.slice(h.past.length - limit + 1), before] : [...h.past, before];
  return { past, future: [], last: key === undefined ? null : { key, at: now } };
}

/** The state to show after undoing, and the history after it; null when there is nothing to undo. */
export function undo<S>(h: History<S>, current: S): { history: History<S>; state: S } | null {
  const state = h.past[h.past.length - 1];
  if (state === undefined) return null;
  return { state, history: { past: h.past.slice(0, -1), future: [...h.future, current], last: null } };
}

export function redo<S>(h: History<S>, current: S): { history: History<S>; state: S } | null {
  const state = h.future[h.future.length - 1];
  if (state === undefined) return null;
  return { state, history: { past: [...h.past, current], future: h.future.slice(0, -1), last: null } };
}
