import type { NodeState } from '@flightdeck/workflows';

/**
 * The handles a node left by. A parallel split leaves by several, which the interpreter records
 * comma-joined in the single `handle` field.
 */
export function takenHandles(state: NodeState | undefined): string[] {
  return state?.handle ? state.handle.split(',').filter(Boolean) : [];
}
