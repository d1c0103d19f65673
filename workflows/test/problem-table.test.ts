import { describe, expect, it } from 'vitest';
import {
  validateFlow,
  LOCALES,
  PROBLEM_KEYS,
  problemIn,
  problemWords,
  said,
  schemaMessage,
  zodWords,
  type ProblemParams,
} from '../src/index.ts';

const HAN = /[\u4e00-\u9fff]/;

/** The parameters one language's words read, found by handing it a params object that records every read. */
function paramsRead(key: (typeof PROBLEM_KEYS)[number], locale: (typeof LOCALES)[number]): string[] {
  const read = new Set<string>();
  const spy = new Proxy({} as ProblemParams, {
    get: (_, k) => (typeof k === 'string' ? (read.add(k), `<${k}>`) : undefined),
    has: (_, k) => (typeof k === 'string' ? (read.add(k), true) : false),
  });
  problemIn(key, spy, locale);
  return [...read].sort();
}

describe('the one table of problem words', () => {
  it('every code has words in both languages, and the Chinese is Chinese', () => {
    expect(PROBLEM_KEYS.length).toBeGreaterThan(100);
    for (const key of PROBLEM_KEYS) {
      const w = problemWords(key, {});
      expect(w.message.trim(), key).not.toBe('');
      expect(w.zh, key).toMatch(HAN);
      expect(w.zh, key).not.toBe(w.message);
    }
  });

  it('both languages read the same placeholders, and none is left unfilled', () => {
    for (const key of PROBLEM_KEYS) {
      expect(paramsRead(key, 'zh-CN'), key).toEqual(paramsRead(key, 'en'));
      const names = paramsRead(key, 'en');
      const filled = problemWords(key, Object.fromEntries(names.map((n) => [n, 'V'])));
      for (const text of [filled.message, filled.zh]) expect(text, key).not.toMatch(/\{\w+\}|undefined/);
    }
  });

  it("a schema's own message finds its Chinese words, by its text or by the key in the issue's params", () => {
    const message = schemaMessage('at_most_chars', { max: 7 });
    expect(message).toBe('At most 7 characters');
    expect(zodWords({ message })).toMatchObject({ message, zh: '最多 7 个字符', params: { key: 'at_most_chars', max: 7 } });
    const named = { message: 'Two phases are called x', params: { key: 'phase_twice', name: 'x' } };
    expect(zodWords(named).zh).toBe('有两个阶段都叫“x”');
    // A params key that is not in the table (a hostile or foreign refine) is only English, never a lookup of anything.
    expect(zodWords({ message: 'Own words', params: { key: '__proto__' } })).toEqual({ message: 'Own words' });
    expect(said('hidden')).toEqual({ key: 'hidden', params: {} });
  });

  it("a node type's hand-written message reaches the validator's issue in both languages", () => {
    const node = (id: string, type: string, config: unknown = {}) => ({ id, type, label: id, config, position: { x: 0, y: 0 } });
    const r = validateFlow({
      schemaVersion: 1,
      nodes: [node('start', 'trigger.manual'), node('ask', 'approval.request', { title: 'Go?', approvers: [] })],
      edges: [{ id: 'e', source: 'start', sourceHandle: 'next', target: 'ask' }],
    });
    const issue = r.ok ? undefined : r.issues.find((i) => i.nodeId === 'ask');
    expect(issue).toMatchObject({ message: 'Name at least one approver', zh: '至少指定一位审批人', params: { key: 'one_approver' } });
  });
});
