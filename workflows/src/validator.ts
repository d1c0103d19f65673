import type { z } from 'zod';
import { flowSchemas, type FlowDocument } from './flow.ts';
import { findJsonProblems } from './json.ts';
import { checkExpression } from './expressions.ts';
import { getNodeType } from './nodes/index.ts';
import { parseDuration } from './duration.ts';
import { bothLanguages, problemWords, zodWords, type ProblemParams } from './problem-text.ts';

/**
 * The static validator. The API runs it before saving or publishing, the editor runs it on
 * every edit, and the workflow runs it before it executes anything, so a malformed document
 * is refused at every door with the same words.
 */
export interface ValidationIssue {
  path: (string | number)[];
  /** In English, as the API has always said it. */
  message: string;
  /** The same in Chinese, where the problem's words are known (see problem-text.ts). */
  zh?: string;
  /** What the words are made of: the problem's key and its values (ids, handles, counts). */
  params?: ProblemParams;
  code: IssueCode;
  nodeId?: string;
  edgeId?: string;
}

export type IssueCode =
  | 'schema'
  | 'forbidden_key'
  | 'unknown_type'
  | 'config'
  | 'duplicate_id'
  | 'trigger_count'
  | 'dangling_edge'
  | 'unknown_handle'
  | 'edge_into_trigger'
  | 'unreachable'
  | 'expression'
  | 'cycle'
  | 'annotation';

export type ValidationResult = { ok: true; flow: FlowDocument } | { ok: false; issues: ValidationIssue[]; flow?: FlowDocument };

export function zodIssuesToValidation(error: z.ZodError, prefix: (string | number)[] = [], code: IssueCode = 'schema'): ValidationIssue[] {
  return error.issues.map((i) => ({ path: [...prefix, ...(i.path as (string | number)[])], ...zodWords(i), code }));
}

export function validateFlow(raw: unknown): ValidationResult {
  const hostile = findJsonProblems(raw);
  if (hostile.length) {
    return {
      ok: false,
      issues: attachIds(
        raw,
        hostile.map((p) => ({ path: p.path, message: p.message, code: 'forbidden_key' as const })),
      ),
    };
  }
  const parsed = flowSchemas().flowDocumentSchema.safeParse(raw, { error: bothLanguages });
  if (!parsed.success) return { ok: false, issues: attachIds(raw, zodIssuesToValidation(parsed.error)) };

  const flow = parsed.data;
  const issues: ValidationIssue[] = [];
  const nodeIndex = new Map<string, number>();
  const handlesOf = new Map<string, Set<string>>();

  flow.nodes.forEach((node, i) => {
    const at = ['nodes', i];
    if (nodeIndex.has(node.id)) {
      issues.push({ path: [...at, 'id'], nodeId: node.id, code: 'duplicate_id', ...problemWords('node_id_twice', { id: node.id }) });
      return;
    }
    nodeIndex.set(node.id, i);
    const def = getNodeType(node.type);
    if (!def) {
      issues.push({ path: [...at, 'type'], nodeId: node.id, code: 'unknown_type', ...problemWords('unknown_type', { type: node.type }) });
      return;
    }
    const config = def.configSchema.safeParse(node.config, { error: bothLanguages });
    if (!config.success) {
      for (const issue of zodIssuesToValidation(config.error, [...at, 'config'], 'config')) issues.push({ ...issue, nodeId: node.id });
      return;
    }
    // Later checks and the interpreter see the config with defaults applied.
    node.config = config.data as Record<string, unknown>;
    handlesOf.set(node.id, new Set(def.handles(config.data)));
    for (const expr of def.expressions?.(config.data) ?? []) {
      const check = expr.error ? { ok: false, error: expr.error } : checkExpression(expr.source);
      if (!check.ok) {
        issues.push({
          path: [...at, 'config', ...expr.path],
          nodeId: node.id,
          code: 'expression',
          ...problemWords(expr.kind === 'cel' ? 'expression' : 'template_expression', {
            source: truncate(expr.source),
            error: check.error ?? '',
          }),
        });
      }
    }
  });
  const triggers = flow.nodes.filter((n) => getNodeType(n.type)?.family === 'trigger');
  if (triggers.length !== 1) {
    issues.push({
      path: ['nodes'],
      code: 'trigger_count',
      ...(triggers.length === 0 ? problemWords('no_trigger') : problemWords('triggers', { count: triggers.length })),
      ...(triggers[1] ? { nodeId: triggers[1].id } : {}),
    });
  }

  const edgeIds = new Set<string>();
  const seenLinks = new Set<string>();
  flow.edges.forEach((edge, i) => {
    const at = ['edges', i];
    const tag = { edgeId: edge.id };
    if (edgeIds.has(edge.id))
      issues.push({ path: [...at, 'id'], ...tag, code: 'duplicate_id', ...problemWords('edge_id_twice', { id: edge.id }) });
    edgeIds.add(edge.id);
    if (!nodeIndex.has(edge.source)) {
      issues.push({
        path: [...at, 'source'],
        ...tag,
        code: 'dangling_edge',
        ...problemWords('edge_source_missing', { node: edge.source }),
      });
    } else {
      const handles = handlesOf.get(edge.source);
      if (handles && !handles.has(edge.sourceHandle)) {
        const list = [...handles].join(', ');
        issues.push({
          path: [...at, 'sourceHandle'],
          ...tag,
          nodeId: edge.source,
          code: 'unknown_handle',
          ...problemWords('unknown_handle', { node: edge.source, handle: edge.sourceHandle, handles: list }),
        });
      }
    }
    if (!nodeIndex.has(edge.target)) {
      issues.push({
        path: [...at, 'target'],
        ...tag,
        code: 'dangling_edge',
        ...problemWords('edge_target_missing', { node: edge.target }),
      });
    } else {
      const target = flow.nodes[nodeIndex.get(edge.target)!]!;
      if (getNodeType(target.type)?.hasInput === false) {
        issues.push({
          path: [...at, 'target'],
          ...tag,
          nodeId: target.id,
          code: 'edge_into_trigger',
          ...problemWords('edge_into_trigger', { node: target.id }),
        });
      }
    }
    const link = `${edge.source}\u0000${edge.sourceHandle}\u0000${edge.target}`;
    if (seenLinks.has(link)) issues.push({ path: [...at], ...tag, code: 'duplicate_id', ...problemWords('connection_twice') });
    seenLinks.add(link);
  });

  const validEdges = flow.edges.filter((e) => nodeIndex.has(e.source) && nodeIndex.has(e.target));
  if (triggers.length === 1) {
    const reached = reachableFrom(triggers[0]!.id, validEdges);
    flow.nodes.forEach((node, i) => {
      if (!reached.has(node.id) && nodeIndex.get(node.id) === i) {
        issues.push({
          path: ['nodes', i],
          nodeId: node.id,
          code: 'unreachable',
          ...problemWords('unreachable', { node: node.label ?? node.id }),
        });
      }
    });
  }

  for (const cycle of cyclesWithoutDelay(flow, validEdges)) {
    issues.push({
      path: ['nodes', nodeIndex.get(cycle[0]!)!],
      nodeId: cycle[0],
      code: 'cycle',
      ...problemWords('cycle', { loop: [...cycle, cycle[0]].join(' → '), seconds: MIN_LOOP_DELAY_MS / 1000 }),
    });
  }

  issues.push(...annotationIssues(flow, nodeIndex));

  return issues.length ? { ok: false, issues, flow } : { ok: true, flow };
}

/**
 * Notes and groups share the canvas's id space with the nodes (they are drawn as canvas nodes), and a group may only
 * frame nodes that exist, each in at most one group: nested or overlapping frames could not be moved sanely.
 */
function annotationIssues(flow: FlowDocument, nodeIndex: ReadonlyMap<string, number>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const ids = new Set(nodeIndex.keys());
  const claim = (id: string, path: (string | number)[]) => {
    if (ids.has(id)) issues.push({ path, code: 'duplicate_id', ...problemWords('annotation_id_taken', { id }) });
    ids.add(id);
  };
  (flow.notes ?? []).forEach((note, i) => claim(note.id, ['notes', i, 'id']));
  const groupOf = new Map<string, string>();
  (flow.groups ?? []).forEach((group, i) => {
    claim(group.id, ['groups', i, 'id']);
    group.nodes.forEach((member, j) => {
      const at = ['groups', i, 'nodes', j];
      if (!nodeIndex.has(member)) {
        issues.push({
          path: at,
          code: 'annotation',
          ...problemWords('group_member_missing', { group: group.label || group.id, node: member }),
        });
      } else if (groupOf.has(member)) {
        issues.push({
          path: at,
          nodeId: member,
          code: 'annotation',
          ...problemWords('node_in_two_groups', { node: member, group: groupOf.get(member)! }),
        });
      } else groupOf.set(member, group.id);
    });
  });
  return issues;
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

function reachableFrom(start: string, edges: { source: string; target: string }[]): Set<string> {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length) {
    for (const t of next.get(stack.pop()!) ?? []) {
      if (!seen.has(t)) {
        seen.add(t);
        stack.push(t);
      }
    }
  }
  return seen;
}

/**
 * A loop needs a real pause: a delay shorter than this (a "0s", "0ms" or "500ms") would let a
 * loop spin thousands of times a minute, filling the run's history and the worker's queue.
 */
export const MIN_LOOP_DELAY_MS = 1_000;

function breaksLoops(node: FlowDocument['nodes'][number]): boolean {
  if (node.type !== 'control.delay') return false;
  const duration = (node.config as { duration?: unknown } | undefined)?.duration;
  const ms = typeof duration === 'string' ? parseDuration(duration) : undefined;
  return ms !== undefined && ms >= MIN_LOOP_DELAY_MS;
}

/**
 * Strongly connected components (Tarjan, iterative) of the graph with loop-breaking delay
 * nodes removed; each non-trivial one is a busy loop.
 */
function cyclesWithoutDelay(flow: FlowDocument, edges: { source: string; target: string }[]): string[][] {
  const isDelay = new Set(flow.nodes.filter(breaksLoops).map((n) => n.id));
  const adj = new Map<string, string[]>();
  for (const e of edges) {
    if (isDelay.has(e.source) || isDelay.has(e.target)) continue;
    adj.set(e.source, [...(adj.get(e.source) ?? []), e.target]);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const result: string[][] = [];
  let counter = 0;
  for (const root of flow.nodes.map((n) => n.id)) {
    if (index.has(root)) continue;
    const work: { node: string; i: number }[] = [{ node: root, i: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1]!;
      const succ = adj.get(frame.node) ?? [];
      if (frame.i < succ.length) {
        const w = succ[frame.i++]!;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.node);
        const selfLoop = (adj.get(frame.node) ?? []).includes(frame.node);
        if (component.length > 1 || selfLoop) result.push(component.reverse());
      }
    }
  }
  return result;
}

/** Adds nodeId/edgeId to schema issues so the editor can paint the offending element. */
function attachIds(raw: unknown, issues: ValidationIssue[]): ValidationIssue[] {
  const doc = raw as { nodes?: { id?: unknown }[]; edges?: { id?: unknown }[] } | null;
  return issues.map((issue) => {
    const [kind, i] = issue.path;
    if (typeof i !== 'number') return issue;
    const id = kind === 'nodes' ? doc?.nodes?.[i]?.id : kind === 'edges' ? doc?.edges?.[i]?.id : undefined;
    if (typeof id !== 'string') return issue;
    return kind === 'nodes' ? { ...issue, nodeId: id } : { ...issue, edgeId: id };
  });
}
