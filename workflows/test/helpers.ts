/** Small builders for flow documents in tests. Not a test file itself. */
import type { FlowDocumentInput } from '../src/flow.ts';
import type { ValidationIssue, ValidationResult } from '../src/validator.ts';

export type NodeInput = FlowDocumentInput['nodes'][number];
export type EdgeInput = FlowDocumentInput['edges'][number];

export const trigger = (id = 't', config: Record<string, unknown> = {}): NodeInput => ({ id, type: 'trigger.manual', config });
export const webhook = (id: string, config: Record<string, unknown> = {}): NodeInput => ({
  id,
  type: 'channel.webhook',
  config: { url: `https://hooks.example.test/${id}`, ...config },
});
export const delay = (id: string, duration = '1h'): NodeInput => ({ id, type: 'control.delay', config: { duration } });
export const condition = (id: string, expression: string): NodeInput => ({ id, type: 'control.condition', config: { expression } });
export const end = (id: string, config: Record<string, unknown> = {}): NodeInput => ({ id, type: 'control.end', config });

/** An edge; the id defaults to "source_handle_target". */
export function edge(source: string, target: string, sourceHandle = 'next', id?: string): EdgeInput {
  return { id: id ?? `${source}_${sourceHandle}_${target}`, source, sourceHandle, target };
}

export function flow(nodes: NodeInput[], edges: EdgeInput[]): FlowDocumentInput {
  return { nodes, edges };
}

/** trigger.manual → channel.webhook → control.end, the smallest useful flow. */
export function minimalFlow(): FlowDocumentInput {
  return flow([trigger('t'), webhook('w'), end('e')], [edge('t', 'w'), edge('w', 'e', 'sent')]);
}

export function issuesOf(result: ValidationResult): ValidationIssue[] {
  if (result.ok) throw new Error(`Expected the flow to be rejected, but it validated`);
  return result.issues;
}

/** Structured copy through JSON, as documents arrive over HTTP. */
export function viaJson<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value));
}
