import { describe, expect, it } from 'vitest';
import { FRAME_PAD, flowNodeChanges, notesInReadingOrder, notesToCanvas, readOnlyCanvasNodes } from '../src/flow/annotations.ts';
import type { CanvasNode } from '../src/flow/graph.ts';

const node = (id: string, x: number, y: number): CanvasNode => ({
  id,
  type: 'flow',
  position: { x, y },
  measured: { width: 200, height: 80 },
  data: { type: 'control.end', config: {} },
});

describe('read-only notes and frames (run view, version diff)', () => {
  const nodes = [node('a', 0, 0), node('b', 300, 100)];
  const notes = notesToCanvas([{ id: 'note_1', text: 'hi', color: 'blue', position: { x: 0, y: 300 }, size: { width: 240, height: 120 } }]);
  const drawn = readOnlyCanvasNodes(notes, [{ id: 'group_1', label: 'G', nodes: ['a', 'b', 'gone'], selected: true }], nodes);

  it('draws frames under the nodes and notes over them, none of them draggable, selectable or focusable', () => {
    expect(drawn.map((n) => n.id)).toEqual(['group_1', 'a', 'b', 'note_1']);
    for (const n of [drawn[0]!, drawn[3]!]) {
      expect(n).toMatchObject({ draggable: false, selectable: false, focusable: false, deletable: false, selected: false });
    }
    // The frame is the editor's: around the members on the canvas, with room for the label.
    expect(drawn[0]).toMatchObject({
      position: { x: -FRAME_PAD.side, y: -FRAME_PAD.top },
      width: 500 + 2 * FRAME_PAD.side,
      height: 180 + FRAME_PAD.top + FRAME_PAD.side,
    });
    // The flow's nodes are passed through untouched.
    expect(drawn[1]).toBe(nodes[0]);
  });

  it("hands the flow's nodes only their own changes", () => {
    const changes = flowNodeChanges(
      [
        { type: 'dimensions', id: 'a', dimensions: { width: 210, height: 90 } },
        { type: 'dimensions', id: 'note_1', dimensions: { width: 1, height: 1 } },
        { type: 'select', id: 'group_1', selected: true },
      ],
      drawn,
    );
    expect(changes.map((c) => ('id' in c ? c.id : ''))).toEqual(['a']);
  });
});

describe("read-only notes' text list", () => {
  const at = (id: string, x: number, y: number) => ({ id, position: { x, y } });
  it('reads top to bottom, and left to right on a row, whatever order the document keeps them in', () => {
    // b and c start on one row (30 px apart, under half a note's height); d is below them; a is above all.
    const notes = [at('d', -400, 400), at('c', 500, 30), at('b', 100, 0), at('a', 900, -300)];
    expect(notesInReadingOrder(notes).map((n) => n.id)).toEqual(['a', 'b', 'c', 'd']);
    // The input is left as it was.
    expect(notes.map((n) => n.id)).toEqual(['d', 'c', 'b', 'a']);
  });
});
