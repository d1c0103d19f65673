/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest';
import { unfreezableExports } from '../src/temporal/freeze-ready.ts';
import { getNodeType, NODE_TYPES } from '../src/nodes/index.ts';

// What the worker's preload shares between runs (temporal/preload.ts): every module of workflows/src but the preload's own.
const shared = import.meta.glob(['../src/**/*.ts', '!../src/temporal/preload.ts', '!../src/temporal/freeze-ready.ts'], { eager: true });

describe('modules a worker shares between runs', () => {
  it('covers the modules the preload names', () => {
    expect(Object.keys(shared).length).toBeGreaterThan(50);
    expect(Object.keys(shared)).toContain('../src/nodes/webhook.ts');
    expect(Object.keys(shared)).toContain('../src/temporal/run-flow.ts');
  });

  it('export no zod schema or regular expression the freeze would reach', () => {
    expect(unfreezableExports(shared, 1000)).toEqual([]);
  });

  it('finds a schema exported as a value, or behind an own getter, wherever it is', async () => {
    const { z } = await import('zod');
    const schema = z.object({ a: z.string() });
    expect(unfreezableExports({ mod: { deep: [{ schema }] } })).toEqual(['mod.deep.0.schema']);
    expect(unfreezableExports({ mod: Object.defineProperty({}, 'lazy', { get: () => schema, enumerable: false }) })).toEqual(['mod.lazy']);
    expect(unfreezableExports({ mod: { built: () => schema } })).toEqual([]);
  });

  it('node types still read their schema, and parse with it after the definition is frozen', () => {
    for (const d of NODE_TYPES) Object.freeze(d);
    const webhook = getNodeType('channel.webhook')!;
    expect(webhook.configSchema.safeParse({ url: 'https://example.com/hook' }).success).toBe(true);
    expect(Object.keys(webhook)).not.toContain('configSchema');
    expect('configSchema' in webhook).toBe(true);
  });
});
