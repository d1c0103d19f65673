import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { useReactFlow, type XYPosition } from '@xyflow/react';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { FlowDocument } from '@flightdeck/workflows';
import { api, ApiError } from '../api/client.ts';
import { useErrorText } from '../components/errorText.ts';
import { keys, useVersions } from '../api/queries.ts';
import type { Flow, Run } from '../api/types.ts';
import { AppHeader } from '../components/AppHeader.tsx';
import { useToast } from '../components/Toasts.tsx';
import { CanvasContext, type CanvasInfo } from '../flow/canvasContext.ts';
import { freeSpot, orphanHandles } from '../flow/graph.ts';
import { fromServer, indexIssues, type Issue } from '../flow/issues.ts';
import { href, navigate, setLeaveGuard } from '../routes.ts';
import { EditorCanvas } from './EditorCanvas.tsx';
import { Inspector } from './Inspector.tsx';
import { Palette } from './Palette.tsx';
import { ProblemsPanel } from './ProblemsPanel.tsx';
import { RunDialog } from './RunDialog.tsx';
import { RunsPanel } from './RunsPanel.tsx';
import { useTestHooks, type FlightdeckTestApi } from './testHooks.ts';
import { useFlowDraft } from './useFlowDraft.ts';

interface Snapshot {
  name: string;
  description: string;
  graph: FlowDocument;
}

const snapshotKey = (s: Snapshot) => JSON.stringify(s);

/** The editor for one flow: header actions, palette, canvas, inspector and the bottom panels. */
export function FlowEditor(props: { flow: Flow | null; initialGraph: FlowDocument; onCreated: (id: string) => void }) {
  const { t } = useTranslation();
  const toast = useToast();
  const errorText = useErrorText();
  const qc = useQueryClient();
  const { screenToFlowPosition, setCenter, getZoom } = useReactFlow();

  const [flowId, setFlowId] = useState<string | null>(props.flow?.id ?? null);
  const [name, setName] = useState(props.flow?.name ?? t('editor.untitled'));
  const [description, setDescription] = useState(props.flow?.description ?? '');
  const [latestVersion, setLatestVersion] = useState<number | null>(props.flow?.latestVersion ?? null);
  const [updatedAt, setUpdatedAt] = useState<string | null>(props.flow?.updatedAt ?? null);
  const draft = useFlowDraft(props.initialGraph);
  const [savedKey, setSavedKey] = useState(() =>
    props.flow ? snapshotKey({ name: props.flow.name, description: props.flow.description ?? '', graph: draft.doc }) : '',
  );
  const [busy, setBusy] = useState<'save' | 'publish' | null>(null);
  const [tab, setTab] = useState<'problems' | 'runs'>('problems');
  const [runOpen, setRunOpen] = useState(false);
  // Server-side issues from the last refused publish; they apply to the graph they were about.
  const [server, setServer] = useState<{ docKey: string; issues: Issue[] } | null>(null);

  const docKey = useMemo(() => JSON.stringify(draft.doc), [draft.doc]);
  const currentKey = snapshotKey({ name, description, graph: draft.doc });
  const dirty = currentKey !== savedKey;
  const allIssues = useMemo(
    () => (server && server.docKey === docKey ? [...draft.issues, ...server.issues] : draft.issues),
    [draft.issues, server, docKey],
  );
  const issueIndex = useMemo(() => indexIssues(allIssues), [allIssues]);
  const orphans = useMemo(() => orphanHandles(draft.nodes, draft.edges), [draft.nodes, draft.edges]);
  // Node drags produce new arrays every frame; key the map by content so nodes do not all repaint.
  const orphanKey = JSON.stringify([...orphans]);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const stableOrphans = useMemo(() => orphans, [orphanKey]);
  const canvasInfo = useMemo<CanvasInfo>(
    () => ({ mode: 'edit', issues: issueIndex, run: null, orphanHandles: stableOrphans }),
    [issueIndex, stableOrphans],
  );
  const versions = useVersions(flowId ?? undefined);

  // Keep the latest values for async actions started from stale closures (dialogs, shortcuts).
  const live = useRef({ flowId, name, description, dirty, currentKey });
  live.current = { flowId, name, description, dirty, currentKey };

  const adopt = useCallback(
    (flow: Flow, key: string) => {
      setSavedKey(key);
      setLatestVersion(flow.latestVersion);
      setUpdatedAt(flow.updatedAt);
      qc.setQueryData(keys.flow(flow.id), flow);
      void qc.invalidateQueries({ queryKey: keys.flows, exact: true });
    },
    [qc],
  );

  /** Saves the draft (creating the flow on first save) and returns its id. */
  const saveNow = useCallback(async (): Promise<string> => {
    const { flowId: id, name: n, description: d } = live.current;
    const graph = draft.getDocument();
    const key = snapshotKey({ name: n, description: d, graph });
    const body = { name: n.trim() || t('editor.untitled'), description: d, graph };
    const flow = id ? await api.updateFlow(id, body) : await api.createFlow(body);
    adopt(flow, key);
    if (!id) {
      setFlowId(flow.id);
      props.onCreated(flow.id);
    }
    return flow.id;
  }, [adopt, draft, props, t]);

  const publishNow = useCallback(
    async (id: string) => {
      try {
        const v = await api.publish(id);
        setLatestVersion(v.version);
        setServer(null);
        void qc.invalidateQueries({ queryKey: keys.flow(id) });
        void qc.invalidateQueries({ queryKey: keys.versions(id) });
        void qc.invalidateQueries({ queryKey: keys.flows, exact: true });
        return v;
      } catch (e) {
        if (e instanceof ApiError && e.problem.errors?.length) {
          setServer({ docKey: JSON.stringify(draft.getDocument()), issues: fromServer(e.problem.errors) });
          setTab('problems');
        }
        throw e;
      }
    },
    [draft, qc],
  );

  const save = useCallback(async () => {
    setBusy('save');
    try {
      await saveNow();
      toast('success', t('editor.saved'));
    } catch (e) {
      toast('error', t('editor.saveFailed', { detail: errorText(e) }));
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
      const id = live.current.dirty || !live.current.flowId ? await saveNow() : live.current.flowId!;
      const v = await publishNow(id);
      toast('success', t('editor.published', { version: v.version }));
    } catch (e) {
      toast('error', t('editor.publishFailed', { detail: errorText(e) }));
    } finally {
      setBusy(null);
    }
  }, [draft.issues.length, publishNow, saveNow, toast, t, errorText]);

  const startRun = useCallback(
    async ({ input, publishFirst }: { input: unknown; publishFirst: boolean }): Promise<Run> => {
      const id = live.current.dirty || !live.current.flowId ? await saveNow() : live.current.flowId!;
      if (publishFirst) await publishNow(id);
      const run = await api.startRun(id, { input });
      void qc.invalidateQueries({ queryKey: keys.runs(id) });
      return run;
    },
    [publishNow, qc, saveNow],
  );

  // The latest version is stale when the draft was saved after it was published, or is unsaved.
  const latestAt = versions.data?.reduce<string | null>((acc, v) => (acc === null || v.createdAt > acc ? v.createdAt : acc), null) ?? null;
  const suggestPublish = dirty || latestVersion === null || (latestAt !== null && updatedAt !== null && updatedAt > latestAt);

  /** Where a node added without a drop point goes: right of the selected node, else mid-view; never on top of another. */
  const placeNew = useCallback((): XYPosition => {
    const selected = draft.nodes.filter((n) => n.selected);
    let p: XYPosition;
    if (selected.length === 1) {
      const s = selected[0]!;
      p = { x: s.position.x + (s.measured?.width ?? 220) + 80, y: s.position.y };
    } else {
      const r = document.querySelector('.fd-editor .fd-canvas')?.getBoundingClientRect();
      const c = r ? screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 2 }) : { x: 0, y: 0 };
      p = { x: c.x - 110, y: c.y - 45 };
    }
    return freeSpot(p, draft.nodes);
  }, [draft.nodes, screenToFlowPosition]);

  const pick = useCallback(
    (target: { nodeId?: string; edgeId?: string }) => {
      draft.select(target);
      const nodeId = target.nodeId ?? draft.edges.find((e) => e.id === target.edgeId)?.source;
      const node = draft.nodes.find((n) => n.id === nodeId);
      if (node) {
        const w = node.measured?.width ?? 200;
        const h = node.measured?.height ?? 80;
        void setCenter(node.position.x + w / 2, node.position.y + h / 2, { zoom: Math.max(getZoom(), 0.9), duration: 300 });
      }
    },
    [draft, getZoom, setCenter],
  );

  // Ctrl/Cmd+S saves, as every editor does; the browser's "save page" is never what is meant here.
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
    if (!dirty) return;
    setLeaveGuard(() => window.confirm(t('editor.confirmLeave')));
    const onBeforeUnload = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      setLeaveGuard(null);
      window.removeEventListener('beforeunload', onBeforeUnload);
    };
  }, [dirty, t]);

  // The test handle is created once and reads the latest render through a ref, so calls made
  // back to back (each rendering synchronously) always see the previous call's result.
  const latest = useRef({ draft, placeNew, allIssues });
  latest.current = { draft, placeNew, allIssues };
  const testApi = useMemo<FlightdeckTestApi>(
    () => ({
      addNode: (type, position) => latest.current.draft.addNode(type, position ?? latest.current.placeNew()),
      connect: (source, handle, target) => latest.current.draft.connect({ source, sourceHandle: handle, target, targetHandle: null }),
      getFlow: () => latest.current.draft.getDocument(),
      updateConfig: (nodeId, config) => flushSync(() => latest.current.draft.updateNodeData(nodeId, { config })),
      select: (nodeId) => flushSync(() => latest.current.draft.select(nodeId ? { nodeId } : {})),
      getIssues: () => latest.current.allIssues,
      getFlowId: () => live.current.flowId,
    }),
    [],
  );
  useTestHooks(testApi);

  const saveState = busy === 'save' ? t('editor.saving') : dirty ? t('editor.unsaved') : flowId ? t('editor.allSaved') : t('editor.notSaved');

  return (
    <div className="fd-app fd-editor">
      <AppHeader>
        <input
          className="fd-input fd-flowname"
          data-testid="flow-name"
          aria-label={t('editor.flowName')}
          value={name}
          maxLength={200}
          onChange={(e) => setName(e.target.value)}
        />
        <span className={`fd-savestate${dirty ? ' is-dirty' : ''}`} data-testid="save-state" data-dirty={dirty}>
          {saveState}
        </span>
        {latestVersion !== null && (
          <span className="fd-version" data-testid="latest-version" title={t('editor.latestVersionHelp')}>
            v{latestVersion}
          </span>
        )}
        <span className="fd-spacer" />
        <div className="fd-actions">
          <button type="button" className="fd-btn" data-testid="save-flow" disabled={busy !== null} onClick={() => void save()} title={t('editor.saveHelp')}>
            {t('editor.save')}
          </button>
          <button type="button" className="fd-btn" data-testid="publish-flow" disabled={busy !== null} onClick={() => void publish()} title={t('editor.publishHelp')}>
            {busy === 'publish' ? t('editor.publishing') : t('editor.publish')}
          </button>
          <button type="button" className="fd-btn fd-btn--primary" data-testid="run-flow" disabled={busy !== null} onClick={() => setRunOpen(true)}>
            ▶ {t('editor.run')}
          </button>
        </div>
      </AppHeader>
      <CanvasContext.Provider value={canvasInfo}>
        <main className="fd-workspace">
          <Palette onAdd={(type) => void draft.addNode(type, placeNew(), { select: true })} />
          <section className="fd-center">
            <EditorCanvas draft={draft} issues={issueIndex} />
          </section>
          <Inspector draft={draft} issues={issueIndex} description={description} onDescription={setDescription} />
          <section className="fd-bottom" aria-label={t('editor.bottomPanel')}>
            <div className="fd-tabs" role="tablist">
              <button
                type="button"
                role="tab"
                aria-selected={tab === 'problems'}
                className={`fd-tab${tab === 'problems' ? ' is-active' : ''}`}
                data-testid="tab-problems"
                onClick={() => setTab('problems')}
              >
                {t('problems.title')}
                <span className={`fd-count${allIssues.length ? ' is-bad' : ''}`} data-testid="problems-count">
                  {allIssues.length}
                </span>
              </button>
              <button
                type="button"
                role="tab"
                aria-selected={tab === 'runs'}
                className={`fd-tab${tab === 'runs' ? ' is-active' : ''}`}
                data-testid="tab-runs"
                onClick={() => setTab('runs')}
              >
                {t('runs.title')}
              </button>
            </div>
            <div className="fd-tabpanel" role="tabpanel">
              {tab === 'problems' ? (
                <ProblemsPanel issues={allIssues} nodes={draft.nodes} edges={draft.edges} onPick={pick} />
              ) : (
                <RunsPanel flowId={flowId} />
              )}
            </div>
          </section>
        </main>
      </CanvasContext.Provider>
      {runOpen && (
        <RunDialog
          doc={draft.doc}
          problemCount={draft.issues.length}
          latestVersion={latestVersion}
          suggestPublish={suggestPublish}
          onStart={startRun}
          onStarted={(run) => {
            setRunOpen(false);
            // The draft is saved by now, so leaving needs no confirmation.
            setLeaveGuard(null);
            navigate(href.run(run.id));
          }}
          onClose={() => setRunOpen(false)}
        />
      )}
    </div>
  );
}
