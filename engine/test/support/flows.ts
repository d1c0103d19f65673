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

/**
 * trigger → (size − 2) one-hour delays → end, `columns` to a row: a flow wider than a 1440 px pane at the canvas's
 * smallest zoom, so a canvas that draws only the nodes in view leaves some out on open.
 */
export function largeChain(size: number, columns = 24) {
  const nodes = Array.from({ length: size }, (_, i) => ({
    id: `n${i}`,
    type: i === 0 ? 'trigger.manual' : i === size - 1 ? 'control.end' : 'control.delay',
    config: i === 0 || i === size - 1 ? {} : { duration: '1h' },
    position: { x: (i % columns) * 280, y: Math.floor(i / columns) * 160 },
  }));
  const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: `n${i}`, sourceHandle: 'next', target: n.id }));
  return { schemaVersion: 1, nodes, edges };
}
