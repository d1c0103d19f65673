import { useInfiniteQuery, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from './client.ts';
import { keys } from './keys.ts';
import { useRunStream } from './runStream.ts';
import type {
  AlertDetail,
  PortfolioQuery,
  AlertFilter,
  Campaign,
  CampaignStatus,
  Connection,
  InboxItem,
  WorkTask,
  WorkTaskCompletion,
  LessonFilter,
  NewConnection,
  NewSilence,
  RelatedLessonsQuery,
  Run,
  RunFilter,
} from './types.ts';

export { keys };

export function useFlows() {
  return useQuery({ queryKey: keys.flows, queryFn: api.listFlows });
}

export function useTemplates() {
  // Templates ship with the server: they change only with a new release.
  return useQuery({ queryKey: keys.templates, queryFn: api.listTemplates, staleTime: Infinity });
}

/** `readSince`: this visit's read already started then (openedFlowReadAt), so mounting does not start another. */
export function useFlow(id: string | undefined, readSince: number | null = null) {
  return useQuery({
    queryKey: keys.flow(id ?? ''),
    queryFn: () => api.getFlow(id!),
    enabled: !!id,
    // Opening a flow always reads the server's copy; after that the editor owns the draft, so
    // window focus must not refetch it into something that looks like a remote edit.
    refetchOnMount: readSince === null ? 'always' : false,
    refetchOnWindowFocus: false,
  });
}

export function useVersions(flowId: string | undefined) {
  return useQuery({ queryKey: keys.versions(flowId ?? ''), queryFn: () => api.listVersions(flowId!), enabled: !!flowId });
}

export function useSchedule(flowId: string | null) {
  return useQuery({
    queryKey: keys.schedule(flowId ?? ''),
    queryFn: () => api.getSchedule(flowId!),
    enabled: !!flowId,
    // Next and recent runs move with the clock: a minute is fresh enough for a schedule.
    refetchInterval: 60_000,
  });
}

export function useUnpublish(flowId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.unpublish(flowId),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.schedule(flowId) }),
  });
}

/** A flow's runs under the list's filters, a page at a time; polled while one of them runs. */
export function useRuns(flowId: string | undefined, filter: Omit<RunFilter, 'flowId'> = {}) {
  return useInfiniteQuery({
    // Under keys.runs(flowId), so what invalidates a flow's runs reaches every filtered list of them.
    queryKey: [...keys.runs(flowId ?? ''), filter] as const,
    queryFn: ({ pageParam }) => api.listRuns({ ...filter, flowId: flowId! }, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    enabled: !!flowId,
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.items.some((r) => r.status === 'running')) ? 3000 : false),
  });
}

export function useRun(id: string) {
  const [streaming, setStreaming] = useState(false);
  const run = useQuery({
    queryKey: keys.run(id),
    queryFn: () => api.getRun(id),
    // Changes arrive on the run's event stream; polling, only while something can still change, is the fallback.
    refetchInterval: (q) => (!streaming && q.state.data?.status === 'running' ? 1000 : false),
    refetchIntervalInBackground: false,
  });
  useRunStream(id, run.data?.status === 'running', setStreaming);
  return run;
}

export function useCancelRun(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.cancelRun(id),
    onSuccess: (run: Run) => {
      qc.setQueryData(keys.run(id), (old: Run | undefined) => ({ ...old, ...run }));
      void qc.invalidateQueries({ queryKey: keys.run(id) });
      void qc.invalidateQueries({ queryKey: keys.runs(run.flowId) });
    },
  });
}

/** The activities a run called, for attempts per node; read again while it runs, and once more when its status changes. */
export function useRunActivities(id: string, status: string | undefined) {
  return useQuery({
    queryKey: [...keys.run(id), 'activities', status] as const,
    queryFn: () => api.getRunActivities(id),
    enabled: status !== undefined,
    placeholderData: (previous) => previous,
    refetchInterval: status === 'running' ? 3000 : false,
  });
}

/** Re-run (a new run, linked) or retry from the failed node (the same run, running again). */
export function useRunAction(id: string, action: 'rerun' | 'retry') {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => (action === 'rerun' ? api.rerunRun(id) : api.retryRun(id)),
    onSuccess: (run: Run) => {
      if (action === 'retry') qc.setQueryData(keys.run(id), (old: Run | undefined) => ({ ...old, ...run }));
      void qc.invalidateQueries({ queryKey: keys.run(id) });
      void qc.invalidateQueries({ queryKey: keys.runs(run.flowId) });
    },
  });
}

export function useCampaigns(options: { enabled?: boolean } = {}) {
  return useQuery({ queryKey: keys.campaigns, queryFn: api.listCampaigns, enabled: options.enabled ?? true });
}

export function useCampaign(id: string) {
  return useQuery({
    queryKey: keys.campaign(id),
    queryFn: () => api.getCampaign(id),
    // An approved campaign goes live when a run's launch step runs (a phase date moved, a wait ended), not from this page.
    refetchInterval: (q) => (q.state.data?.status === 'approved' ? 3000 : false),
  });
}

/** Hourly sums; polled slowly, since points arrive while the page is open. */
export function useReview(campaignId: string, version: number | null) {
  return useQuery({ queryKey: keys.review(campaignId, version), queryFn: () => api.getReview(campaignId, version) });
}

export function useReviewVersions(campaignId: string) {
  return useQuery({ queryKey: keys.reviews(campaignId), queryFn: () => api.listReviews(campaignId) });
}

export function useCampaignMetrics(id: string | undefined) {
  return useQuery({
    queryKey: keys.campaignMetrics(id ?? ''),
    queryFn: () => api.getCampaignMetrics(id!),
    enabled: !!id,
    refetchInterval: 60_000,
  });
}

export function useCampaignAlerts(id: string) {
  return useQuery({ queryKey: keys.campaignAlerts(id), queryFn: () => api.listCampaignAlerts(id), refetchInterval: 30_000 });
}

/** The runs a few alerts came from (each holds the graph with its monitor's rules); at most `max` of them. */
export function useRunsById(ids: readonly string[], max = 10) {
  return useQueries({
    queries: [...new Set(ids)].slice(0, max).map((id) => ({ queryKey: keys.run(id), queryFn: () => api.getRun(id), staleTime: 300_000 })),
  });
}

export function useCampaignRuns(id: string) {
  return useQuery({
    queryKey: keys.campaignRuns(id),
    queryFn: () => api.listCampaignRuns(id),
    refetchInterval: (q) => (q.state.data?.some((r) => r.status === 'running') ? 5000 : false),
  });
}

export function useDepartments(options: { enabled?: boolean } = {}) {
  return useQuery({ queryKey: keys.departments, queryFn: api.listDepartments, staleTime: 60_000, enabled: options.enabled ?? true });
}

export function useImportCampaign() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (json: string) => api.importCampaign(json),
    onSuccess: (c: Campaign) => {
      qc.setQueryData(keys.campaign(c.id), c);
      void qc.invalidateQueries({ queryKey: keys.campaigns, exact: true });
    },
  });
}

export function useSetCampaignPhases(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (phases: Campaign['phases']) => api.setCampaignPhases(id, phases),
    onSuccess: (c) => {
      qc.setQueryData(keys.campaign(id), c);
      void qc.invalidateQueries({ queryKey: keys.campaigns, exact: true });
    },
  });
}

export function useSetCampaignStatus(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (status: CampaignStatus) => api.setCampaignStatus(id, status),
    onSuccess: (c: Campaign) => {
      qc.setQueryData(keys.campaign(id), c);
      void qc.invalidateQueries({ queryKey: keys.campaigns, exact: true });
    },
  });
}

/** My approvals; the inbox polls every 5 s, the header's badge less often. */
export function useInbox(status: 'open' | 'closed', options: { refetchInterval?: number; enabled?: boolean } = {}) {
  return useQuery({
    queryKey: keys.inbox(status),
    queryFn: () => api.listApprovals(status),
    refetchInterval: options.refetchInterval ?? 5000,
    enabled: options.enabled ?? true,
  });
}

export function useDecide() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (args: { taskId: string; decision: 'approve' | 'reject'; comment?: string }) =>
      api.decide(args.taskId, { decision: args.decision, ...(args.comment ? { comment: args.comment } : {}) }),
    onSuccess: (item: InboxItem) => {
      void qc.invalidateQueries({ queryKey: keys.approvals });
      void qc.invalidateQueries({ queryKey: keys.run(item.runId) });
    },
    // A refusal is left on screen to be read; the inbox's 5 s poll brings the list up to date after.
  });
}

/** Tasks flows gave me, polled with the approvals beside them. */
export function useWorkTasks(status: 'open' | 'done', options: { refetchInterval?: number; enabled?: boolean } = {}) {
  return useQuery({
    queryKey: keys.workTaskList(status),
    queryFn: () => api.listWorkTasks(status),
    refetchInterval: options.refetchInterval ?? 5000,
    enabled: options.enabled ?? true,
  });
}

export function useCompleteWorkTask() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (args: { id: string; body: WorkTaskCompletion }) => api.completeWorkTask(args.id, args.body),
    onSuccess: (task: WorkTask) => {
      void qc.invalidateQueries({ queryKey: keys.workTasks });
      void qc.invalidateQueries({ queryKey: keys.run(task.runId) });
      if (task.kind === 'lesson') void qc.invalidateQueries({ queryKey: keys.lessons });
    },
  });
}

export function useConnections(options: { enabled?: boolean } = {}) {
  return useQuery({ queryKey: keys.connections, queryFn: api.listConnections, enabled: options.enabled ?? true });
}

export function useCreateConnection() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: NewConnection) => api.createConnection(body),
    onSuccess: (c: Connection) => {
      qc.setQueryData(keys.connections, (old: Connection[] | undefined) => (old ? [c, ...old.filter((x) => x.id !== c.id)] : old));
      void qc.invalidateQueries({ queryKey: keys.connections });
    },
  });
}

export function useDeleteConnection() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.deleteConnection(id),
    onSuccess: (_: void, id: string) => {
      qc.setQueryData(keys.connections, (old: Connection[] | undefined) => old?.filter((x) => x.id !== id));
      void qc.invalidateQueries({ queryKey: keys.connections });
    },
  });
}

/** The bell: polled gently, and on window focus, so a launch shows up without a reload. */
export function useNotifications(enabled: boolean) {
  return useQuery({
    queryKey: keys.notifications,
    queryFn: api.listNotifications,
    refetchInterval: 15_000,
    refetchOnWindowFocus: true,
    enabled,
  });
}

export function useMarkNotificationsRead() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (which: { ids: string[] } | { all: true }) => api.markNotificationsRead(which),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.notifications }),
  });
}

/** A run's messages; polled while the run goes on, since held messages go out later. */
/** Sends an unconfirmed delivery again; the list then shows the new, linked delivery. */
export function useResendDelivery(runId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.resendDelivery(id),
    onSettled: () => void qc.invalidateQueries({ queryKey: keys.deliveries(runId) }),
  });
}

export function useRunDeliveries(runId: string, live: boolean) {
  return useQuery({ queryKey: keys.deliveries(runId), queryFn: () => api.listRunDeliveries(runId), refetchInterval: live ? 2000 : false });
}

export function useUpdateConnection() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (args: { id: string; patch: Parameters<typeof api.updateConnection>[1] }) => api.updateConnection(args.id, args.patch),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.connections }),
  });
}

export function usePauseConnection() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (args: { id: string; pause: boolean; reason?: string }) =>
      args.pause ? api.pauseConnection(args.id, args.reason) : api.resumeConnection(args.id),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.connections }),
  });
}

/** Alerts a page at a time (keyset cursor); polled, since rules fire while the page is open. */
export function useAlerts(filter: AlertFilter) {
  return useInfiniteQuery({
    queryKey: keys.alertList(filter),
    queryFn: ({ pageParam }) => api.listAlerts(filter, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: 30_000,
  });
}

export function useAlert(id: string) {
  return useQuery({ queryKey: keys.alert(id), queryFn: () => api.getAlert(id), refetchInterval: 15_000 });
}

export type AlertAct = { kind: 'ack' } | { kind: 'resolve' } | { kind: 'snooze'; until: string };

/** Ack, resolve or snooze; the answer is the alert with its timeline, so the detail needs no second read. */
export function useAlertAction() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, act }: { id: string; act: AlertAct }) =>
      act.kind === 'ack' ? api.ackAlert(id) : act.kind === 'resolve' ? api.resolveAlert(id) : api.snoozeAlert(id, act.until),
    onSuccess: (alert: AlertDetail) => {
      qc.setQueryData(keys.alert(alert.id), alert);
      void qc.invalidateQueries({ queryKey: [...keys.alerts, 'list'] });
      // The campaign page's chart marks acknowledgements too.
      void qc.invalidateQueries({ queryKey: keys.campaignAlerts(alert.campaignId) });
    },
  });
}

/** Several alerts in one decision (the Alerts page's multi-select); each comes back with its own outcome. */
export function useAckAlerts() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (ids: string[]) => api.ackAlerts(ids),
    onSuccess: (_r, ids) => {
      for (const id of ids) void qc.invalidateQueries({ queryKey: keys.alert(id) });
      // The list and every campaign page's chart markers.
      void qc.invalidateQueries({ queryKey: keys.alerts });
    },
  });
}

export function useSilences() {
  return useQuery({ queryKey: keys.silences, queryFn: api.listSilences, refetchInterval: 60_000 });
}

export function useCreateSilence() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: NewSilence) => api.createSilence(body),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.silences }),
  });
}

export function useExpireSilence() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.expireSilence(id),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.silences }),
  });
}

/** Lessons a page at a time; a new filter starts again at page one. */
export function useLessonSearch(filter: LessonFilter) {
  return useInfiniteQuery({
    queryKey: keys.lessonSearch(filter),
    queryFn: ({ pageParam }) => api.searchLessons(filter, pageParam),
    initialPageParam: 1,
    getNextPageParam: (last) => (last.page * last.limit < last.total && last.page < 20 ? last.page + 1 : undefined),
  });
}

/** Past lessons and comparable campaigns for a campaign (or a plan's channels and KPIs). */
/** Keeps the last rows on screen while a new sort or filter loads, so the table does not flash empty. */
export function usePortfolio(q: PortfolioQuery) {
  return useQuery({ queryKey: keys.portfolio(q), queryFn: () => api.getPortfolio(q), placeholderData: (previous) => previous });
}

export function useComparison(campaignId: string) {
  return useQuery({ queryKey: keys.comparison(campaignId), queryFn: () => api.getComparison(campaignId) });
}

export function useRelatedLessons(q: RelatedLessonsQuery | null) {
  return useQuery({ queryKey: keys.relatedLessons(q ?? {}), queryFn: () => api.relatedLessons(q!), enabled: !!q });
}

export function useCreateLesson() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: api.createLesson,
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.lessons }),
  });
}
