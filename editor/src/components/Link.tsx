import type { AnchorHTMLAttributes } from 'react';
import { mayLeave } from '../routes.ts';

/** An in-app hash link that respects the editor's unsaved-changes guard. */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement>) {
  const { onClick, ...rest } = props;
  return (
    <a
      {...rest}
      onClick={(e) => {
        onClick?.(e);
        if (!e.defaultPrevented && !mayLeave()) e.preventDefault();
      }}
    />
  );
}
