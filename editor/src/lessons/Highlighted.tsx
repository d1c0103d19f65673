import type { LessonHighlight } from '../api/types.ts';

/** A text with the search's matches marked; the runs come from the server and are rendered as text, never as HTML. */
export function Highlighted({ runs }: { runs: LessonHighlight['fact'] }) {
  return (
    <>
      {runs.map((r, i) =>
        r.match ? (
          <mark key={i} className="fd-hit">
            {r.text}
          </mark>
        ) : (
          <span key={i}>{r.text}</span>
        ),
      )}
    </>
  );
}
