import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MIN_LOOP_DELAY_MS, validateFlow, type ValidationIssue } from '../src/validator.ts';
import { FLOW_LIMITS } from '../src/flow.ts';
import { condition, delay, edge, end, flow, issuesOf, minimalFlow, trigger, viaJson, webhook } from './helpers.ts';

function codes(issues: ValidationIssue[]): string[] {
  return issues.map((i) => i.code);
}

function only(issues: ValidationIssue[], code: ValidationIssue['code']): ValidationIssue {
  const found = issues.filter((i) => i.code === code);
  expect(found, `expected exactly one "${code}" issue in ${JSON.stringify(issues)}`).toHaveLength(1);
  return found[0]!;
}

describe('validateFlow: a valid flow', () => {
  it('accepts trigger.manual → channel.webhook → control.end', () => {
    const result = validateFlow(minimalFlow());
    expect(result.ok).toBe(true);
  });

  it('applies document and config defaults', () => {
    const result = validateFlow(minimalFlow());
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const { flow: doc } = result;
    expect(doc.schemaVersion).toBe(1);
    const [t, w, e] = doc.nodes;
    expect(t!.config).toEqual({ sampleInput: {} });
    expect(t!.position).toEqual({ x: 0, y: 0 });
    expect(w!.config).toEqual({
      url: 'https://hooks.example.test/w',
      method: 'POST',
      headers: {},
      body: {},
      timeout: '10s',
      retry: { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
    });
    expect(e!.config).toEqual({ status: 'completed' });
  });

  it('fills retry defaults field by field', () => {
    const result = validateFlow(flow([trigger(), webhook('w', { retry: { maximumAttempts: 7 } })], [edge('t', 'w')]));
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.flow.nodes[1]!.config.retry).toEqual({
      maximumAttempts: 7,
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '1m',
    });
  });

  it('does not mutate the document it was given', () => {
    const doc = minimalFlow();
    const before = JSON.stringify(doc);
    validateFlow(doc);
    expect(JSON.stringify(doc)).toBe(before);
  });

  it('accepts a trigger alone', () => {
    expect(validateFlow(flow([trigger()], [])).ok).toBe(true);
  });

  it('accepts branches, merges and templated fields', () => {
    const doc = flow(
      [
        trigger('t', { sampleInput: { amount: 120 } }),
        condition('c', 'input.amount > 100'),
        webhook('big', { body: { amount: '{{ input.amount }}', text: 'Big order {{ input.amount }} at {{ run.startedAt }}' } }),
        webhook('small', { url: 'https://hooks.example.test/{{ input.region }}' }),
        end('done'),
      ],
      [edge('t', 'c'), edge('c', 'big', 'true'), edge('c', 'small', 'false'), edge('big', 'done', 'sent'), edge('small', 'done', 'sent')],
    );
    const result = validateFlow(doc);
    expect(result.ok ? [] : result.issues).toEqual([]);
  });
});

describe('validateFlow: triggers', () => {
  it('rejects a flow without a trigger', () => {
    const issue = only(issuesOf(validateFlow(flow([end('e')], []))), 'trigger_count');
    expect(issue.path).toEqual(['nodes']);
    expect(issue.message).toMatch(/exactly one trigger.*none/);
  });

  it('rejects an empty flow', () => {
    only(issuesOf(validateFlow(flow([], []))), 'trigger_count');
  });

  it('rejects two triggers and names the second', () => {
    const issue = only(
      issuesOf(validateFlow(flow([trigger('t1'), trigger('t2'), end('e')], [edge('t1', 'e'), edge('t2', 'e')]))),
      'trigger_count',
    );
    expect(issue.message).toMatch(/has 2/);
    expect(issue.nodeId).toBe('t2');
    expect(issue.path).toEqual(['nodes']);
  });

  it('rejects an edge into a trigger', () => {
    const doc = flow([trigger('t'), webhook('w')], [edge('t', 'w'), edge('w', 't', 'sent', 'back')]);
    const issue = only(issuesOf(validateFlow(doc)), 'edge_into_trigger');
    expect(issue).toMatchObject({ path: ['edges', 1, 'target'], edgeId: 'back', nodeId: 't' });
  });
});

describe('validateFlow: graph structure', () => {
  it('rejects an unreachable node and points at it', () => {
    const doc = flow([trigger(), webhook('w'), end('island')], [edge('t', 'w')]);
    const issue = only(issuesOf(validateFlow(doc)), 'unreachable');
    expect(issue).toMatchObject({ path: ['nodes', 2], nodeId: 'island' });
  });

  it('rejects a node only reachable from an unreachable one', () => {
    const doc = flow([trigger(), webhook('a'), webhook('b')], [edge('a', 'b', 'sent')]);
    const issues = issuesOf(validateFlow(doc)).filter((i) => i.code === 'unreachable');
    expect(issues.map((i) => i.nodeId).sort()).toEqual(['a', 'b']);
  });

  it('rejects an edge from a node that does not exist', () => {
    const doc = flow([trigger(), end('e')], [edge('t', 'e'), edge('ghost', 'e', 'next', 'from_ghost')]);
    const issue = only(issuesOf(validateFlow(doc)), 'dangling_edge');
    expect(issue).toMatchObject({ path: ['edges', 1, 'source'], edgeId: 'from_ghost' });
    expect(issue.message).toContain('ghost');
  });

  it('rejects an edge to a node that does not exist', () => {
    const doc = flow([trigger(), end('e')], [edge('t', 'e'), edge('t', 'ghost', 'next', 'to_ghost')]);
    const issue = only(issuesOf(validateFlow(doc)), 'dangling_edge');
    expect(issue).toMatchObject({ path: ['edges', 1, 'target'], edgeId: 'to_ghost' });
    expect(issue.message).toContain('ghost');
  });

  it('reports both ends of an edge that dangles at both', () => {
    const doc = flow([trigger()], [edge('x', 'y', 'next', 'nowhere')]);
    const issues = issuesOf(validateFlow(doc)).filter((i) => i.code === 'dangling_edge');
    expect(issues.map((i) => i.path)).toEqual([
      ['edges', 0, 'source'],
      ['edges', 0, 'target'],
    ]);
    expect(issues.every((i) => i.edgeId === 'nowhere')).toBe(true);
  });

  it('rejects an edge from a handle the node does not have', () => {
    const doc = flow([trigger(), condition('c', 'true'), end('e')], [edge('t', 'c'), edge('c', 'e', 'next', 'bad')]);
    const issue = only(issuesOf(validateFlow(doc)), 'unknown_handle');
    expect(issue).toMatchObject({ path: ['edges', 1, 'sourceHandle'], edgeId: 'bad', nodeId: 'c' });
    expect(issue.message).toContain('true, false');
  });

  it('rejects any edge out of an end node, which has no handles', () => {
    const doc = flow([trigger(), end('e'), webhook('w')], [edge('t', 'e'), edge('e', 'w', 'next', 'after_end')]);
    const issue = only(issuesOf(validateFlow(doc)), 'unknown_handle');
    expect(issue).toMatchObject({ edgeId: 'after_end', nodeId: 'e' });
    expect(issue.message).toContain('none');
  });

  it('rejects the handle of another node type (sent on a trigger)', () => {
    const doc = flow([trigger(), webhook('w')], [edge('t', 'w', 'sent')]);
    only(issuesOf(validateFlow(doc)), 'unknown_handle');
  });

  it('rejects duplicate node ids', () => {
    const doc = flow([trigger(), webhook('w'), webhook('w')], [edge('t', 'w')]);
    const issue = only(issuesOf(validateFlow(doc)), 'duplicate_id');
    expect(issue).toMatchObject({ path: ['nodes', 2, 'id'], nodeId: 'w' });
  });

  it('rejects duplicate edge ids', () => {
    const doc = flow([trigger(), webhook('a'), webhook('b')], [edge('t', 'a', 'next', 'e1'), edge('t', 'b', 'next', 'e1')]);
    const issue = only(issuesOf(validateFlow(doc)), 'duplicate_id');
    expect(issue).toMatchObject({ path: ['edges', 1, 'id'], edgeId: 'e1' });
  });

  it('rejects the same connection drawn twice', () => {
    const doc = flow([trigger(), webhook('a')], [edge('t', 'a', 'next', 'e1'), edge('t', 'a', 'next', 'e2')]);
    const issue = only(issuesOf(validateFlow(doc)), 'duplicate_id');
    expect(issue).toMatchObject({ path: ['edges', 1], edgeId: 'e2' });
  });

  it('rejects an unknown node type and points at its type', () => {
    const doc = flow([trigger(), { id: 'x', type: 'channel.carrier_pigeon', config: {} }], [edge('t', 'x')]);
    const issue = only(issuesOf(validateFlow(doc)), 'unknown_type');
    expect(issue).toMatchObject({ path: ['nodes', 1, 'type'], nodeId: 'x' });
    expect(issue.message).toContain('channel.carrier_pigeon');
  });
});

describe('validateFlow: loops', () => {
  it('rejects A → B → A without a delay', () => {
    const doc = flow(
      [trigger(), condition('a', 'true'), condition('b', 'true'), end('e')],
      [edge('t', 'a'), edge('a', 'b', 'true'), edge('b', 'a', 'true'), edge('a', 'e', 'false')],
    );
    const issue = only(issuesOf(validateFlow(doc)), 'cycle');
    expect(issue.nodeId).toBe('a');
    expect(issue.path).toEqual(['nodes', 1]);
    expect(issue.message).toContain('a → b → a');
  });

  it('rejects a self-loop', () => {
    const doc = flow([trigger(), webhook('w')], [edge('t', 'w'), edge('w', 'w', 'failed')]);
    const issue = only(issuesOf(validateFlow(doc)), 'cycle');
    expect(issue).toMatchObject({ nodeId: 'w', path: ['nodes', 1] });
  });

  it('reports each loop of a graph with two separate loops', () => {
    const doc = flow(
      [trigger(), webhook('a'), webhook('b'), webhook('c'), webhook('d')],
      [
        edge('t', 'a'),
        edge('a', 'b', 'sent'),
        edge('b', 'a', 'sent'),
        edge('a', 'c', 'failed'),
        edge('c', 'd', 'sent'),
        edge('d', 'c', 'sent'),
      ],
    );
    const cycles = issuesOf(validateFlow(doc)).filter((i) => i.code === 'cycle');
    expect(cycles.map((i) => i.nodeId).sort()).toEqual(['a', 'c']);
  });

  it('accepts a loop through a delay', () => {
    const doc = flow(
      [trigger(), webhook('poll'), condition('ready', 'nodes.poll.output.status == 200'), delay('wait', '15m'), end('e')],
      [edge('t', 'poll'), edge('poll', 'ready', 'sent'), edge('ready', 'e', 'true'), edge('ready', 'wait', 'false'), edge('wait', 'poll')],
    );
    const result = validateFlow(doc);
    expect(result.ok ? [] : result.issues).toEqual([]);
  });

  it('accepts a delay looping on itself', () => {
    expect(validateFlow(flow([trigger(), delay('d', '1d')], [edge('t', 'd'), edge('d', 'd')])).ok).toBe(true);
  });

  it('rejects a loop whose only delay is shorter than a second, however the duration is written', () => {
    // Any spelling of a sub-second wait ("0s", "0ms", "999ms", "0m0s") must not count as a pause.
    const shortDuration = fc.oneof(
      fc.integer({ min: 0, max: MIN_LOOP_DELAY_MS - 1 }).map((ms) => `${ms}ms`),
      fc.constantFrom('0s', '0m', '0h', '0d', '0w', '0m0s', '0h0m0ms', '000s'),
    );
    fc.assert(
      fc.property(shortDuration, (duration) => {
        const doc = flow([trigger(), webhook('a'), delay('d', duration)], [edge('t', 'a'), edge('a', 'd', 'sent'), edge('d', 'a')]);
        const issue = only(issuesOf(validateFlow(doc)), 'cycle');
        expect(issue.message).toContain('at least 1 s');
      }),
    );
  });

  it('accepts a loop through a delay of exactly the minimum', () => {
    const doc = flow([trigger(), webhook('a'), delay('d', '1s')], [edge('t', 'a'), edge('a', 'd', 'sent'), edge('d', 'a')]);
    const result = validateFlow(doc);
    expect(result.ok ? [] : result.issues).toEqual([]);
  });

  it('rejects a busy inner loop even when an outer loop has a delay', () => {
    const doc = flow(
      [trigger(), webhook('a'), webhook('b'), delay('d')],
      [edge('t', 'a'), edge('a', 'b', 'sent'), edge('b', 'a', 'failed'), edge('b', 'd', 'sent'), edge('d', 'a')],
    );
    const issue = only(issuesOf(validateFlow(doc)), 'cycle');
    expect(['a', 'b']).toContain(issue.nodeId);
  });
});

describe('validateFlow: expressions and templates', () => {
  it('rejects a condition whose CEL does not parse', () => {
    const doc = flow([trigger(), condition('c', 'input.amount >'), end('e')], [edge('t', 'c'), edge('c', 'e', 'true')]);
    const issue = only(issuesOf(validateFlow(doc)), 'expression');
    expect(issue).toMatchObject({ path: ['nodes', 1, 'config', 'expression'], nodeId: 'c' });
    expect(issue.message).toMatch(/^Expression "input.amount >" does not parse: /);
  });

  it('rejects a call to an unknown function', () => {
    const doc = flow([trigger(), condition('c', 'launchMissiles(input)')], [edge('t', 'c')]);
    only(issuesOf(validateFlow(doc)), 'expression');
  });

  it('rejects an empty condition expression as a config error', () => {
    const doc = flow([trigger(), condition('c', '')], [edge('t', 'c')]);
    const issue = only(issuesOf(validateFlow(doc)), 'config');
    expect(issue).toMatchObject({ path: ['nodes', 1, 'config', 'expression'], nodeId: 'c' });
  });

  it('rejects bad CEL inside a webhook body template, with the path inside the body', () => {
    const doc = flow([trigger(), webhook('w', { body: { items: [{ qty: '{{ input.qty * }}' }] } })], [edge('t', 'w')]);
    const issue = only(issuesOf(validateFlow(doc)), 'expression');
    expect(issue).toMatchObject({ path: ['nodes', 1, 'config', 'body', 'items', 0, 'qty'], nodeId: 'w' });
    expect(issue.message).toMatch(/^Template expression "input.qty \*" does not parse/);
  });

  it('rejects bad CEL in a templated URL and header', () => {
    const doc = flow(
      [trigger(), webhook('w', { url: 'https://x.test/{{ ) }}', headers: { 'X-Campaign': '{{ input. }}' } })],
      [edge('t', 'w')],
    );
    const paths = issuesOf(validateFlow(doc))
      .filter((i) => i.code === 'expression')
      .map((i) => i.path);
    expect(paths).toContainEqual(['nodes', 1, 'config', 'url']);
    expect(paths).toContainEqual(['nodes', 1, 'config', 'headers', 'X-Campaign']);
  });

  it('rejects an empty placeholder', () => {
    const doc = flow([trigger(), webhook('w', { body: { x: 'a {{ }} b' } })], [edge('t', 'w')]);
    expect(only(issuesOf(validateFlow(doc)), 'expression').message).toContain('empty');
  });

  // templates.ts knows unclosed placeholders (checkTemplate), but the validator only checks the
  // expressions a node lists, and an unclosed "{{" lists none: it would be sent as literal text.
  it('rejects an unclosed {{ in a webhook body', () => {
    const doc = flow([trigger(), webhook('w', { body: { text: 'Hello {{ input.name' } })], [edge('t', 'w')]);
    const result = validateFlow(doc);
    expect(result.ok).toBe(false);
    const issue = issuesOf(result).find((i) => i.path.join('.') === 'nodes.1.config.body.text');
    expect(issue, JSON.stringify(result)).toBeDefined();
    expect(issue!.nodeId).toBe('w');
    expect(issue!.message).toMatch(/not closed/);
  });

  it('accepts text with braces that are not placeholders', () => {
    const doc = flow([trigger(), webhook('w', { body: { text: 'a } b { c }}' } })], [edge('t', 'w')]);
    expect(validateFlow(doc).ok).toBe(true);
  });
});

describe('validateFlow: durations', () => {
  it.each(['5 parsecs', '', '400d', '1.5h', '-1h', '10', 'h', '53w'])('rejects the delay duration %j', (duration) => {
    const doc = flow([trigger(), delay('d', duration)], [edge('t', 'd')]);
    const issue = issuesOf(validateFlow(doc)).find((i) => i.code === 'config');
    expect(issue).toMatchObject({ path: ['nodes', 1, 'config', 'duration'], nodeId: 'd' });
  });

  it.each(['30s', '15m', '2h', '3d', '1w', '1h30m', '366d', '0s', ' 5m '])('accepts the delay duration %j', (duration) => {
    expect(validateFlow(flow([trigger(), delay('d', duration)], [edge('t', 'd')])).ok).toBe(true);
  });

  it('rejects bad durations inside the retry policy with the nested path', () => {
    const doc = flow([trigger(), webhook('w', { timeout: 'soon', retry: { initialInterval: '5 parsecs' } })], [edge('t', 'w')]);
    const paths = issuesOf(validateFlow(doc)).map((i) => i.path.join('.'));
    expect(paths).toContain('nodes.1.config.timeout');
    expect(paths).toContain('nodes.1.config.retry.initialInterval');
  });
});

describe('validateFlow: config schemas', () => {
  it('rejects unknown config keys (strict schemas)', () => {
    const doc = flow([trigger(), end('e', { status: 'completed', colour: 'red' })], [edge('t', 'e')]);
    const issue = only(issuesOf(validateFlow(doc)), 'config');
    expect(issue.nodeId).toBe('e');
    expect(issue.path.slice(0, 3)).toEqual(['nodes', 1, 'config']);
  });

  it('rejects a bad end status and a bad webhook URL', () => {
    const doc = flow(
      [trigger(), webhook('w', { url: 'ftp://nope' }), end('e', { status: 'exploded' })],
      [edge('t', 'w'), edge('w', 'e', 'sent')],
    );
    const issues = issuesOf(validateFlow(doc)).filter((i) => i.code === 'config');
    expect(issues.map((i) => [i.nodeId, i.path.join('.')])).toEqual([
      ['w', 'nodes.1.config.url'],
      ['e', 'nodes.2.config.status'],
    ]);
  });

  it('rejects bad header names and non-string header values', () => {
    const doc = flow([trigger(), webhook('w', { headers: { 'Bad Header': 'x', Ok: 5 } })], [edge('t', 'w')]);
    expect(issuesOf(validateFlow(doc)).filter((i) => i.code === 'config').length).toBeGreaterThanOrEqual(2);
  });

  it('rejects out-of-range retry settings', () => {
    const doc = flow([trigger(), webhook('w', { retry: { maximumAttempts: 0, backoffCoefficient: 11 } })], [edge('t', 'w')]);
    const paths = issuesOf(validateFlow(doc)).map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['nodes.1.config.retry.maximumAttempts', 'nodes.1.config.retry.backoffCoefficient']));
  });

  it('rejects bad node ids and extra node fields with nodeId attached', () => {
    const doc = { nodes: [trigger(), { id: '9lives', type: 'control.end', config: {} }, { ...end('e'), extra: true }], edges: [] };
    const issues = issuesOf(validateFlow(doc));
    expect(issues).toContainEqual(expect.objectContaining({ code: 'schema', path: ['nodes', 1, 'id'], nodeId: '9lives' }));
    expect(issues).toContainEqual(expect.objectContaining({ code: 'schema', path: ['nodes', 2], nodeId: 'e' }));
  });

  it('attaches edgeId to schema issues of an edge', () => {
    const doc = { nodes: [trigger()], edges: [{ id: 'e1', source: 't', target: 'x' }] };
    expect(issuesOf(validateFlow(doc))).toContainEqual(
      expect.objectContaining({ code: 'schema', path: ['edges', 0, 'sourceHandle'], edgeId: 'e1' }),
    );
  });

  it('rejects an unsupported schemaVersion', () => {
    const issue = only(issuesOf(validateFlow({ schemaVersion: 2, ...minimalFlow() })), 'schema');
    expect(issue.path).toEqual(['schemaVersion']);
  });
});

describe('validateFlow: hostile documents', () => {
  const pollutedBody = () => JSON.parse('{"ok": 1, "nested": {"__proto__": {"polluted": true}}}');

  it('rejects __proto__ (from JSON.parse) inside a webhook body, with its path', () => {
    const doc = flow([trigger(), webhook('w', { body: pollutedBody() })], [edge('t', 'w')]);
    const issues = issuesOf(validateFlow(doc));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'forbidden_key', path: ['nodes', 1, 'config', 'body', 'nested', '__proto__'] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each(['__proto__', 'constructor', 'prototype'])('rejects the key %s in a node config', (key) => {
    const config = JSON.parse(`{"sampleInput": {"a": [{"${key}": 1}]}}`);
    const issues = issuesOf(validateFlow(flow([trigger('t', config)], [])));
    expect(issues).toEqual([expect.objectContaining({ code: 'forbidden_key', path: ['nodes', 0, 'config', 'sampleInput', 'a', 0, key] })]);
    expect(issues[0]!.message).toContain(key);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('rejects the key %s at the top level and on a node', (key) => {
    const top = JSON.parse(`{"nodes": [], "edges": [], "${key}": {}}`);
    expect(issuesOf(validateFlow(top))).toEqual([expect.objectContaining({ code: 'forbidden_key', path: [key] })]);
    const onNode = JSON.parse(`{"nodes": [{"id": "t", "type": "trigger.manual", "${key}": {"x": 1}}], "edges": []}`);
    expect(issuesOf(validateFlow(onNode))).toEqual([expect.objectContaining({ code: 'forbidden_key', path: ['nodes', 0, key] })]);
  });

  it('rejects forbidden keys in headers and in the retry policy', () => {
    const doc = viaJson(flow([trigger(), webhook('w', { headers: { constructor: 'x' } })], [edge('t', 'w')]));
    expect(issuesOf(validateFlow(doc))[0]!.path).toEqual(['nodes', 1, 'config', 'headers', 'constructor']);
  });

  it('names the node that holds a forbidden key (so the editor can paint it)', () => {
    const doc = flow([trigger(), webhook('w', { body: pollutedBody() })], [edge('t', 'w')]);
    expect(issuesOf(validateFlow(doc))[0]!.nodeId).toBe('w');
  });

  it('rejects __proto__ as a node id: it becomes a key of the run state', () => {
    const doc = flow([trigger(), end('__proto__')], [edge('t', '__proto__')]);
    const result = validateFlow(doc);
    expect(result.ok).toBe(false);
  });

  it('rejects absurdly deep nesting without a stack overflow', () => {
    let body: unknown = 'leaf';
    for (let i = 0; i < 10_000; i++) body = { a: body };
    const result = validateFlow(flow([trigger(), webhook('w', { body })], [edge('t', 'w')]));
    expect(result.ok).toBe(false);
    expect(issuesOf(result)[0]!.message).toMatch(/Nested deeper/);
  });

  it(`rejects more than ${FLOW_LIMITS.nodes} nodes`, () => {
    const nodes = [trigger(), ...Array.from({ length: FLOW_LIMITS.nodes }, (_, i) => end(`e${i}`))];
    const edges = nodes.slice(1).map((n) => edge('t', n.id));
    expect(nodes).toHaveLength(501);
    const issue = issuesOf(validateFlow(flow(nodes, edges))).find((i) => i.path[0] === 'nodes');
    expect(issue).toMatchObject({ code: 'schema', path: ['nodes'] });
  });

  it(`accepts exactly ${FLOW_LIMITS.nodes} nodes`, () => {
    const nodes = [trigger(), ...Array.from({ length: FLOW_LIMITS.nodes - 1 }, (_, i) => end(`e${i}`))];
    expect(
      validateFlow(
        flow(
          nodes,
          nodes.slice(1).map((n) => edge('t', n.id)),
        ),
      ).ok,
    ).toBe(true);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'flow'],
    ['a number', 42],
    ['a boolean', true],
    ['an array', [{ nodes: [], edges: [] }]],
    ['an empty object', {}],
    ['nodes as an object', { nodes: {}, edges: [] }],
    ['nodes holding null', { nodes: [null], edges: [] }],
  ])('rejects %s without throwing', (_, value) => {
    const result = validateFlow(value);
    expect(result.ok).toBe(false);
    const issues = issuesOf(result);
    expect(issues.length).toBeGreaterThan(0);
    for (const i of issues) {
      expect(Array.isArray(i.path)).toBe(true);
      expect(typeof i.message).toBe('string');
    }
  });
});

describe('validateFlow: every issue is locatable', () => {
  it('gives each issue a path into the document and the id of the node or edge it concerns', () => {
    const doc = viaJson({
      nodes: [
        trigger('t'),
        condition('c', 'input.x >'),
        delay('d', '5 parsecs'),
        { id: 'u', type: 'nope', config: {} },
        webhook('w', { body: { s: '{{ 1 + }}' } }),
        end('lonely'),
      ],
      edges: [
        edge('t', 'c'),
        edge('c', 'd', 'next', 'badhandle'),
        edge('t', 'ghost', 'next', 'dangling'),
        edge('c', 't', 'true', 'intotrigger'),
        edge('c', 'w', 'false'),
        edge('w', 'w', 'sent', 'self'),
      ],
    });
    const issues = issuesOf(validateFlow(doc));
    expect(new Set(codes(issues))).toEqual(
      new Set(['expression', 'config', 'unknown_type', 'unknown_handle', 'dangling_edge', 'edge_into_trigger', 'unreachable', 'cycle']),
    );
    for (const issue of issues) {
      expect(issue.path.length, JSON.stringify(issue)).toBeGreaterThan(0);
      if (issue.path[0] === 'nodes' && typeof issue.path[1] === 'number') expect(issue.nodeId, JSON.stringify(issue)).toBeTypeOf('string');
      if (issue.path[0] === 'edges') expect(issue.edgeId, JSON.stringify(issue)).toBeTypeOf('string');
      expect(issue.message.length).toBeGreaterThan(5);
    }
  });
});
