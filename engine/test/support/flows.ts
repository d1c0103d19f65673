/** Small builders so tests read as flows, not as JSON. */
export interface NodeSpec {
  id: string;
  type: string;
  config?: Record<string, unknown>;
}

export function node(
  id: string,
  type: string,
  config: Record<string, unknown> = {},
  x = 0,
): NodeSpec & { position: { x: number; y: number } } {
  return { id, type, config, position: { x, y: 0 } };
}

export function edge(source: string, sourceHandle: string, target: string) {
  return { id: `${source}-${sourceHandle}-${target}`, source, sourceHandle, target };
}

export function flow(nodes: ReturnType<typeof node>[], edges: ReturnType<typeof edge>[]) {
  return { schemaVersion: 1, nodes: nodes.map((n, i) => ({ ...n, position: { x: i * 220, y: 0 } })), edges };
}

export const fastRetry = (maximumAttempts = 3) => ({
  maximumAttempts,
  initialInterval: '100ms',
  backoffCoefficient: 2,
  maximumInterval: '1s',
});
