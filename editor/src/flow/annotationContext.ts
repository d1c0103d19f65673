import { createContext, useContext } from 'react';
import type { NoteData } from './annotations.ts';

/** What a note or frame may change on the draft; absent where the canvas is read-only (a run, a version diff). */
export interface AnnotationActions {
  updateNote(id: string, patch: Partial<NoteData>): void;
  renameGroup(id: string, label: string): void;
  /** True once, for the note the user just added: it opens for typing. */
  takeFreshNote(id: string): boolean;
}

export const AnnotationContext = createContext<AnnotationActions | null>(null);

export function useAnnotationActions(): AnnotationActions | null {
  return useContext(AnnotationContext);
}
