import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { diffFlows, type FlowDiff, type FlowDocument } from '@flightdeck/workflows';
import { api, ApiError } from '../api/client.ts';
import { keys, useVersions } from '../api/queries.ts';
import type { Flow, FlowVersion, Run } from '../api/types.ts';
import { fromServer, type Issue } from '../flow/issues.ts';
import type { FlowDraft } from './useFlowDraft.ts';

const snapshotKey = (s: { name: string; description: string; graph: FlowDocument }) => JSON.stringify(s);

/** Unsaved edits are saved this long after the last one. */
export const AUTOSAVE_MS = 2_000;

/** A save refused because someone else saved first: their flow, and what it changes in yours. */
export interface SaveConflict {
  theirs: Flow;
  diff: FlowDiff;
}

/**
 * The flow's life on the server: its name and description, whether the draft differs from
 * what was saved, and the save → publish → run steps. A new flow is created on its first save.
 */
export function useFlowPersistence(flow: Flow | null, draft: FlowDraft, onCreated: (id: string) => void) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [flowId, setFlowId] = useState<string | null>(flow?.id ?? null);
  const [name, setName] = useState(flow?.name ?? t('editor.untitled'));
  const [description, setDescription] = useState(flow?.description ?? '');
  const [latestVersion, setLatestVersion] = useState<number | null>(flow?.latestVersion ?? null);
  const [updatedAt, setUpdatedAt] = useState<string | null>(flow?.updatedAt ?? null);
  const [savedKey, setSavedKey] = useState(() =>
    flow ? snapshotKey({ name: flow.name, description: flow.description ?? '', graph: draft.doc }) : '',
  );
  // Issues from the last refused publish; they hold only for the graph they were about.
  const [server, setServer] = useState<{ docKey: string; issues: Issue[] } | null>(null);
  const versions = useVersions(flowId ?? undefined);
  // The draft revision the next save claims to build on (If-Match); a ref, so back-to-back saves see the last one's answer.
  const revision = useRef<number | null>(flow?.revision ?? null);
  const inFlight = useRef<Promise<unknown>>(Promise.resolve());
  const [conflict, setConflict] = useState<SaveConflict | null>(null);
  const [autosaveError, setAutosaveError] = useState<string | null>(null);

  const docKey = useMemo(() => JSON.stringify(draft.doc), [draft.doc]);
  const dirty = snapshotKey({ name, description, graph: draft.doc }) !== savedKey;
  const serverIssues = useMemo(() => (server && server.docKey === docKey ? server.issues : []), [server, docKey]);

  // Async steps started from older renders (dialogs, shortcuts) must see the latest values.
  const live = useRef({ flowId, name, description, dirty });
  // eslint-disable-next-line react-hooks/refs -- written during render, so a step started right after it sees this render's values
  live.current = { flowId, name, description, dirty };

  const doSave = useCallback(async (): Promise<string> => {
    const { flowId: id, name: n, description: d } = live.current;
    const graph = draft.getDocument();
    const body = { name: n.trim() || t('editor.untitled'), description: d, graph };
    let saved: Flow;
    try {
      saved = id ? await api.updateFlow(id, body, revision.current ?? undefined) : await api.createFlow(body);
    } catch (e) {
      if (id && e instanceof ApiError && e.status === 409) {
        const theirs = await api.getFlow(id);
        setConflict({ theirs, diff: diffFlows(graph, theirs.graph) });
      }
      throw e;
    }
    revision.current = saved.revision;
    setSavedKey(snapshotKey({ name: n, description: d, graph }));
    setLatestVersion(saved.latestVersion);
    setUpdatedAt(saved.updatedAt);
    setAutosaveError(null);
    qc.setQueryData(keys.flow(saved.id), saved);
    void qc.invalidateQueries({ queryKey: keys.flows, exact: true });
    if (!id) {
      setFlowId(saved.id);
      live.current.flowId = saved.id;
      onCreated(saved.id);
    }
    return saved.id;
  }, [draft, onCreated, qc, t]);

  /** Saves the draft (creating the flow on first save) and returns its id; one save at a time, so each builds on the last. */
  const saveNow = useCallback((): Promise<string> => {
    const next = inFlight.current.catch(() => undefined).then(doSave);
    inFlight.current = next;
    return next;
  }, [doSave]);

  /** Shows the flow as the server has it now, dropping what is on screen. */
  const loadFromServer = useCallback(
    (f: Flow) => {
      const graph = draft.replace(f.graph);
      revision.current = f.revision;
      setName(f.name);
      setDescription(f.description ?? '');
      setSavedKey(snapshotKey({ name: f.name, description: f.description ?? '', graph }));
      setLatestVersion(f.latestVersion);
      setUpdatedAt(f.updatedAt);
      qc.setQueryData(keys.flow(f.id), f);
    },
    [draft, qc],
  );

  /** Someone else saved first: take theirs, or save mine over it (now knowing their revision). */
  const resolveConflict = useCallback(
    async (choice: 'reload' | 'keep') => {
      if (!conflict) return;
      if (choice === 'reload') loadFromServer(conflict.theirs);
      else {
        revision.current = conflict.theirs.revision;
        await saveNow();
      }
      setConflict(null);
    },
    [conflict, loadFromServer, saveNow],
  );

  // Autosave: a saved flow with unsaved edits is saved once the edits pause; never while a conflict waits for an answer.
  const canAutosave = !!flowId && dirty && !conflict && !autosaveError;
  useEffect(() => {
    if (!canAutosave) return;
    const timer = setTimeout(() => {
      saveNow().catch((e: unknown) => {
        if (!(e instanceof ApiError && e.status === 409)) setAutosaveError(e instanceof Error ? e.message : String(e));
      });
    }, AUTOSAVE_MS);
    return () => clearTimeout(timer);
  }, [canAutosave, docKey, name, description, saveNow]);

  /** Saves first when there is anything unsaved, so what is published or run is what is on screen. */
  const ensureSaved = useCallback(async () => (live.current.dirty || !live.current.flowId ? saveNow() : live.current.flowId), [saveNow]);

  const publishNow = useCallback(async (): Promise<FlowVersion> => {
    const id = await ensureSaved();
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
      }
      throw e;
    }
  }, [draft, ensureSaved, qc]);

  const startRun = useCallback(
    async ({ input, publishFirst, campaignId }: { input: unknown; publishFirst: boolean; campaignId?: string }): Promise<Run> => {
      const id = publishFirst ? (await publishNow()).flowId : await ensureSaved();
      const run = await api.startRun(id, { input, ...(campaignId ? { campaignId } : {}) });
      void qc.invalidateQueries({ queryKey: keys.runs(id) });
      if (campaignId) void qc.invalidateQueries({ queryKey: keys.campaignRuns(campaignId) });
      return run;
    },
    [ensureSaved, publishNow, qc],
  );

  // The latest version is behind the draft when the draft is unsaved or was saved after publishing.
  const latestAt = versions.data?.reduce<string | null>((acc, v) => (acc === null || v.createdAt > acc ? v.createdAt : acc), null) ?? null;
  const draftAhead = dirty || latestVersion === null || (latestAt !== null && updatedAt !== null && updatedAt > latestAt);

  return {
    flowId,
    name,
    setName,
    description,
    setDescription,
    latestVersion,
    dirty,
    draftAhead,
    serverIssues,
    saveNow,
    publishNow,
    startRun,
    conflict,
    resolveConflict,
    loadFromServer,
    autosaveError,
    clearAutosaveError: () => setAutosaveError(null),
  };
}
