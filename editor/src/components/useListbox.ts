import { useState, type KeyboardEvent } from 'react';

/**
 * The keys of a search box that drives a listbox (the ARIA combobox pattern): ↑ ↓ move the highlighted option,
 * Enter picks it. The highlight is kept in range as the list shrinks under the query.
 */
export function useListbox<T>(options: readonly T[], onPick: (option: T) => void) {
  const [active, setActive] = useState(0);
  const current = Math.min(active, Math.max(0, options.length - 1));
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive(Math.min(current + 1, options.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive(Math.max(current - 1, 0));
    } else if (e.key === 'Enter' && options[current] !== undefined) {
      e.preventDefault();
      onPick(options[current]);
    }
  };
  return { current, setActive, onKeyDown };
}
