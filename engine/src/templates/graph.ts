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

/** A template's words in Chinese, by node id: each node's label, and the config fields people read (titles, texts). */
export interface ChineseText {
  labels: Readonly<Record<string, string>>;
  config?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

type TemplateGraph = { nodes: readonly { id: string; label?: string; config?: Record<string, unknown> }[] };

/** The graph with its labels and readable config in Chinese; ids, types, positions and edges are the same graph's. */
export function inChinese<G extends TemplateGraph>(graph: G, zh: ChineseText): G {
  return {
    ...graph,
    nodes: graph.nodes.map((node) => {
      const config = zh.config?.[node.id];
      return { ...node, label: zh.labels[node.id] ?? node.label, ...(config ? { config: { ...node.config, ...config } } : {}) };
    }),
  };
}
