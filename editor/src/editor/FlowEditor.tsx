import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { useReactFlow, type XYPosition } from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import type { FlowDocumentInput } from '@flightdeck/workflows';
import type { Flow } from '../api/types.ts';
import { api, ApiError } from '../api/client.ts';
import { ConflictDialog } from '../versions/ConflictDialog.tsx';
import { useQueryClient } from '@tanstack/react-query';
import { keys } from '../api/queries.ts';
import { AppHeader } from '../components/AppHeader.tsx';
import { useErrorText } from '../components/errorText.ts';
import { useDocumentTitle } from '../components/useDocumentTitle.ts';
import { useToast } from '../components/Toasts.tsx';
import { CanvasContext, type CanvasInfo } from '../flow/canvasContext.ts';
import { freeSpot, orphanHandles } from '../flow/graph.ts';
import { indexIssues } from '../flow/issues.ts';
import { href, navigate, setLeaveGuard } from '../routes.ts';
import { BottomPanel, type BottomTab } from './BottomPanel.tsx';
import { EditorCanvas } from './EditorCanvas.tsx';
import { EditorToolbar } from './EditorToolbar.tsx';
import { CanvasTools } from './CanvasTools.tsx';
import { NodeSearchDialog } from './NodeSearchDialog.tsx';
import { ConnectDialog } from './ConnectDialog.tsx';
import { ShortcutsDialog } from './ShortcutsDialog.tsx';
import { useCanvasCommands } from './useCanvasCommands.ts';
import { HookSecretDialog } from './HookSecretDialog.tsx';
import { Inspector } from './Inspector.tsx';
import { Palette } from './Palette.tsx';
import { RunDialog } from './RunDialog.tsx';
import { useTestHooks, type FlightdeckTestApi } from './testHooks.ts';
import { useFlowDraft } from './useFlowDraft.ts';
import { useFlowPersistence } from './useFlowPersistence.ts';

// The what-if runs the interpreter and the KPI maths in the browser: its code loads when it is first opened.
const WhatIfPanel = lazy(() => import('./WhatIfPanel.tsx'));

/** Where Alt+P and Alt+I put the focus: the palette's search, the inspector's first field one can change. */
const PALETTE_FOCUS = '[data-testid="palette"] input';
const INSPECTOR_FOCUS = '[data-testid="inspector"] :is(input:not([readonly]), textarea, select, button)';
const focusFirst = (selector: string) => document.querySelector<HTMLElement>(selector)?.focus();

const NODE_W = 220;
const NODE_H = 90;

/** The editor for one flow: toolbar, palette, canvas, inspector and the bottom panels. */
export function FlowEditor(props: { flow: Flow | null; initialGraph: FlowDocumentInput; onCreated: (id: string) => void }) {
  const { t } = useTranslation();
  const toast = useToast();
  const errorText = useErrorText();
  const { screenToFlowPosition, setCenter, getZoom } = useReactFlow();
  const draft = useFlowDraft(props.initialGraph);
  const { addNode } = draft;
  const store = useFlowPersistence(props.flow, draft, props.onCreated);
  const { saveNow, publishNow, loadFromServer } = store;
  const qc = useQueryClient();
  const [resolving, setResolving] = useState(false);
  useDocumentTitle(store.name);
  const [busy, setBusy] = useState<'save' | 'publish' | null>(null);
  const [tab, setTab] = useState<BottomTab>('problems');
  const [runOpen, setRunOpen] = useState(false);
  const [hookOpen, setHookOpen] = useState(false);
  const [whatIfOpen, setWhatIfOpen] = useState(false);
  // Once opened, the what-if panel stays mounted (hidden while the inspector edits the flow), so its last result is
  // still there to compare the next simulation with.
  const [whatIfMounted, setWhatIfMounted] = useState(false);
  const [reached, setReached] = useState<ReadonlySet<string> | null>(null);
  const [searchOpen, setSearchOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [connectFrom, setConnectFrom] = useState<string | null>(null);
  const openConnect = useCallback(
    (nodeId?: string) => {
      const selected = draft.current().nodes.filter((n) => n.selected);
      const from = nodeId ?? (selected.length === 1 ? selected[0]!.id : null);
      if (from) setConnectFrom(from);
      else toast('error', t('connect.selectOne'));
    },
    [draft, toast, t],
  );
  const commands = useCanvasCommands(draft, {
    search: () => setSearchOpen(true),
    help: () => setHelpOpen(true),
    connect: () => openConnect(),
    focusPalette: () => focusFirst(PALETTE_FOCUS),
    focusInspector: () => focusFirst(INSPECTOR_FOCUS),
  });
  const connectSource = connectFrom ? draft.nodes.find((n) => n.id === connectFrom) : undefined;
  const selectedCount = draft.nodes.reduce((n, x) => n + (x.selected ? 1 : 0), 0);
  const canUngroup = draft.groups.some((g) => g.selected || g.nodes.some((id) => draft.nodes.some((n) => n.selected && n.id === id)));
  const webhookTriggered = draft.nodes.some((n) => n.data.type === 'trigger.webhook');
  const scheduled = draft.nodes.some((n) => n.data.type === 'trigger.schedule');

  const allIssues = useMemo(
    () => (store.serverIssues.length ? [...draft.issues, ...store.serverIssues] : draft.issues),
    [draft.issues, store.serverIssues],
  );
  const issueIndex = useMemo(() => indexIssues(allIssues), [allIssues]);
  const orphans = useMemo(() => orphanHandles(draft.nodes, draft.edges), [draft.nodes, draft.edges]);
  // Drags make new node arrays every frame; key the map by content so nodes do not all repaint.
  const orphanKey = JSON.stringify([...orphans]);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const stableOrphans = useMemo(() => orphans, [orphanKey]);
  const canvasInfo = useMemo<CanvasInfo>(
    () => ({ mode: 'edit', issues: issueIndex, run: null, orphanHandles: stableOrphans, reached }),
    [issueIndex, stableOrphans, reached],
  );

  const save = useCallback(async () => {
    setBusy('save');
    try {
      await saveNow();
      toast('success', t('editor.saved'));
    } catch (e) {
      // A conflict opens its own dialog.
      if (!(e instanceof ApiError && e.status === 409)) toast('error', t('editor.saveFailed', { detail: errorText(e) }));
    } finally {
      setBusy(null);
    }
  }, [saveNow, toast, t, errorText]);

  const publish = useCallback(async () => {
    if (draft.issues.length) {
      setTab('problems');
      toast('error', t('editor.fixBeforePublish', { count: draft.issues.length }));
      return;
    }
    setBusy('publish');
    try {
      const v = await publishNow();
      toast('success', t('editor.published', { version: v.version }));
    } catch (e) {
      setTab('problems');
      toast('error', t('editor.publishFailed', { detail: errorText(e) }));
    } finally {
      setBusy(null);
    }
  }, [draft.issues.length, publishNow, toast, t, errorText]);

  /** Publishes version n again as the newest, and shows the draft the server made of it. */
  const rollback = useCallback(
    async (n: number) => {
      const id = store.flowId;
      if (!id) return;
      try {
        const v = await api.rollback(id, n);
        loadFromServer(await api.getFlow(id));
        void qc.invalidateQueries({ queryKey: keys.versions(id) });
        void qc.invalidateQueries({ queryKey: keys.flows, exact: true });
        toast('success', t('versions.rolledBack', { from: n, version: v.version }));
      } catch (e) {
        toast('error', t('versions.rollbackFailed', { detail: errorText(e) }));
      }
    },
    [store.flowId, loadFromServer, qc, toast, t, errorText],
  );

  const resolve = useCallback(
    async (choice: 'reload' | 'keep') => {
      setResolving(true);
      try {
        await store.resolveConflict(choice);
        toast('success', choice === 'reload' ? t('conflict.reloaded') : t('editor.saved'));
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 409)) toast('error', t('editor.saveFailed', { detail: errorText(e) }));
      } finally {
        setResolving(false);
      }
    },
    [store, toast, t, errorText],
  );

  const canvasRect = () => document.querySelector('.fd-editor .fd-canvas')?.getBoundingClientRect();

  /** Where a node added without a drop point goes: right of the selected node, else mid-view; never on top of another. */
  const placeNew = useCallback((): XYPosition => {
    const selected = draft.nodes.filter((n) => n.selected);
    let p: XYPosition;
    if (selected.length === 1) {
      const s = selected[0]!;
      p = { x: s.position.x + (s.measured?.width ?? NODE_W) + 80, y: s.position.y };
    } else {
      const r = canvasRect();
      const c = r ? screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 2 }) : { x: 0, y: 0 };
      p = { x: c.x - NODE_W / 2, y: c.y - NODE_H / 2 };
    }
    return freeSpot(p, draft.nodes);
  }, [draft.nodes, screenToFlowPosition]);

  /**
   * Adds a node where placeNew says, and pans to it when that is outside the visible canvas. Reads the latest render
   * through a ref so that the palette's callback stays the same while a drag rewrites the nodes every frame.
   */
  const placeNewRef = useRef(placeNew);
  useEffect(() => {
    placeNewRef.current = placeNew;
  }, [placeNew]);
  const addFromPalette = useCallback(
    (type: string) => {
      const p = placeNewRef.current();
      addNode(type, p, { select: true });
      const r = canvasRect();
      if (!r) return;
      const tl = screenToFlowPosition({ x: r.left, y: r.top });
      const br = screenToFlowPosition({ x: r.right, y: r.bottom });
      const inside = p.x >= tl.x && p.y >= tl.y && p.x + NODE_W <= br.x && p.y + NODE_H <= br.y;
      if (!inside) void setCenter(p.x + NODE_W / 2, p.y + NODE_H / 2, { zoom: getZoom(), duration: 250 });
    },
    [addNode, screenToFlowPosition, setCenter, getZoom],
  );

  /** Selects what a problem is about and brings it into view. */
  const pick = useCallback(
    (target: { nodeId?: string; edgeId?: string }) => {
      draft.select(target);
      const nodeId = target.nodeId ?? draft.edges.find((e) => e.id === target.edgeId)?.source;
      const node = draft.nodes.find((n) => n.id === nodeId);
      if (!node) return;
      const w = node.measured?.width ?? NODE_W;
      const h = node.measured?.height ?? NODE_H;
      void setCenter(node.position.x + w / 2, node.position.y + h / 2, { zoom: Math.max(getZoom(), 0.9), duration: 300 });
    },
    [draft, getZoom, setCenter],
  );

  // Ctrl/Cmd+S saves, as in every editor; the browser's "save page" is never what is meant here.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
        e.preventDefault();
        void save();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [save]);

  useEffect(() => {
    if (!store.dirty) return;
    setLeaveGuard(() => window.confirm(t('editor.confirmLeave')));
    const onBeforeUnload = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      setLeaveGuard(null);
      window.removeEventListener('beforeunload', onBeforeUnload);
    };
  }, [store.dirty, t]);

  // Created once and reading the latest render through a ref, so back-to-back calls (each
  // rendering synchronously) always see the previous call's result.
  const latest = useRef({ draft, placeNew, allIssues, flowId: store.flowId });
  // eslint-disable-next-line react-hooks/refs -- written during render on purpose, for the reason above
  latest.current = { draft, placeNew, allIssues, flowId: store.flowId };
  const testApi = useMemo<FlightdeckTestApi>(
    () => ({
      addNode: (type, position) => latest.current.draft.addNode(type, position ?? latest.current.placeNew()),
      connect: (source, handle, target) => latest.current.draft.connect({ source, sourceHandle: handle, target, targetHandle: null }),
      getFlow: () => latest.current.draft.getDocument(),
      updateConfig: (nodeId, config) => flushSync(() => latest.current.draft.updateNodeData(nodeId, { config })),
      select: (nodeId) => flushSync(() => latest.current.draft.select(nodeId ? { nodeId } : {})),
      getIssues: () => latest.current.allIssues,
      getFlowId: () => latest.current.flowId,
    }),
    [],
  );
  useTestHooks(testApi);

  const saveState =
    busy === 'save'
      ? t('editor.saving')
      : store.autosaveError
        ? t('editor.autosaveFailed')
        : store.dirty
          ? t('editor.unsaved')
          : store.flowId
            ? t('editor.allSaved')
            : t('editor.notSaved');

  return (
    <div className="fd-app fd-editor">
      <AppHeader>
        <EditorToolbar
          name={store.name}
          onName={store.setName}
          saveState={saveState}
          dirty={store.dirty}
          latestVersion={store.latestVersion}
          busy={busy}
          onSave={() => void save()}
          onPublish={() => void publish()}
          onRun={() => setRunOpen(true)}
          onSimulate={() => {
            setWhatIfMounted(true);
            setWhatIfOpen(true);
          }}
          onHookSecret={webhookTriggered ? () => setHookOpen(true) : undefined}
        />
      </AppHeader>
      <CanvasContext.Provider value={canvasInfo}>
        <main className="fd-workspace">
          <Palette onAdd={addFromPalette} />
          <section className="fd-center">
            <EditorCanvas draft={draft} issues={issueIndex}>
              <CanvasTools
                canUndo={draft.canUndo}
                canRedo={draft.canRedo}
                onUndo={draft.undo}
                onRedo={draft.redo}
                onLayout={() => void commands.layout()}
                layingOut={commands.layingOut}
                onSearch={() => setSearchOpen(true)}
                onHelp={() => setHelpOpen(true)}
                selectedCount={selectedCount}
                onAlign={commands.alignSelected}
                onDistribute={commands.distributeSelected}
                onDuplicate={commands.duplicate}
                onAddNote={() => void commands.addNote()}
                onGroup={commands.group}
                onUngroup={canUngroup ? () => void draft.ungroupSelected() : undefined}
              />
            </EditorCanvas>
          </section>
          {whatIfMounted && (
            <Suspense fallback={whatIfOpen ? <aside className="fd-inspector">{t('common.loading')}</aside> : null}>
              <WhatIfPanel
                doc={draft.doc}
                visible={whatIfOpen}
                onReached={setReached}
                onClose={() => {
                  setReached(null);
                  setWhatIfOpen(false);
                }}
              />
            </Suspense>
          )}
          {!whatIfOpen && (
            <Inspector
              draft={draft}
              issues={issueIndex}
              description={store.description}
              onDescription={store.setDescription}
              onConnectFrom={openConnect}
            />
          )}
          <BottomPanel
            tab={tab}
            onTab={setTab}
            issues={allIssues}
            warnings={draft.warnings}
            nodes={draft.nodes}
            edges={draft.edges}
            onPick={pick}
            flowId={store.flowId}
            departmentId={props.flow?.departmentId}
            onRollback={rollback}
            {...(scheduled ? { schedule: { departmentId: props.flow?.departmentId, draftAhead: store.draftAhead } } : {})}
          />
        </main>
      </CanvasContext.Provider>
      {store.conflict && (
        <ConflictDialog
          diff={store.conflict.diff}
          busy={resolving}
          onReload={() => void resolve('reload')}
          onKeepMine={() => void resolve('keep')}
        />
      )}
      {searchOpen && (
        <NodeSearchDialog
          nodes={draft.nodes}
          onClose={() => setSearchOpen(false)}
          onPick={(nodeId) => {
            setSearchOpen(false);
            pick({ nodeId });
          }}
        />
      )}
      {connectSource && (
        <ConnectDialog
          source={connectSource}
          nodes={draft.nodes}
          edges={draft.edges}
          onClose={() => setConnectFrom(null)}
          onConnect={(handle, target) => {
            setConnectFrom(null);
            if (!draft.connect({ source: connectSource.id, sourceHandle: handle, target, targetHandle: null })) return;
            // The target is selected next, so that a chain is built by connecting onwards from each new node.
            draft.select({ nodeId: target });
            toast('success', t('connect.done', { source: connectSource.data.label || connectSource.id, target }));
          }}
        />
      )}
      {helpOpen && <ShortcutsDialog onClose={() => setHelpOpen(false)} />}
      {hookOpen && (
        <HookSecretDialog
          // The secret belongs to a saved flow; an unsaved one is saved first.
          ensureFlowId={async () => (store.flowId && !store.dirty ? store.flowId : saveNow())}
          onClose={() => setHookOpen(false)}
        />
      )}
      {runOpen && (
        <RunDialog
          doc={draft.doc}
          problemCount={draft.issues.length}
          campaignNeeds={draft.campaignNeeds}
          latestVersion={store.latestVersion}
          suggestPublish={store.draftAhead}
          onStart={store.startRun}
          onStarted={(run) => {
            setRunOpen(false);
            // Everything is saved by now, so leaving needs no confirmation.
            setLeaveGuard(null);
            navigate(href.run(run.id));
          }}
          onClose={() => setRunOpen(false)}
        />
      )}
    </div>
  );
}
