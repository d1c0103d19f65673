import { describe, expect, it } from 'vitest';
import { describeNodeTypes, getNodeType, isTrigger, LOCALES, NODE_TYPES } from '../src/nodes/index.ts';

describe('node catalogue', () => {
  it('has unique types, findable by name', () => {
    const types = NODE_TYPES.map((d) => d.type);
    expect(new Set(types).size).toBe(types.length);
    for (const t of types) expect(getNodeType(t)?.type).toBe(t);
    expect(getNodeType('nope')).toBeUndefined();
    expect(getNodeType('__proto__')).toBeUndefined();
    expect(getNodeType('constructor')).toBeUndefined();
  });

  it.each(NODE_TYPES.map((d) => [d.type, d] as const))(
    '%s: its default config is valid and its handles are labelled in every locale',
    (_, def) => {
      const parsed = def.configSchema.safeParse(def.editor.defaultConfig);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      const handles = def.handles(parsed.data);
      expect(new Set(handles).size).toBe(handles.length);
      expect(def.hasInput).toBe(def.family !== 'trigger');
      expect(isTrigger(def.type)).toBe(def.family === 'trigger');
      for (const locale of LOCALES) {
        const text = def.text[locale];
        expect(text.title, locale).toBeTruthy();
        expect(text.description, locale).toBeTruthy();
        if (!def.editor.dynamicHandles) for (const h of handles) expect(text.handles?.[h], `${locale} label of handle ${h}`).toBeTruthy();
      }
      // Field labels exist for every top-level config field, in every locale.
      const shape = (def.configSchema as unknown as { shape?: Record<string, unknown> }).shape ?? {};
      for (const field of Object.keys(shape))
        for (const locale of LOCALES) expect(def.text[locale].fields?.[field]?.label, `${locale} label of ${field}`).toBeTruthy();
      expect(def.docs.length).toBeGreaterThan(10);
    },
  );

  it('describes itself as plain data with JSON Schemas for the editor', () => {
    const described = describeNodeTypes();
    expect(described.map((d) => d.type)).toEqual(NODE_TYPES.map((d) => d.type));
    for (const d of described) {
      expect(() => JSON.stringify(d)).not.toThrow();
      expect(d.configSchema).toMatchObject({ type: 'object' });
    }
    const webhook = described.find((d) => d.type === 'channel.webhook')!;
    expect(webhook.handles).toEqual(['sent', 'failed']);
    expect((webhook.configSchema as { required?: string[] }).required).toEqual(['url']);
    expect(described.find((d) => d.type === 'control.condition')!.handles).toEqual(['true', 'false']);
    expect(described.find((d) => d.type === 'control.end')!.handles).toEqual([]);
  });
});
