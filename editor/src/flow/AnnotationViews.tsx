import { memo, useState } from 'react';
import { NodeResizer, type NodeProps } from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import { ANNOTATION_LIMITS, NOTE_COLORS, NOTE_SIZE } from '@flightdeck/workflows';
import { noteBlocks, type FrameCanvasNode, type NoteCanvasNode } from './annotations.ts';
import { useAnnotationActions } from './annotationContext.ts';
import { useCanvasInfo, type DiffMark } from './canvasContext.ts';

/** In a version diff, what happened to this note or group; drawn with the class the nodes' marks use. */
function useDiffMark(id: string): DiffMark | undefined {
  const { mode, diff } = useCanvasInfo();
  return mode === 'diff' ? diff?.get(id) : undefined;
}

/** A note's text with its little markdown, as React elements (never as HTML); on the canvas and in the notes' list. */
export function NoteText({ text }: { text: string }) {
  return noteBlocks(text).map((b, i) => {
    const spans = b.spans.map((s, j) => (s.bold ? <strong key={j}>{s.text}</strong> : <span key={j}>{s.text}</span>));
    if (b.kind === 'heading') return <h4 key={i}>{spans}</h4>;
    if (b.kind === 'item')
      return (
        <p key={i} className="fd-note__item">
          • {spans}
        </p>
      );
    return <p key={i}>{spans}</p>;
  });
}

/** A sticky note: dragged by its bar, resized by its corners when selected, edited with a double click. */
function NoteViewImpl({ id, data, selected }: NodeProps<NoteCanvasNode>) {
  const { t } = useTranslation();
  const actions = useAnnotationActions();
  const [editing, setEditing] = useState(() => !!actions?.takeFreshNote(id));
  const blocks = noteBlocks(data.text);
  const mark = useDiffMark(id);
  return (
    <div className={`fd-note fd-note--${data.color}${mark ? ` diff-${mark}` : ''}`} data-testid={`note-${id}`} data-diff={mark}>
      {actions && (
        <NodeResizer
          isVisible={!!selected}
          minWidth={NOTE_SIZE.min}
          minHeight={NOTE_SIZE.min}
          maxWidth={NOTE_SIZE.max}
          maxHeight={NOTE_SIZE.max}
        />
      )}
      <div className="fd-note__bar" title={t('notes.dragHelp')}>
        <span className="fd-note__title">{t('notes.note')}</span>
        {actions &&
          NOTE_COLORS.map((c) => (
            <button
              key={c}
              type="button"
              className={`fd-note__swatch fd-note--${c} nodrag`}
              aria-label={t(`notes.colors.${c}`)}
              aria-pressed={c === data.color}
              data-testid={`note-${id}-color-${c}`}
              onClick={() => actions.updateNote(id, { color: c })}
            />
          ))}
      </div>
      {editing && actions ? (
        <textarea
          className="fd-note__text nodrag nowheel"
          // The user just asked to edit this note.
          autoFocus
          value={data.text}
          maxLength={ANNOTATION_LIMITS.noteChars}
          placeholder={t('notes.placeholder')}
          aria-label={t('notes.text')}
          data-testid={`note-${id}-text`}
          onChange={(e) => actions.updateNote(id, { text: e.target.value })}
          onBlur={() => setEditing(false)}
          onKeyDown={(e) => e.key === 'Escape' && e.currentTarget.blur()}
        />
      ) : (
        <div className="fd-note__body nowheel" data-testid={`note-${id}-body`} onDoubleClick={() => actions && setEditing(true)}>
          {blocks.length === 0 && <p className="fd-muted">{actions ? t('notes.empty') : ''}</p>}
          <NoteText text={data.text} />
        </div>
      )}
    </div>
  );
}

/** A group's frame: drag it to move its members; its label is edited in place. */
function FrameViewImpl({ id, data, selected }: NodeProps<FrameCanvasNode>) {
  const { t } = useTranslation();
  const actions = useAnnotationActions();
  const mark = useDiffMark(id);
  return (
    <div
      className={`fd-frame${selected ? ' is-selected' : ''}${mark ? ` diff-${mark}` : ''}`}
      data-diff={mark}
      data-testid={`frame-${id}`}
      aria-label={t('groups.frame', { label: data.label })}
    >
      <div className="fd-frame__label">
        {actions ? (
          <input
            className="nodrag"
            value={data.label}
            maxLength={ANNOTATION_LIMITS.groupLabel}
            placeholder={t('groups.unnamed')}
            aria-label={t('groups.label')}
            data-testid={`frame-${id}-label`}
            onChange={(e) => actions.renameGroup(id, e.target.value)}
          />
        ) : (
          <span>{data.label || t('groups.unnamed')}</span>
        )}
      </div>
    </div>
  );
}

export const NoteView = memo(NoteViewImpl);
export const FrameView = memo(FrameViewImpl);
