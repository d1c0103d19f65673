/** A start-up problem we can name, with what to do about it. */
export class StartFailure extends Error {
  constructor(
    readonly reason: string,
    readonly remedy: string,
  ) {
    super(reason);
  }
}

const PORT_SETTINGS: Record<string, string> = {
  api: 'PORT',
  postgres: 'EMBEDDED_PG_PORT',
  temporal: 'TEMPORAL_DEV_PORT (and TEMPORAL_DEV_UI_PORT)',
};

/**
 * What the person who typed `npm start` reads when it fails: the reason in one line and what to do,
 * never only "start-up failed". `stage` says which part was starting.
 */
export function describeStartFailure(err: unknown, stage: string): string {
  if (err instanceof StartFailure) return `${err.reason}\n  What to do: ${err.remedy}`;
  const e = (err ?? {}) as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e.code === 'EADDRINUSE') {
    const setting = PORT_SETTINGS[stage] ?? 'the port setting';
    return `Port ${e.port ?? '?'} on ${e.address ?? 'this machine'} is already in use (while starting the ${stage}).
  What to do: stop the program that holds it (\`ss -ltnp | grep :${e.port}\` or \`lsof -i :${e.port}\` shows which; often an
  earlier Flightdeck), or choose another port with ${setting}=…`;
  }
  if (e.code === 'EACCES' && e.port !== undefined) {
    return (
      `Not allowed to listen on port ${e.port} (ports below 1024 need privileges).` + `\n  What to do: choose a port above 1024 with PORT=…`
    );
  }
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === '28P01' || e.code === '3D000') {
    return `Could not reach the database for the ${stage}: ${e.message} (${e.code}).
  What to do: check DATABASE_URL (host, port, user, password, database), or unset it to use the embedded PostgreSQL.`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `The ${stage} did not start: ${message}
  What to do: read the reason above; LOG_LEVEL=debug npm start shows each part's own log. If a previous run crashed,
  the launcher stops what it left behind; if something else holds the ports or ./.data, stop it first.`;
}
