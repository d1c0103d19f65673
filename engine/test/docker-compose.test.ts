import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * Static consistency of the production-like stack: docker-compose.yml, the Dockerfile and the
 * files they point at. No Docker needed; it catches the typos that otherwise surface only on
 * the first `docker compose up` (a misspelt service, a port that does not match, a missing file).
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (rel: string) => readFileSync(join(ROOT, rel), 'utf8');

type Env = Record<string, string>;
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: (string | { type?: string; source?: string; target: string })[];
  ports?: (string | number | { target: number; published?: string | number })[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  deploy?: { replicas?: number };
  container_name?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as Compose;
const services = compose.services;

/** Compose interpolation with no .env: `${X:-default}` and `${X-default}` take their default, `$$` is a dollar. */
function interpolate(value: string): string {
  return (
    value
      .replace(/\$\$/g, '\u0000')
      .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_, _name: string, fallback?: string) => fallback ?? '')
      // eslint-disable-next-line no-control-regex -- NUL stands in for an escaped $$ while the variables are replaced
      .replace(/\u0000/g, '$')
  );
}

function envOf(name: string): Env {
  const raw = services[name]?.environment ?? {};
  const pairs: [string, string][] = Array.isArray(raw)
    ? raw.map((line) => {
        const at = line.indexOf('=');
        return at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 1)];
      })
    : Object.entries(raw).map(([k, v]) => [k, v === null ? '' : String(v)]);
  return Object.fromEntries(pairs.map(([k, v]) => [k, interpolate(v)]));
}

function dependsOn(service: Service): Record<string, string | undefined> {
  const d = service.depends_on ?? [];
  return Array.isArray(d)
    ? Object.fromEntries(d.map((n) => [n, undefined]))
    : Object.fromEntries(Object.entries(d).map(([n, v]) => [n, v?.condition]));
}

function commandOf(service: Service): string[] {
  const c = service.command ?? [];
  return Array.isArray(c) ? c : c.split(/\s+/).filter(Boolean);
}

/** The service running a given image repository (tag ignored). */
function serviceByImage(repository: string): [string, Service] {
  const found = Object.entries(services).filter(([, s]) => s.image?.split(':')[0] === repository);
  expect(found, `exactly one service runs ${repository}`).toHaveLength(1);
  return found[0]!;
}

const [pgName, pg] = serviceByImage('postgres');
const [temporalName, temporal] =
  Object.entries(services).find(([, s]) => /^temporalio\/(auto-setup|server)$/.test(s.image?.split(':')[0] ?? '')) ?? [];
const [uiName] = serviceByImage('temporalio/ui');
const APP_SERVICES = ['api', 'worker'] as const;

/** The port Temporal's frontend listens on: 7233 unless the service sets FRONTEND_GRPC_PORT. */
const temporalPort = () => Number(envOf(temporalName!).FRONTEND_GRPC_PORT ?? 7233);

describe('docker-compose.yml', () => {
  it('defines the whole stack', () => {
    expect(temporalName, 'a Temporal server service').toBeDefined();
    for (const name of [pgName, temporalName!, uiName, ...APP_SERVICES]) expect(services, name).toHaveProperty([name]);
  });

  it('uses official, pinned images', () => {
    expect(pg.image).toMatch(/^postgres:16(\.\d+)*(-[a-z0-9]+)?$/);
    expect(temporal!.image).toMatch(/^temporalio\/(auto-setup|server):\d+\.\d+(\.\d+)?$/);
    expect(services[uiName]!.image).toMatch(/^temporalio\/ui:\d+\.\d+(\.\d+)?$/);
    for (const [name, s] of Object.entries(services)) {
      if (!s.image) continue;
      expect(s.image, `${name} pins a tag`).toMatch(/:[^:]+$/);
      expect(s.image, `${name} is not :latest`).not.toMatch(/:latest$/);
    }
  });

  it('names only defined services in depends_on, and waits on health only where there is a healthcheck', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dep, condition] of Object.entries(dependsOn(service))) {
        expect(Object.keys(services), `${name} depends on "${dep}"`).toContain(dep);
        expect(dep, `${name} depends on itself`).not.toBe(name);
        if (condition === 'service_healthy')
          expect(services[dep]!.healthcheck?.test, `${dep} has a healthcheck (${name} waits for it)`).toBeDefined();
      }
    }
  });

  it('starts Temporal after PostgreSQL is healthy, on PostgreSQL', () => {
    expect(dependsOn(temporal!)[pgName]).toBe('service_healthy');
    const env = envOf(temporalName!);
    expect(env.DB).toMatch(/^postgres(12|12_pgx|ql)$/);
    expect(env.POSTGRES_SEEDS).toBe(pgName);
    expect(Number(env.DB_PORT ?? 5432)).toBe(5432);
    const pgEnv = envOf(pgName);
    expect(env.POSTGRES_USER).toBe(pgEnv.POSTGRES_USER);
    expect(env.POSTGRES_PWD).toBe(pgEnv.POSTGRES_PASSWORD);
    expect(env.POSTGRES_PWD).toBeTruthy();
  });

  it('gives PostgreSQL a pg_isready healthcheck and a named volume for its data', () => {
    expect(JSON.stringify(pg.healthcheck?.test)).toContain('pg_isready');
    const data = (pg.volumes ?? [])
      .map((v) => (typeof v === 'string' ? v.split(':') : [v.source ?? '', v.target]))
      .find(([, target]) => target === '/var/lib/postgresql/data');
    expect(data, 'a volume on /var/lib/postgresql/data').toBeDefined();
    expect(data![0]).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/);
  });

  it('declares every named volume it uses, and every bind mount exists in the repository', () => {
    const declared = Object.keys(compose.volumes ?? {});
    for (const [name, service] of Object.entries(services)) {
      for (const v of service.volumes ?? []) {
        const source = typeof v === 'string' ? (v.includes(':') ? v.split(':')[0]! : '') : (v.source ?? '');
        if (!source) continue; // anonymous volume
        if (source.startsWith('.') || source.startsWith('/') || source.startsWith('~')) {
          expect(source.startsWith('.'), `${name} mounts ${source}: keep bind mounts inside the repository`).toBe(true);
          expect(existsSync(join(ROOT, source)), `${name} mounts ${source}`).toBe(true);
        } else {
          expect(declared, `${name} uses the volume "${source}"`).toContain(source);
        }
      }
    }
  });

  it('creates a separate flightdeck database and role with the init script', () => {
    const mount = (pg.volumes ?? []).find((v) => typeof v === 'string' && v.split(':')[1] === '/docker-entrypoint-initdb.d');
    expect(mount, 'an init directory on /docker-entrypoint-initdb.d').toBeDefined();
    const dir = join(ROOT, (mount as string).split(':')[0]!);
    expect(statSync(dir).isDirectory()).toBe(true);
    const script = read(join((mount as string).split(':')[0]!, '10-flightdeck.sh'));
    const url = new URL(envOf('api').DATABASE_URL!);
    const dbName = url.pathname.slice(1);
    expect(dbName).not.toBe(envOf(temporalName!).DBNAME ?? 'temporal');
    expect(dbName).not.toBe('temporal_visibility');
    expect(script).toMatch(/CREATE DATABASE/);
    expect(script).toMatch(/CREATE ROLE/);
    expect(script).toContain(`FLIGHTDECK_DB_NAME:=${dbName}`);
    expect(script).toContain(`FLIGHTDECK_DB_USER:=${decodeURIComponent(url.username)}`);
    // The role's password comes from the postgresql service's env and matches what the app uses.
    expect(envOf(pgName).FLIGHTDECK_DB_PASSWORD).toBe(decodeURIComponent(url.password));
  });

  it('points the API and the workers at the postgres service and at Temporal', () => {
    for (const name of APP_SERVICES) {
      const env = envOf(name);
      const db = new URL(env.DATABASE_URL!);
      expect(db.protocol).toMatch(/^postgres(ql)?:$/);
      expect(db.hostname, `${name} DATABASE_URL host`).toBe(pgName);
      expect(Number(db.port || 5432)).toBe(5432);
      expect(db.pathname).toBe('/flightdeck');
      expect(db.username).toBe('flightdeck');
      const [host, port] = env.TEMPORAL_ADDRESS!.split(':');
      expect(host, `${name} TEMPORAL_ADDRESS host`).toBe(temporalName);
      expect(Number(port)).toBe(temporalPort());
      expect(dependsOn(services[name]!)[pgName]).toBe('service_healthy');
      expect(dependsOn(services[name]!)[temporalName!]).toBe('service_healthy');
    }
    // One task queue and one namespace for both, or workers never see the API's runs.
    expect(envOf('api').FLIGHTDECK_TASK_QUEUE).toBe(envOf('worker').FLIGHTDECK_TASK_QUEUE);
    expect(envOf('api').TEMPORAL_NAMESPACE ?? 'default').toBe(envOf('worker').TEMPORAL_NAMESPACE ?? 'default');
  });

  it('points the Temporal UI at the Temporal service and publishes it on 8080', () => {
    expect(envOf(uiName).TEMPORAL_ADDRESS).toBe(`${temporalName}:${temporalPort()}`);
    expect(services[uiName]!.ports?.map(String)).toContain('8080:8080');
  });

  it('runs the API and the worker from the repository image with the right entry points', () => {
    expect(commandOf(services.api!)).toEqual(['node', '--import', 'tsx', 'engine/src/server/main.ts']);
    expect(commandOf(services.worker!)).toEqual(['node', '--import', 'tsx', 'engine/src/worker/main.ts']);
    for (const name of APP_SERVICES) {
      const cmd = commandOf(services[name]!);
      const entry = cmd[cmd.length - 1]!;
      expect(existsSync(join(ROOT, entry)), `${name} entry ${entry}`).toBe(true);
      const build = services[name]!.build;
      const context = typeof build === 'string' ? build : (build?.context ?? '.');
      const dockerfile = typeof build === 'object' && build.dockerfile ? build.dockerfile : 'Dockerfile';
      expect(existsSync(join(ROOT, context, dockerfile)), `${name} builds from ${dockerfile}`).toBe(true);
      expect(resolve(ROOT, context)).toBe(ROOT);
    }
    expect(services.api!.image).toBe(services.worker!.image);
  });

  it('publishes the API on the port it listens on', () => {
    const port = envOf('api').PORT;
    expect(port).toBe('4000');
    expect(services.api!.ports?.map(String)).toContain(`${port}:${port}`);
    expect(JSON.stringify(services.api!.healthcheck?.test)).toContain(`:${port}/healthz`);
  });

  it('runs several workers, none pinned to a name or a host port (so they scale)', () => {
    expect(services.worker!.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(services.worker!.container_name).toBeUndefined();
    expect(services.worker!.ports ?? []).toEqual([]);
  });

  it('ships the Temporal dynamic config it names', () => {
    const path = envOf(temporalName!).DYNAMIC_CONFIG_FILE_PATH;
    if (!path) return;
    const mount = (temporal!.volumes ?? []).find(
      (v) => typeof v === 'string' && v.split(':')[1] === '/etc/temporal/config/dynamicconfig',
    ) as string | undefined;
    expect(mount, 'the dynamic config directory is mounted').toBeDefined();
    const file = join(ROOT, mount!.split(':')[0]!, path.replace(/^config\/dynamicconfig\//, ''));
    expect(existsSync(file), file).toBe(true);
    expect(() => parse(readFileSync(file, 'utf8'))).not.toThrow();
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('builds on node:20-bookworm-slim', () => {
    const args = Object.fromEntries(instructions.filter((l) => /^ARG /.test(l)).map((l) => l.slice(4).split('=') as [string, string]));
    const bases = instructions
      .filter((l) => /^FROM /i.test(l))
      .map((l) => l.split(/\s+/)[1]!.replace(/^\$\{(\w+)\}$/, (_, n: string) => args[n] ?? n));
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(['node:20-bookworm-slim', 'deps', 'build', 'tsx', 'runtime']).toContain(base);
    expect(bases).toContain('node:20-bookworm-slim');
  });

  it('installs with npm ci, builds the editor and runs as a non-root user', () => {
    expect(instructions.some((l) => /^RUN .*\bnpm ci\b/.test(l))).toBe(true);
    expect(instructions.some((l) => /^RUN .*npm run build -w @flightdeck\/editor/.test(l))).toBe(true);
    const users = instructions.filter((l) => /^USER /.test(l));
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^USER (root|0)(:|$)/);
    expect(dockerfile).toMatch(/\btsx\b/);
  });

  it('copies the manifest of every workspace before npm ci', () => {
    const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
    for (const ws of workspaces) expect(dockerfile, ws).toMatch(new RegExp(`COPY ${ws}/package\\.json ${ws}/`));
  });

  it('has a .dockerignore that keeps node_modules and local state out of the context', () => {
    const ignore = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    expect(ignore.some((l) => /^(\*\*\/)?node_modules\/?$/.test(l))).toBe(true);
    expect(ignore).toContain('.git');
    expect(ignore).toContain('.data');
  });

  it('api and workers share the link-signing secret and the public URL (a link signed by a worker verifies at the API)', () => {
    for (const name of ['api', 'worker']) {
      const raw = JSON.stringify(services[name]?.environment ?? {});
      expect(raw, name).toContain('FLIGHTDECK_SECRET');
      expect(raw, name).toContain('FLIGHTDECK_PUBLIC_URL');
    }
    expect(read('docker-compose.yml')).toMatch(/FLIGHTDECK_SECRET: \$\{FLIGHTDECK_SECRET:\?/);
  });
});

describe('Temporal dispatch settings', () => {
  it('match between the dev server (npm start) and the compose server', async () => {
    const { DEV_SERVER_DYNAMIC_CONFIG } = await import('../src/launcher/temporal-cli.ts');
    const file = parse(read('docker/temporal/dynamicconfig/production-sql.yaml')) as Record<string, [{ value: unknown }]>;
    expect(file['system.enableActivityEagerExecution']?.[0].value).toBe(DEV_SERVER_DYNAMIC_CONFIG['system.enableActivityEagerExecution']);
  });
});
