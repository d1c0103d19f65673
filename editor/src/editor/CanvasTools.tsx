import { Panel } from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import type { Alignment, Axis } from '../flow/arrange.ts';

const ALIGN: { how: Alignment; key: string; glyph: string }[] = [
  { how: 'left', key: 'tools.alignLeft', glyph: '⇤' },
  { how: 'centerX', key: 'tools.alignCenterX', glyph: '↔' },
  { how: 'right', key: 'tools.alignRight', glyph: '⇥' },
  { how: 'top', key: 'tools.alignTop', glyph: '⤒' },
  { how: 'centerY', key: 'tools.alignCenterY', glyph: '↕' },
  { how: 'bottom', key: 'tools.alignBottom', glyph: '⤓' },
];

/** The strip over the canvas: history, layout, search, shortcuts, and arranging a selection of two or more. */
export function CanvasTools(props: {
  canUndo: boolean;
  canRedo: boolean;
  onUndo: () => void;
  onRedo: () => void;
  onLayout: () => void;
  layingOut: boolean;
  onSearch: () => void;
  onHelp: () => void;
  selectedCount: number;
  onAlign: (how: Alignment) => void;
  onDistribute: (axis: Axis) => void;
  onDuplicate: () => void;
  onAddNote: () => void;
  onGroup: () => void;
  /** Absent when nothing selected is in a group. */
  onUngroup?: () => void;
}) {
  const { t } = useTranslation();
  const btn = 'fd-btn fd-btn--small';
  return (
    <Panel position="top-left" className="fd-canvastools" aria-label={t('tools.bar')} data-testid="canvas-tools">
      <div role="toolbar" aria-label={t('tools.bar')} className="fd-canvastools__row">
        <button
          type="button"
          className={btn}
          data-testid="undo"
          disabled={!props.canUndo}
          onClick={props.onUndo}
          title={t('tools.undoHelp')}
        >
          ↶ {t('tools.undo')}
        </button>
        <button
          type="button"
          className={btn}
          data-testid="redo"
          disabled={!props.canRedo}
          onClick={props.onRedo}
          title={t('tools.redoHelp')}
        >
          ↷ {t('tools.redo')}
        </button>
        <button
          type="button"
          className={btn}
          data-testid="auto-layout"
          disabled={props.layingOut}
          onClick={props.onLayout}
          title={t('tools.layoutHelp')}
        >
          {props.layingOut ? t('tools.layingOut') : t('tools.layout')}
        </button>
        <button type="button" className={btn} data-testid="add-note" onClick={props.onAddNote} title={t('notes.addHelp')}>
          {t('notes.add')}
        </button>
        <button type="button" className={btn} data-testid="open-node-search" onClick={props.onSearch} title={t('tools.searchHelp')}>
          {t('tools.search')}
        </button>
        <button type="button" className={btn} data-testid="open-shortcuts" onClick={props.onHelp} title={t('tools.shortcutsHelp')}>
          {t('tools.shortcuts')}
        </button>
      </div>
      {(props.selectedCount >= 1 || props.onUngroup) && (
        <div role="toolbar" aria-label={t('tools.align')} className="fd-canvastools__row" data-testid="arrange-tools">
          {props.selectedCount >= 1 && (
            <>
              <button type="button" className={btn} data-testid="duplicate" onClick={props.onDuplicate}>
                {t('tools.duplicate')}
              </button>
              <button type="button" className={btn} data-testid="group" onClick={props.onGroup} title={t('groups.groupHelp')}>
                {t('groups.group')}
              </button>
            </>
          )}
          {props.onUngroup && (
            <button type="button" className={btn} data-testid="ungroup" onClick={props.onUngroup} title={t('groups.ungroupHelp')}>
              {t('groups.ungroup')}
            </button>
          )}
          {props.selectedCount >= 2 &&
            ALIGN.map((a) => (
              <button
                key={a.how}
                type="button"
                className={btn}
                data-testid={`align-${a.how}`}
                onClick={() => props.onAlign(a.how)}
                title={t(a.key)}
                aria-label={t(a.key)}
              >
                <span aria-hidden>{a.glyph}</span>
              </button>
            ))}
          {props.selectedCount >= 3 && (
            <>
              <button type="button" className={btn} data-testid="distribute-horizontal" onClick={() => props.onDistribute('horizontal')}>
                {t('tools.distributeH')}
              </button>
              <button type="button" className={btn} data-testid="distribute-vertical" onClick={() => props.onDistribute('vertical')}>
                {t('tools.distributeV')}
              </button>
            </>
          )}
        </div>
      )}
    </Panel>
  );
}
