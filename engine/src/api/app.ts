import express, { type Express } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { FLOW_LIMITS } from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { FlowService } from '../services/flows.ts';
import { RunService } from '../services/runs.ts';
import { buildOpenApi } from './openapi.ts';
import { HttpProblem, problemHandler, sendProblem } from './problem.ts';
import type { RouteRegistry } from './route.ts';
import { flowRoutes } from './routes/flows.ts';
import { runRoutes } from './routes/runs.ts';
import { systemRoutes } from './routes/system.ts';

export interface AppDeps {
  db: Database;
  temporal: () => Client;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  log: Logger;
  /** The built editor (editor/dist); served at / when present. */
  editorDist?: string;
}

export function createApp(deps: AppDeps): { app: Express; runs: RunService; flows: FlowService } {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(express.json({ limit: FLOW_LIMITS.documentBytes, strict: true, type: ['application/json', 'application/*+json'] }));

  const registry: RouteRegistry = [];
  const flows = new FlowService(deps.db);
  const runs = new RunService({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, flows });
  let openapi: unknown;
  app.use(flowRoutes(registry, flows));
  app.use(runRoutes(registry, runs));
  app.use(systemRoutes(registry, deps, () => (openapi ??= buildOpenApi(registry, { title: 'Flightdeck API', version: '0.1.0' }))));

  app.use('/api', (req, res) => sendProblem(res, new HttpProblem(404, 'Not found', `No route ${req.method} ${req.originalUrl}`)));
  if (deps.editorDist && existsSync(join(deps.editorDist, 'index.html'))) {
    app.use(express.static(deps.editorDist, { index: 'index.html', maxAge: '1h', setHeaders: (res, path) => path.endsWith('index.html') && res.setHeader('cache-control', 'no-cache') }));
    app.get('/{*rest}', (_req, res) => res.sendFile(join(deps.editorDist!, 'index.html')));
  }
  app.use(problemHandler(deps.log));
  return { app, runs, flows };
}
