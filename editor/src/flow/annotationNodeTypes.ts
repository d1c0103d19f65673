import { canvasNodeTypes } from './FlowNodeView.tsx';
import { FrameView, NoteView } from './AnnotationViews.tsx';

/** The node views of every canvas that draws a flow with its notes and group frames (editor, run, version diff). */
export const annotatedNodeTypes = { ...canvasNodeTypes, note: NoteView, frame: FrameView };
