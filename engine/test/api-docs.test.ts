import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_TYPES } from '@flightdeck/workflows';
import { startStack, type TestStack } from './support/stack.ts';

describe('catalogue, OpenAPI and health', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack('docs', { worker: false });
  });
  afterAll(async () => stack?.close());

  it('GET /api/node-types serves every type with a JSON Schema of its config', async () => {
    const res = await stack.api.get('/api/node-types');
    expect(res.status).toBe(200);
    expect(res.body.items.map((t: { type: string }) => t.type)).toEqual(NODE_TYPES.map((d) => d.type));
    const webhook = res.body.items.find((t: { type: string }) => t.type === 'channel.webhook');
    expect(webhook.handles).toEqual(['sent', 'failed']);
    expect(webhook.configSchema).toMatchObject({ type: 'object', properties: { url: { type: 'string' }, method: { enum: ['POST', 'PUT', 'PATCH'] } }, required: ['url'] });
    expect(webhook.text['zh-CN'].title).toBe('Webhook 调用');
  });

  it('GET /api/openapi.json is OpenAPI 3.1 covering every route with its schemas', async () => {
    const res = await stack.api.get('/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    for (const [path, method] of [
      ['/api/flows', 'get'],
      ['/api/flows', 'post'],
      ['/api/flows/{id}', 'get'],
      ['/api/flows/{id}', 'put'],
      ['/api/flows/{id}/versions', 'post'],
      ['/api/flows/{id}/versions', 'get'],
      ['/api/flows/{id}/runs', 'post'],
      ['/api/runs', 'get'],
      ['/api/runs/{id}', 'get'],
      ['/api/runs/{id}/cancel', 'post'],
      ['/api/node-types', 'get'],
      ['/healthz', 'get'],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    const create = doc.paths['/api/flows'].post;
    expect(create.requestBody.content['application/json'].schema.required).toContain('name');
    expect(create.responses['422'].content['application/problem+json']).toBeDefined();
    expect(doc.paths['/api/runs/{id}'].get.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
    // Every $ref resolves inside the document.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    for (const ref of refs) expect(doc.components.schemas[ref], ref).toBeDefined();
  });

  it('GET /healthz names the state of PostgreSQL and Temporal', async () => {
    const res = await stack.api.get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', postgres: { ok: true }, temporal: { ok: true, namespace: 'default' } });
  });
});
