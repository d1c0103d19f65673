import { resolve } from 'node:path';
import { ALLOW_ENV, parseAllowlist } from '@flightdeck/activities';

/** Every setting comes from the environment, with defaults that make `npm start` work on a bare machine. */
export interface EngineConfig {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  temporalAddress: string | undefined;
  temporalNamespace: string;
  taskQueue: string;
  dataDir: string;
  embeddedPostgresPort: number;
  temporalPort: number;
  temporalUiPort: number;
  logLevel: string;
  /** Signs one-click e-mail links. The launcher keeps one in the data directory when none is set. */
  secret: string | undefined;
  /** Where people reach the app; e-mail links point here. */
  publicUrl: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string | undefined;
  /** 32 bytes, base64: seals channel secrets. The launcher keeps one in the data directory when none is set. */
  encryptionKey: string | undefined;
  /**
   * `FLIGHTDECK_OUTBOUND_ALLOW`: the private destinations webhook nodes and channel connections
   * may reach (comma-separated CIDRs, addresses, host names, each with an optional `:port`).
   * Empty by default: only public addresses.
   */
  outboundAllow: string;
  /**
   * `TEMPORAL_UI_URL`: the Temporal web UI the run page links to (each run's workflow there). Unset: no link,
   * except under `npm start`, whose dev server's UI it is.
   */
  temporalUiUrl: string | undefined;
  /**
   * `FLIGHTDECK_API_WORKER`: the API process runs a flow worker of its own, which the runs it starts are started on
   * eagerly (server/local-worker.ts). On unless `0`; the worker process runs either way.
   */
  apiWorker: boolean;
}

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return n;
}

/** An http(s) base URL, checked at start-up; the link is built on it and shown to people. */
function temporalUiUrl(): string | undefined {
  const raw = process.env.TEMPORAL_UI_URL?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`TEMPORAL_UI_URL must be an http:// or https:// URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`TEMPORAL_UI_URL must be an http:// or https:// URL, got "${raw}"`);
  return url.toString().replace(/\/+$/, '');
}

/** Checked at start-up, so a typo in the allowlist stops the process instead of refusing every send. */
function outboundAllow(): string {
  const raw = process.env[ALLOW_ENV] ?? '';
  try {
    parseAllowlist(raw);
  } catch (err) {
    throw new Error(`${ALLOW_ENV}: ${(err as Error).message}`, { cause: err });
  }
  return raw;
}

export function loadConfig(): EngineConfig {
  return {
    port: int('PORT', 4000),
    host: process.env.HOST || '127.0.0.1',
    databaseUrl: process.env.DATABASE_URL || undefined,
    temporalAddress: process.env.TEMPORAL_ADDRESS || undefined,
    temporalNamespace: process.env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: process.env.FLIGHTDECK_TASK_QUEUE || 'flightdeck-flows',
    dataDir: resolve(process.env.FLIGHTDECK_DATA_DIR || '.data'),
    embeddedPostgresPort: int('EMBEDDED_PG_PORT', 54329),
    temporalPort: int('TEMPORAL_DEV_PORT', 7233),
    temporalUiPort: int('TEMPORAL_DEV_UI_PORT', 8233),
    logLevel: process.env.LOG_LEVEL || 'info',
    secret: process.env.FLIGHTDECK_SECRET || undefined,
    publicUrl: process.env.FLIGHTDECK_PUBLIC_URL || undefined,
    smtpUrl: process.env.SMTP_URL || undefined,
    mailFrom: process.env.MAIL_FROM || undefined,
    encryptionKey: process.env.FLIGHTDECK_ENCRYPTION_KEY || undefined,
    outboundAllow: outboundAllow(),
    temporalUiUrl: temporalUiUrl(),
    apiWorker: process.env.FLIGHTDECK_API_WORKER !== '0',
  };
}
