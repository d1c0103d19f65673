import { createElement } from 'react';
import { nodeIcon } from './nodeIcons.ts';

/** A node type's icon, decorative: the node's title beside it says the same in words. */
export function NodeIcon({ type, size = 16 }: { type: string; size?: number }) {
  return createElement(nodeIcon(type), { size, strokeWidth: 2, 'aria-hidden': true, focusable: false });
}
