import { HttpProblem } from './problem.ts';
import { said } from '@flightdeck/workflows';

/**
 * Each open stream holds a socket and re-reads its run (a workflow query) on every change, so their number is
 * bounded per API process: a few per person (a run open in some tabs) and a total. Past either, 429.
 */
export const RUN_STREAMS_PER_USER = 8;
export const RUN_STREAMS_TOTAL = 500;

export interface RunStreamLimits {
  perUser?: number;
  total?: number;
  /** How often an open stream re-reads its run without a wake-up (RUN_STREAM_HEARTBEAT_MS unless set). */
  heartbeatMs?: number;
}

export class RunStreamAdmission {
  private readonly byUser = new Map<string, number>();
  private open = 0;
  readonly perUser: number;
  readonly total: number;

  constructor(limits: RunStreamLimits = {}) {
    this.perUser = limits.perUser ?? RUN_STREAMS_PER_USER;
    this.total = limits.total ?? RUN_STREAMS_TOTAL;
  }

  /** Streams open now (the tests wait for hang-ups to be noticed with it). */
  get openCount(): number {
    return this.open;
  }

  /** Takes a place for this user's stream, or throws the 429; the returned release gives it back once. */
  admit(userId: string): () => void {
    const mine = this.byUser.get(userId) ?? 0;
    if (mine >= this.perUser) throw new HttpProblem(429, 'Too many streams', said('streams_yours', { open: mine, limit: this.perUser }));
    if (this.open >= this.total) throw new HttpProblem(429, 'Too many streams', said('streams_server', { open: this.open }));
    this.byUser.set(userId, mine + 1);
    this.open += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open -= 1;
      const left = (this.byUser.get(userId) ?? 1) - 1;
      if (left > 0) this.byUser.set(userId, left);
      else this.byUser.delete(userId);
    };
  }
}
