import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { flowWarnings, problemText, problemWords, validateFlow, type ValidationIssue } from '../src/index.ts';

const HAN = /[\u4e00-\u9fff]/;
const issuesOf = (doc: unknown): ValidationIssue[] => {
  const r = validateFlow(doc);
  return r.ok ? [] : r.issues;
};
const node = (id: string, type: string, config: unknown = {}) => ({ id, type, label: id, config, position: { x: 0, y: 0 } });
const edge = (source: string, sourceHandle: string, target: string, id = `${source}-${target}`) => ({ id, source, sourceHandle, target });

describe('problems in both languages', () => {
  it("the validator's own problems keep their English message and carry Chinese words and their parameters", () => {
    const issues = issuesOf({
      schemaVersion: 1,
      nodes: [
        node('start', 'trigger.manual'),
        node('a', 'control.delay', { duration: '1h' }),
        node('a', 'control.delay'),
        node('x', 'nope'),
      ],
      edges: [edge('start', 'next', 'a'), edge('a', 'bogus', 'start'), edge('ghost', 'next', 'a', 'g')],
    });
    const byKey = new Map(issues.map((i) => [i.params?.key, i]));
    expect(byKey.get('node_id_twice')).toMatchObject({ message: 'Node id "a" is used twice', params: { id: 'a' } });
    expect(byKey.get('node_id_twice')?.zh).toBe('节点 ID“a”重复使用');
    expect(byKey.get('unknown_type')?.message).toBe('Unknown node type "nope"');
    expect(byKey.get('edge_source_missing')?.zh).toContain('ghost');
    expect(byKey.get('edge_into_trigger')?.zh).toMatch(HAN);
    expect(byKey.get('unknown_handle')?.message).toBe('Node "a" has no "bogus" handle (it has: next)');
    for (const i of issues) expect(i.zh, i.message).toMatch(HAN);
  });

  it("a config field's zod problem is in Chinese from zod's locale; a schema's own words stay English", () => {
    const issues = issuesOf({
      schemaVersion: 1,
      nodes: [node('start', 'trigger.manual'), node('d', 'control.delay', { duration: 5 })],
      edges: [edge('start', 'next', 'd')],
    });
    const delay = issues.find((i) => i.nodeId === 'd')!;
    expect(delay.message).toBe('Invalid input: expected string, received number');
    expect(delay.zh).toBe('无效输入：期望 string，实际接收 数字');
    const monitor = issuesOf({
      schemaVersion: 1,
      nodes: [
        node('start', 'trigger.manual'),
        node('m', 'monitoring.monitor', { rules: [{ id: 'Bad Id', kind: 'threshold', metric: 'ctr' }] }),
      ],
      edges: [edge('start', 'next', 'm')],
    });
    const own = monitor.find((i) => i.message.startsWith('Start with a lower-case letter'))!;
    expect(own.zh).toBeUndefined();
    expect(problemText(own, 'zh-CN')).toBe(own.message);
  });

  it('warnings too, and the reader gets their language', () => {
    const checked = validateFlow({
      schemaVersion: 1,
      nodes: [
        node('start', 'trigger.manual'),
        node('ask', 'approval.request', { title: 'Go?', approvers: [{ kind: 'role', role: 'approver' }] }),
      ],
      edges: [edge('start', 'next', 'ask')],
    });
    expect(checked.ok).toBe(true);
    const warnings = checked.ok ? flowWarnings(checked.flow) : [];
    expect(warnings.length).toBeGreaterThan(0);
    for (const w of warnings) {
      expect(problemText(w, 'zh-CN')).toMatch(HAN);
      expect(problemText(w, 'en')).toBe(w.message);
    }
    expect(problemWords('triggers', { count: 2 })).toEqual({
      message: 'A flow needs exactly one trigger; it has 2',
      zh: '流程需要且只能有一个触发器；当前有 2 个',
      params: { key: 'triggers', count: 2 },
    });
  });

  it('whatever the document, every problem has an English message and no marker leaks into either language', () => {
    const anyNode = fc.record({
      id: fc.string({ maxLength: 8 }),
      type: fc.constantFrom('trigger.manual', 'control.delay', 'x'),
      config: fc.anything(),
    });
    const doc = fc.oneof(
      fc.anything(),
      fc.record({
        schemaVersion: fc.constant(1),
        nodes: fc.array(anyNode, { maxLength: 5 }),
        edges: fc.array(fc.anything(), { maxLength: 3 }),
      }),
    );
    fc.assert(
      fc.property(doc, (d) => {
        for (const i of issuesOf(d)) {
          expect(typeof i.message).toBe('string');
          expect(i.message.length).toBeGreaterThan(0);
          expect(i.message + (i.zh ?? '')).not.toContain('\u0000');
          if (i.zh !== undefined) expect(i.zh.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
