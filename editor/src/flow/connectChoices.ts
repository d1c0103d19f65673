import type { Locale } from '@flightdeck/workflows';
import { handleLabel, handlesFor, hasInput, nodeText } from '../catalogue.ts';
import type { CanvasEdge, CanvasNode } from './graph.ts';

/** One edge "Connect to…" can draw: an outcome of the source and a node to send it to. */
export interface ConnectChoice {
  key: string;
  handle: string;
  handleText: string;
  target: string;
  targetText: string;
  targetTitle: string;
}

/** At most this many are listed; the search narrows a large flow down. */
export const MAX_CONNECT_CHOICES = 50;
/** Longer queries are cut: no one types more, and a pasted page must not cost a scan per word. */
const MAX_QUERY = 200;

/**
 * Every outcome of the source paired with every other node that takes an input and is not already joined to it by
 * that outcome: the edges the canvas would accept by drag (the same rules as the draft's canConnect).
 */
export function connectChoices(
  source: CanvasNode,
  nodes: readonly CanvasNode[],
  edges: readonly CanvasEdge[],
  locale: Locale,
): ConnectChoice[] {
  const taken = new Set(edges.filter((e) => e.source === source.id).map((e) => `${e.sourceHandle}\u0000${e.target}`));
  const targets = nodes.filter((n) => n.id !== source.id && hasInput(n.data.type));
  return handlesFor(source.data.type, source.data.config).flatMap((handle) =>
    targets
      .filter((n) => !taken.has(`${handle}\u0000${n.id}`))
      .map((n) => {
        const title = nodeText(n.data.type, locale)?.title ?? n.data.type;
        return {
          key: `${handle}\u0000${n.id}`,
          handle,
          handleText: handleLabel(source.data.type, handle, locale),
          target: n.id,
          targetText: n.data.label || title,
          targetTitle: title,
        };
      }),
  );
}

/** The choices holding every word of the query (outcome, target name, title or id; any case), the first MAX shown. */
export function matchChoices(choices: readonly ConnectChoice[], query: string): ConnectChoice[] {
  const words = query.slice(0, MAX_QUERY).trim().toLowerCase().split(/\s+/).filter(Boolean);
  const haystack = (c: ConnectChoice) => [c.handle, c.handleText, c.target, c.targetText, c.targetTitle].join(' ').toLowerCase();
  return choices.filter((c) => words.every((w) => haystack(c).includes(w))).slice(0, MAX_CONNECT_CHOICES);
}
