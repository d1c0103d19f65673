import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { keys } from './queries.ts';
import type { Run, RunLive } from './types.ts';

/**
 * Keeps the run's cached answer current from `GET /api/runs/:id/events` while the run goes on: each `run` event
 * replaces everything but the graph (which never changes). `onStreaming` says whether the stream is up, so the
 * caller polls only without one: no EventSource, a refusal (429, 404) or a dropped connection.
 */
export function useRunStream(id: string, running: boolean, onStreaming: (up: boolean) => void): void {
  const qc = useQueryClient();
  useEffect(() => {
    if (!running || typeof EventSource === 'undefined') return;
    const source = new EventSource(`/api/runs/${encodeURIComponent(id)}/events`);
    const stop = () => {
      source.close();
      onStreaming(false);
    };
    source.addEventListener('open', () => {
      onStreaming(true);
    });
    source.addEventListener('run', (e) => {
      const live = JSON.parse((e as MessageEvent<string>).data) as RunLive;
      qc.setQueryData(keys.run(id), (old: Run | undefined) => (old ? { ...old, ...live } : old));
      // The messages of a run move with it; they have a list of their own.
      void qc.invalidateQueries({ queryKey: keys.deliveries(id) });
    });
    source.addEventListener('end', stop);
    // EventSource would retry by itself; polling instead reports what is wrong (a 404, the server away) the usual way.
    source.addEventListener('error', stop);
    return stop;
  }, [id, running, qc, onStreaming]);
}
