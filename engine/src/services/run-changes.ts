import pg from 'pg';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';

/**
 * The PostgreSQL channel that says "this run may have changed" (the payload is its workflow id). The worker is a
 * separate process under `npm start`, so an in-memory emitter would not reach the API; NOTIFY reaches every
 * process listening on the database, this one included, and inside a transaction it is sent only at commit.
 */
export const RUN_CHANGES_CHANNEL = 'flightdeck_run_changes';

/** Says that a run changed; the listeners re-read it. Never fails the caller's work: a lost wake-up costs one heartbeat. */
export async function announceRunChange(db: Database, workflowId: string): Promise<void> {
  try {
    await db.execute(sql`select pg_notify(${RUN_CHANGES_CHANNEL}, ${workflowId})`);
  } catch {
    // The change itself is stored; the stream's heartbeat re-read still finds it.
  }
}

/** Several runs' changes in one statement (one notification per run), for the announcer below. */
export async function announceRunChanges(db: Database, workflowIds: string[]): Promise<void> {
  try {
    await db.execute(
      sql`select pg_notify(${RUN_CHANGES_CHANNEL}, id) from json_array_elements_text(${JSON.stringify(workflowIds)}::json) id`,
    );
  } catch {
    // As above: the heartbeat re-read finds what a lost wake-up would have said.
  }
}

/** How long the worker gathers activity ends before it says which runs changed: unseen by a person watching a run. */
export const RUN_CHANGE_GATHER_MS = 50;

/**
 * The worker's announcer: the activity ends of the next `gatherMs` leave as one statement, each run named once, instead
 * of a statement per activity end (at a broadcast's rate that was one round trip per message sent).
 */
export function gatheredRunChanges(db: Database, gatherMs = RUN_CHANGE_GATHER_MS): (workflowId: string) => void {
  let gathering: Set<string> | undefined;
  return (workflowId) => {
    if (gathering) return void gathering.add(workflowId);
    const ids = (gathering = new Set([workflowId]));
    // A process that stops meanwhile loses this wake-up only; the streams' heartbeat re-read still finds the change.
    setTimeout(() => {
      gathering = undefined;
      void announceRunChanges(db, [...ids]);
    }, gatherMs).unref();
  };
}

/** The first reconnect waits this long, doubling up to the cap: a restarting database is not hammered. */
const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 10_000;

type Wake = () => void;

/** One LISTEN connection per process, fanning wake-ups out to the streams that watch each run. */
export class RunChangeFeed {
  private client: pg.Client | undefined;
  private readonly watchers = new Map<string, Set<Wake>>();
  private closed = false;
  private reconnectMs = RECONNECT_FIRST_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly log?: Logger,
  ) {}

  /** Connects on the first watcher, so a process that never streams holds no extra connection. */
  watch(workflowId: string, wake: Wake): () => void {
    let set = this.watchers.get(workflowId);
    if (!set) this.watchers.set(workflowId, (set = new Set()));
    set.add(wake);
    void this.ensureListening();
    return () => {
      set.delete(wake);
      if (set.size === 0) this.watchers.delete(workflowId);
    };
  }

  /** Resolves once the LISTEN is in place (a stream opened before it would miss the first change). */
  ensureListening(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('notification', (msg) => msg.channel === RUN_CHANGES_CHANNEL && msg.payload && this.wake(msg.payload));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${RUN_CHANGES_CHANNEL}`);
    } catch (err) {
      this.lost(client, err);
      return;
    }
    if (this.closed) return void client.end().catch(() => {});
    this.client = client;
    this.reconnectMs = RECONNECT_FIRST_MS;
    // Whatever changed while nobody listened: every stream re-reads once.
    for (const set of this.watchers.values()) for (const wake of set) wake();
  }

  private lost(client: pg.Client, err?: unknown): void {
    if (this.client === client) this.client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => {});
    if (this.closed || this.reconnectTimer || this.watchers.size === 0) return;
    this.log?.warn({ err }, 'run change feed lost its connection; reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.ensureListening();
    }, this.reconnectMs);
    this.reconnectTimer.unref();
    this.reconnectMs = Math.min(this.reconnectMs * 2, RECONNECT_MAX_MS);
  }

  private wake(workflowId: string): void {
    for (const wake of this.watchers.get(workflowId) ?? []) wake();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
    }
  }
}
