import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client.ts';
import type { Run } from './types.ts';

/** Query keys in one place so mutations invalidate exactly what they change. */
export const keys = {
  flows: ['flows'] as const,
  flow: (id: string) => ['flows', id] as const,
  versions: (id: string) => ['flows', id, 'versions'] as const,
  runs: (flowId: string) => ['runs', { flowId }] as const,
  run: (id: string) => ['run', id] as const,
};

export function useFlows() {
  return useQuery({ queryKey: keys.flows, queryFn: api.listFlows });
}

export function useFlow(id: string | undefined) {
  return useQuery({
    queryKey: keys.flow(id ?? ''),
    queryFn: () => api.getFlow(id!),
    enabled: !!id,
    // Opening a flow always reads the server's copy; after that the editor owns the draft, so
    // window focus must not refetch it into something that looks like a remote edit.
    refetchOnMount: 'always',
    refetchOnWindowFocus: false,
  });
}

export function useVersions(flowId: string | undefined) {
  return useQuery({ queryKey: keys.versions(flowId ?? ''), queryFn: () => api.listVersions(flowId!), enabled: !!flowId });
}

export function useRuns(flowId: string | undefined) {
  return useQuery({
    queryKey: keys.runs(flowId ?? ''),
    queryFn: () => api.listRuns(flowId!),
    enabled: !!flowId,
    refetchInterval: (q) => (q.state.data?.some((r) => r.status === 'running') ? 3000 : false),
  });
}

export function useRun(id: string) {
  return useQuery({
    queryKey: keys.run(id),
    queryFn: () => api.getRun(id),
    // Poll only while something can still change.
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 1000 : false),
    refetchIntervalInBackground: false,
  });
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
