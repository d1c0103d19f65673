import { createContext, useContext } from 'react';
import type { RunState } from '@flightdeck/workflows';
import { EMPTY_INDEX, type IssueIndex } from './issues.ts';

/**
 * What node components need besides their own data. Kept out of node data so that a new
 * validation result or run poll repaints nodes without rewriting React Flow's node array.
 */
export type DiffMark = 'added' | 'removed' | 'changed' | 'moved';

export interface CanvasInfo {
  /** diff: two versions compared, read-only, each node marked with what happened to it. */
  mode: 'edit' | 'run' | 'diff';
  issues: IssueIndex;
  run: RunState | null;
  /** Handles that edges leave from but the node no longer has (config changed, bad import); drawn so the edge stays visible. */
  orphanHandles?: ReadonlyMap<string, readonly string[]>;
  /** A what-if's scrubber: the nodes its run had reached by the chosen virtual time (null: no what-if shown). */
  reached?: ReadonlySet<string> | null;
  diff?: ReadonlyMap<string, DiffMark>;
}

export const CanvasContext = createContext<CanvasInfo>({ mode: 'edit', issues: EMPTY_INDEX, run: null });

export function useCanvasInfo(): CanvasInfo {
  return useContext(CanvasContext);
}
