/** Every keyboard shortcut of the editor, for the help panel; the handlers live in useCanvasCommands and FlowEditor. */
export const SHORTCUTS: readonly { keys: string; action: string }[] = [
  { keys: 'Ctrl/⌘ + Z', action: 'shortcuts.undo' },
  { keys: 'Shift + Ctrl/⌘ + Z, Ctrl + Y', action: 'shortcuts.redo' },
  { keys: 'Ctrl/⌘ + C', action: 'shortcuts.copy' },
  { keys: 'Ctrl/⌘ + V', action: 'shortcuts.paste' },
  { keys: 'Ctrl/⌘ + D', action: 'shortcuts.duplicate' },
  { keys: 'Ctrl/⌘ + G', action: 'shortcuts.group' },
  { keys: 'Shift + Ctrl/⌘ + G', action: 'shortcuts.ungroup' },
  { keys: 'N', action: 'shortcuts.note' },
  { keys: 'Delete, Backspace', action: 'shortcuts.delete' },
  { keys: 'Shift + drag', action: 'shortcuts.selectBox' },
  { keys: 'Shift/Ctrl/⌘ + click', action: 'shortcuts.selectMore' },
  { keys: '← ↑ → ↓', action: 'shortcuts.move' },
  { keys: 'Ctrl/⌘ + K', action: 'shortcuts.search' },
  { keys: 'Ctrl/⌘ + S', action: 'shortcuts.save' },
  { keys: '?', action: 'shortcuts.help' },
  { keys: 'Esc', action: 'shortcuts.close' },
];
