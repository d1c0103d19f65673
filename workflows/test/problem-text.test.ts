import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { flowWarnings, parseMonitor, problemText, problemWords, validateFlow, type ValidationIssue } from '../src/index.ts';

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

  it("a config field's zod problem is in Chinese from zod's locale, and a schema's own words from the table", () => {
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
    expect(own.zh).toBe('以小写字母开头，后接小写字母、数字或 _（最多 48 个字符）');
    expect(problemText(own, 'zh-CN')).toBe(own.zh);
  });

  it("the monitor's own checks (its refinements) are worded in both languages, in the flow's problems and the preview's", () => {
    const rule = { kind: 'threshold', metric: 'ctr', op: 'below', value: 0.01 };
    const config = {
      every: '1h',
      lateness: '40d',
      grouping: { wait: '2d', interval: '30s', repeat: '10s' },
      rules: [
        { ...rule, id: 'a', window: '90m', for: '32d' },
        { ...rule, id: 'a' },
        { id: 'quiet', kind: 'no_data', after: '10m' },
        { id: 'dev', kind: 'deviation', metric: 'ctr', by: 0.15, trailing: '30m' },
      ],
    };
    const issues = issuesOf({
      schemaVersion: 1,
      nodes: [node('start', 'trigger.manual'), node('m', 'monitoring.monitor', config)],
      edges: [edge('start', 'next', 'm')],
    }).filter((i) => i.nodeId === 'm');
    const keys = new Set(issues.map((i) => i.params?.key));
    for (const key of [
      'duration_at_most',
      'duration_at_least',
      'repeat_after_interval',
      'rule_twice',
      'whole_buckets',
      'one_bucket_at_least',
      'trailing_between',
    ])
      expect(keys, key).toContain(key);
    for (const i of issues) expect(i.zh, i.message).toMatch(HAN);
    expect(issues.find((i) => i.params?.key === 'rule_twice')).toMatchObject({
      message: 'Two rules are called "a"',
      zh: '有两条规则都叫“a”',
    });
    const parsed = parseMonitor(config);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.issues.length).toBe(issues.length);
      for (const i of parsed.issues) expect(i.zh, i.message).toMatch(HAN);
    }
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
