/**
 * Every patch id the workflow code asks Temporal's `patched()` about. A run started now is past all of them, so it
 * carries this list in its input (`RunFlowInput.patches`) and the shell answers those ids true without a call:
 * `patched()` writes a marker and upserts the `TemporalChangeVersion` search attribute into every run's history,
 * two events and a visibility write per run for nothing. Runs started before the list existed have no field and ask
 * `patched()` as they always did, so their replay is unchanged. A new patch id is added here when it is added to the
 * code: runs started from then on skip its marker, runs already going ask Temporal.
 */
import { CONVERT_NAMED_VARIABLES } from './expressions.ts';
import { JOIN_CANCELS_SLOWER_BRANCHES } from './interpreter/interpreter.ts';
import { DISTINCT_WHILE_OPEN } from './nodes/approval.ts';
import { END_WINS_OVER_REPEATS, TELL_MISSED_ALERTS } from './nodes/monitor.ts';
import { NOTICES_FROM_OPEN } from './nodes/work-tasks.ts';

export const CURRENT_PATCHES: readonly string[] = [
  CONVERT_NAMED_VARIABLES,
  JOIN_CANCELS_SLOWER_BRANCHES,
  DISTINCT_WHILE_OPEN,
  NOTICES_FROM_OPEN,
  END_WINS_OVER_REPEATS,
  TELL_MISSED_ALERTS,
];
