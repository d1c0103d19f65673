import { z } from 'zod';
import type { RouteRegistry } from './route.ts';
import { problemSchema } from './contracts/common.ts';
import type { openApiSchema } from './contracts/system.ts';

/** OpenAPI 3.1 from the registered routes' zod schemas (3.1 speaks JSON Schema 2020-12, which zod emits). */
export function buildOpenApi(registry: RouteRegistry, info: { title: string; version: string }): z.output<typeof openApiSchema> {
  const components: Record<string, unknown> = {};
  const toSchema = (schema: z.ZodType, io: 'input' | 'output') => {
    const raw = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' });
    // Named schemas (meta id) land in $defs; OpenAPI keeps them under components.
    const json = JSON.parse(JSON.stringify(raw).replaceAll('"#/$defs/', '"#/components/schemas/')) as Record<string, unknown>;
    const defs = (json.$defs ?? {}) as Record<string, unknown>;
    Object.assign(components, defs);
    delete json.$defs;
    delete json.$schema;
    return json;
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of registry) {
    const path = route.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', route.params],
      ['query', route.query],
    ] as const) {
      if (!schema) continue;
      const json = toSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(json.properties ?? {})) {
        parameters.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: s });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const r of route.responses) {
      const problem = r.schema === problemSchema;
      responses[String(r.status)] = {
        description: r.description,
        ...(r.schema
          ? {
              content: {
                [problem ? 'application/problem+json' : (r.mediaType ?? 'application/json')]: { schema: toSchema(r.schema, 'output') },
              },
            }
          : {}),
      };
    }
    (paths[path] ??= {})[route.method] = {
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      operationId: `${route.method}${path
        .replace(/[{}]/g, '')
        .replace(/\/(\w)/g, (_, c: string) => c.toUpperCase())
        .replace(/[^A-Za-z0-9]/g, '')}`,
      ...(parameters.length ? { parameters } : {}),
      ...(route.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(route.body, 'input') } } } }
        : route.documentedBody
          ? {
              requestBody: {
                required: true,
                content: Object.fromEntries(
                  Object.entries(route.documentedBody).map(([type, s]) => [type, { schema: toSchema(s, 'input') }]),
                ),
              },
            }
          : {}),
      responses,
    };
  }
  return { openapi: '3.1.0' as const, info, paths, components: { schemas: components } };
}
