import { useTranslation } from 'react-i18next';
import { noteBlocks, notesInReadingOrder, type NoteCanvasNode } from './annotations.ts';
import { NoteText } from './AnnotationViews.tsx';
import type { DiffMark } from './canvasContext.ts';

/**
 * The notes of a read-only canvas (a run, a version diff) as a list of their text, over the canvas's corner. On those
 * canvases the notes are drawn but cannot be focused, and a screen reader meets them in no useful order among the
 * nodes; this list is reached by Tab and reads them top to bottom, with what the diff did to each.
 */
export function ReadOnlyNotesList({ notes, marks }: { notes: readonly NoteCanvasNode[]; marks?: ReadonlyMap<string, DiffMark> }) {
  const { t } = useTranslation();
  if (!notes.length) return null;
  return (
    <details className="fd-canvas-notes" data-testid="canvas-notes">
      <summary>{t('notes.list', { count: notes.length })}</summary>
      <ol>
        {notesInReadingOrder(notes).map((n) => {
          const mark = marks?.get(n.id);
          return (
            <li key={n.id} data-testid={`canvas-notes-${n.id}`} data-diff={mark}>
              {mark && <span className={`fd-canvas-notes__mark diff-${mark}`}>{t(`notes.marks.${mark}`)}</span>}
              {noteBlocks(n.data.text).length ? <NoteText text={n.data.text} /> : <p className="fd-muted">{t('notes.blank')}</p>}
            </li>
          );
        })}
      </ol>
    </details>
  );
}
