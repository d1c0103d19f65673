import type { FlowDocument } from './flow.ts';
import { contentHash, FROZEN_FORMAT, type FrozenFlow } from './frozen.ts';
import { validateFlow, type ValidationIssue } from './validator.ts';

// Apart from frozen.ts so that a run, which only thaws, never loads the validator (see nodes/load.ts for why).
export type FreezeResult = { ok: true; frozen: FrozenFlow } | { ok: false; issues: ValidationIssue[] };

/** Validates and normalizes a draft into what publishing stores. */
export function freezeFlow(draft: unknown): FreezeResult {
  const checked = validateFlow(draft);
  if (!checked.ok) return { ok: false, issues: checked.issues };
  // A JSON round trip: the stored form is what jsonb gives back (no undefined members).
  const graph = JSON.parse(JSON.stringify(checked.flow)) as FlowDocument;
  // An empty notes or groups list means what an absent one does: one form, so both hash alike (and as older flows do).
  if (graph.notes?.length === 0) delete graph.notes;
  if (graph.groups?.length === 0) delete graph.groups;
  return { ok: true, frozen: { format: FROZEN_FORMAT, hash: contentHash(graph), graph } };
}
