import { z } from 'zod';
import type { NodeTypeDescription } from '@flightdeck/workflows';
import type { Assert, SameShape } from './common.ts';

const probe = { ok: z.boolean(), latencyMs: z.number().optional(), error: z.string().optional() };

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  postgres: z.object(probe),
  temporal: z.object({ ...probe, address: z.string(), namespace: z.string() }),
});

const nodeText = z.object({
  title: z.string(),
  description: z.string(),
  fields: z
    .record(z.string(), z.object({ label: z.string(), help: z.string().optional(), options: z.record(z.string(), z.string()).optional() }))
    .optional(),
  handles: z.record(z.string(), z.string()).optional(),
});

/** One node type as the catalogue serves it (the editor bundles the same catalogue). */
export const nodeTypeSchema = z
  .object({
    type: z.string(),
    family: z.enum(['trigger', 'control', 'channel', 'approval', 'campaign', 'monitoring', 'review']),
    hasInput: z.boolean(),
    handles: z.array(z.string()),
    editor: z.object({ icon: z.string(), color: z.string(), defaultConfig: z.unknown(), dynamicHandles: z.boolean().optional() }),
    text: z.record(z.enum(['en', 'zh-CN']), nodeText),
    docs: z.string().meta({ description: 'Markdown reference' }),
    configSchema: z.record(z.string(), z.unknown()).meta({ description: "JSON Schema of the node's config" }),
  })
  .meta({ id: 'NodeType' });
type _TheCataloguesDescription = Assert<SameShape<z.output<typeof nodeTypeSchema>, NodeTypeDescription>>;

export const openApiSchema = z.looseObject({
  openapi: z.literal('3.1.0'),
  info: z.object({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.object({ schemas: z.record(z.string(), z.unknown()) }),
});
