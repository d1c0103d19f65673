import { Router } from 'express';
import { sql } from 'drizzle-orm';
import { describeNodeTypes } from '@flightdeck/workflows';
import type { z } from 'zod';
import { healthSchema, list, nodeTypeSchema, openApiSchema } from '../contracts/index.ts';
import { defineRoute, type RouteRegistry } from '../route.ts';
import type { Database } from '../../db/client.ts';
import type { Client } from '@temporalio/client';

export interface SystemDeps {
  db: Database;
  temporal: () => Client;
  temporalAddress: string;
  namespace: string;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ok: boolean; latencyMs: number; error?: string }> {
  const t = performance.now();
  try {
    await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 3 s')), 3000))]);
    return { ok: true, latencyMs: Math.round(performance.now() - t) };
  } catch (err) {
    return { ok: false, latencyMs: Math.round(performance.now() - t), error: (err as Error).message };
  }
}

export function systemRoutes(registry: RouteRegistry, deps: SystemDeps, openapi: () => z.output<typeof openApiSchema>): Router {
  const r = Router();
  const catalogue = describeNodeTypes();
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/node-types',
      tag: 'Catalogue',
      access: 'public',
      summary: 'Every node type with its config JSON Schema, handles, editor metadata and docs',
      responses: [{ status: 200, description: 'The catalogue', schema: list(nodeTypeSchema) }],
    },
    async () => ({ status: 200, body: { items: catalogue } }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/openapi.json',
      tag: 'System',
      access: 'public',
      summary: 'This document',
      responses: [{ status: 200, description: 'OpenAPI 3.1', schema: openApiSchema }],
    },
    async () => ({ status: 200, body: openapi() }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/healthz',
      tag: 'System',
      access: 'public',
      summary: 'State of PostgreSQL and Temporal',
      responses: [
        { status: 200, description: 'All up', schema: healthSchema },
        { status: 503, description: 'Something is down', schema: healthSchema },
      ],
    },
    async () => {
      const [postgres, temporal] = await Promise.all([
        timed(() => deps.db.execute(sql`select 1`)),
        timed(() => deps.temporal().connection.workflowService.getSystemInfo({})),
      ]);
      const ok = postgres.ok && temporal.ok;
      return {
        status: ok ? 200 : 503,
        body: {
          status: ok ? 'ok' : 'degraded',
          postgres,
          temporal: { ...temporal, address: deps.temporalAddress, namespace: deps.namespace },
        },
      };
    },
  );
  return r;
}
