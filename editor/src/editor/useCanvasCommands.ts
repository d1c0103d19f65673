import { useCallback, useEffect, useRef, useState } from 'react';
import { useReactFlow } from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import { nodeType } from '../catalogue.ts';
import { useToast } from '../components/Toasts.tsx';
import { align, distribute, type Alignment, type Axis, type Box } from '../flow/arrange.ts';
import { parseFragment, placeFragment, serializeFragment, type Fragment } from '../flow/fragment.ts';
import type { CanvasNode } from '../flow/graph.ts';
import { FIT_OPTIONS } from '../flow/FitView.tsx';
import type { FlowDraft } from './useFlowDraft.ts';

const OFFSET = 40;

const boxOf = (n: CanvasNode): Box => ({
  id: n.id,
  x: n.position.x,
  y: n.position.y,
  w: n.measured?.width ?? 220,
  h: n.measured?.height ?? 90,
});

/** Typing in a field keeps the browser's own undo, copy and paste. */
export function isEditable(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && !!target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]');
}

/** What the editor opens or focuses on a shortcut; the dialogs and panels live in FlowEditor. */
export interface CanvasOpeners {
  search: () => void;
  help: () => void;
  /** "Connect to…" from the selected node. */
  connect: () => void;
  /** Focus moves into the palette's search or the inspector's first field. */
  focusPalette: () => void;
  focusInspector: () => void;
}

/**
 * Alt plus a letter, matched by the physical key: on a Mac, Alt+C types "ç", so e.key would never be "c". A modifier
 * keeps these off plain typing (WCAG 2.1.4, character key shortcuts).
 */
const ALT_KEYS: Record<string, keyof CanvasOpeners> = { KeyC: 'connect', KeyP: 'focusPalette', KeyI: 'focusInspector' };

/**
 * The canvas's bulk commands (copy, paste, duplicate, align, distribute, auto-layout, notes, groups) and their
 * keyboard shortcuts. Each is one undo step, through the draft.
 */
export function useCanvasCommands(draft: FlowDraft, open: CanvasOpeners) {
  const { t } = useTranslation();
  const toast = useToast();
  const { fitView, screenToFlowPosition } = useReactFlow();
  const [layingOut, setLayingOut] = useState(false);
  const pastes = useRef(0);

  const selected = useCallback(() => draft.current().nodes.filter((n) => n.selected), [draft]);
  /** What a copy takes: the selected nodes and the members of selected frames, and the selected notes. */
  const copySelection = useCallback(() => {
    const { nodes, notes, groups } = draft.current();
    const framed = new Set(groups.filter((g) => g.selected).flatMap((g) => g.nodes));
    return { nodes: nodes.filter((n) => n.selected || framed.has(n.id)), notes: notes.filter((n) => n.selected), groups };
  }, [draft]);

  const insertFragment = useCallback(
    (fragment: Fragment, offset: { x: number; y: number }) => {
      const known = fragment.nodes.filter((n) => nodeType(n.type));
      const skipped = fragment.nodes.length - known.length;
      const { nodes, edges, notes, groups } = draft.current();
      const placed = placeFragment(
        { ...fragment, nodes: known },
        { nodeIds: [...nodes, ...notes, ...groups].map((n) => n.id), edgeIds: edges.map((e) => e.id) },
        offset,
      );
      draft.insert(placed);
      if (skipped) toast('error', t('tools.pasteUnknownTypes', { count: skipped }));
      return placed;
    },
    [draft, toast, t],
  );

  const copyText = useCallback((): string | null => {
    const { nodes, notes, groups } = copySelection();
    if (!nodes.length && !notes.length) return null;
    pastes.current = 0;
    return serializeFragment(nodes, draft.current().edges, notes, groups);
  }, [draft, copySelection]);

  const pasteText = useCallback(
    (text: string): boolean => {
      const parsed = parseFragment(text);
      if (!parsed.ok) {
        if (parsed.reason === 'tooLarge') toast('error', t('tools.pasteTooLarge'));
        else if (parsed.reason === 'notFragment') toast('error', t('tools.pasteNotFragment'));
        return false;
      }
      const { nodes, notes } = draft.current();
      const existing = new Set([...nodes, ...notes].map((n) => n.id));
      const placedItems = [...parsed.fragment.nodes, ...(parsed.fragment.notes ?? [])];
      let offset: { x: number; y: number };
      if (placedItems.every((n) => existing.has(n.id))) {
        // Copied from this flow: each paste steps down and right from the original.
        pastes.current += 1;
        offset = { x: OFFSET * pastes.current, y: OFFSET * pastes.current };
      } else {
        // From elsewhere: the fragment's top-left corner goes to the middle of the visible canvas.
        const pane = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
        const c = pane ? screenToFlowPosition({ x: pane.left + pane.width / 3, y: pane.top + pane.height / 3 }) : { x: 0, y: 0 };
        const minX = Math.min(...placedItems.map((n) => n.position.x));
        const minY = Math.min(...placedItems.map((n) => n.position.y));
        offset = { x: c.x - minX, y: c.y - minY };
      }
      const placed = insertFragment(parsed.fragment, offset);
      const count = placed.nodes.length + placed.notes.length;
      const renamedNodes = [...placed.renamed].filter(([from]) => parsed.fragment.nodes.some((n) => n.id === from));
      if (count && renamedNodes.length && !placedItems.every((n) => existing.has(n.id))) {
        // From elsewhere with clashing ids: say which, since the references in the pasted nodes now use the new ones.
        const list = renamedNodes.map(([from, to]) => `${from} → ${to}`).join(', ');
        toast('success', t('tools.pastedRenamed', { count, list }));
      } else if (count) toast('success', t('tools.pasted', { count }));
      return count > 0;
    },
    [draft, insertFragment, screenToFlowPosition, toast, t],
  );

  /** A note in the middle of the visible canvas, or right of the single selected node. */
  const addNote = useCallback(() => {
    const pane = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
    const c = pane ? screenToFlowPosition({ x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 }) : { x: 0, y: 0 };
    return draft.addNote({ x: Math.round(c.x - 120), y: Math.round(c.y - 80) });
  }, [draft, screenToFlowPosition]);

  const group = useCallback(() => {
    if (!draft.groupSelected(t('groups.defaultLabel'))) toast('error', t('groups.nothingToGroup'));
  }, [draft, toast, t]);

  const duplicate = useCallback(() => {
    const text = copyText();
    const parsed = text ? parseFragment(text) : null;
    if (parsed?.ok) insertFragment(parsed.fragment, { x: OFFSET, y: OFFSET });
  }, [copyText, insertFragment]);

  const alignSelected = useCallback((how: Alignment) => draft.moveNodes(align(selected().map(boxOf), how)), [draft, selected]);
  const distributeSelected = useCallback((axis: Axis) => draft.moveNodes(distribute(selected().map(boxOf), axis)), [draft, selected]);

  const layout = useCallback(async () => {
    setLayingOut(true);
    try {
      const { autoLayout } = await import('../flow/autoLayout.ts');
      const { nodes, edges, groups, notes } = draft.current();
      draft.moveNodes(await autoLayout(nodes, edges, groups, notes));
      // After React Flow has painted the new positions, or it would fit the old ones.
      await new Promise((resolve) => requestAnimationFrame(resolve));
      await fitView(FIT_OPTIONS);
    } catch (e) {
      toast('error', t('tools.layoutFailed', { detail: e instanceof Error ? e.message : String(e) }));
    } finally {
      setLayingOut(false);
    }
  }, [draft, fitView, toast, t]);

  const latest = useRef({ draft, copyText, pasteText, duplicate, open, group, addNote });
  useEffect(() => {
    latest.current = { draft, copyText, pasteText, duplicate, open, group, addNote };
  });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const { draft: d, duplicate: dup, open: o, group: g, addNote: note } = latest.current;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === 'k') {
        e.preventDefault();
        o.search();
        return;
      }
      if (e.altKey && !mod && !e.shiftKey && ALT_KEYS[e.code] && !document.querySelector('dialog[open]')) {
        // Also from a field: the point is to get out of one into the next region.
        e.preventDefault();
        o[ALT_KEYS[e.code]!]();
        return;
      }
      if (isEditable(e.target) || document.querySelector('dialog[open]')) return;
      if (mod && key === 'z') {
        e.preventDefault();
        if (e.shiftKey) d.redo();
        else d.undo();
      } else if (mod && key === 'y') {
        e.preventDefault();
        d.redo();
      } else if (mod && key === 'd') {
        e.preventDefault();
        dup();
      } else if (mod && key === 'g') {
        // Ctrl/⌘+G groups, Shift+Ctrl/⌘+G ungroups, as in drawing tools.
        e.preventDefault();
        if (e.shiftKey) d.ungroupSelected();
        else g();
      } else if (key === 'n' && !mod && !e.altKey && !e.shiftKey) {
        e.preventDefault();
        note();
      } else if (e.key === '?' && !mod) {
        e.preventDefault();
        o.help();
      }
    };
    // Copy and paste as the browser's own events: no clipboard permission needed, and any app's text arrives.
    const onCopy = (e: ClipboardEvent) => {
      // Text the user selected outside the canvas is theirs to copy; on the canvas, the selected nodes are meant.
      const onCanvas = e.target === document.body || (e.target instanceof HTMLElement && !!e.target.closest('.react-flow'));
      if (isEditable(e.target) || (!onCanvas && document.getSelection()?.toString())) return;
      const text = latest.current.copyText();
      if (!text || !e.clipboardData) return;
      e.preventDefault();
      e.clipboardData.setData('text/plain', text);
      const { nodes, notes } = JSON.parse(text) as { nodes: unknown[]; notes?: unknown[] };
      toast('success', t('tools.copied', { count: nodes.length + (notes?.length ?? 0) }));
    };
    const onPaste = (e: ClipboardEvent) => {
      if (isEditable(e.target) || document.querySelector('dialog[open]')) return;
      const text = e.clipboardData?.getData('text/plain');
      if (!text) return;
      if (latest.current.pasteText(text)) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    document.addEventListener('copy', onCopy);
    document.addEventListener('paste', onPaste);
    return () => {
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('copy', onCopy);
      document.removeEventListener('paste', onPaste);
    };
  }, [toast, t]);

  return { duplicate, alignSelected, distributeSelected, layout, layingOut, pasteText, addNote, group };
}
