/** Shorthands the shipped templates write their graphs with: a node at a position, an edge from a handle. */
export const n = (id: string, type: string, label: string, config: Record<string, unknown>, x: number, y: number) => ({
  id,
  type,
  label,
  config,
  position: { x, y },
});

export const e = (source: string, sourceHandle: string, target: string) => ({
  id: `${source}__${sourceHandle}__${target}`,
  source,
  sourceHandle,
  target,
});
