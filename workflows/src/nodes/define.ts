import type { z } from 'zod';
import type { JsonValue } from '../json.ts';
import type { FlowNode } from '../flow.ts';
import type { HumanTask, RuntimePorts } from '../interpreter/ports.ts';
import type { NodeState } from '../interpreter/state.ts';
import { lazily } from '../lazy.ts';

export type NodeFamily = 'trigger' | 'control' | 'channel' | 'approval' | 'campaign' | 'monitoring' | 'review';
export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly Locale[] = ['en', 'zh-CN'];

/** The words a node type shows in the editor, per locale. Field keys follow the config schema. */
export interface NodeText {
  title: string;
  description: string;
  /** `options`: labels for an enum field's values. */
  fields?: Record<string, { label: string; help?: string; options?: Record<string, string> }>;
  handles?: Record<string, string>;
}

export interface NodeExpression {
  /** Path inside the node's config, for error reporting. */
  path: (string | number)[];
  source: string;
  kind: 'cel' | 'template';
  /** A problem found before parsing (an unclosed "{{"); reported as is. */
  error?: string;
}

/** What a node's semantics may use while it runs. */
export interface NodeContext<C> {
  node: FlowNode;
  config: C;
  ports: RuntimePorts;
  /** The CEL scope: input, nodes' outputs, run metadata. A fresh copy; writing to it changes nothing. */
  scope: Record<string, unknown>;
  /** Whether an edge leaves this node's handle, so a node can choose between its failure path and failing the run. */
  hasEdge(handle: string): boolean;
  /** Execution key, unique per node execution in a run: the idempotency key for side effects. */
  executionKey: string;
  /** Publishes what the node shows while it runs (live view, queries). */
  setDetail(detail: JsonValue): void;
  /** Opens a task people act on through the run's Update handler; the returned function closes it. */
  openTask(task: HumanTask): () => void;
  /** Side work that must finish before the run ends but must not hold up the flow (mirroring, notices). */
  background(work: Promise<unknown>): void;
  /** Every node's state in this run, read-only: for rules that span nodes (separation of duties). */
  peers(): Readonly<Record<string, Readonly<NodeState>>>;
  /**
   * Declares that the node now sits in a durable wait from which `position` (JSON) is enough to go on.
   * While every running node is parked the run may continue as new: the new run re-starts the parked
   * nodes with `resume` set to their position. Call `unpark` before doing anything else.
   */
  park(position: JsonValue): void;
  unpark(): void;
  /** Set when this execution continues one from before a continue-as-new: the position it parked at. */
  resume?: JsonValue;
}

/** How many tokens reached a gated node (a join) on its incoming edges, and how many edges died. */
export interface Arrivals {
  arrived: number;
  dead: number;
  total: number;
}

export interface NodeResult {
  /** The handle to follow; undefined ends this branch (an end node). */
  handle?: string;
  /** Several handles at once: a parallel split. */
  handles?: string[];
  output?: JsonValue;
  /** An end node asking the run to stop with this outcome. */
  endRun?: { status: 'completed' | 'failed' | 'cancelled'; reason?: string };
}

export interface NodeDefinition<S extends z.ZodType = z.ZodType> {
  type: string;
  family: NodeFamily;
  configSchema: S;
  /** Output handles for a given config, in display order. */
  handles(config: z.output<S>): string[];
  /** Triggers have no input handle. */
  hasInput: boolean;
  /** `dynamicHandles`: handle names come from the config (a split's branches), so they have no translated labels. */
  editor: { icon: string; color: string; defaultConfig: z.input<S>; dynamicHandles?: boolean };
  text: Record<Locale, NodeText>;
  /** Markdown reference shown in the editor's help and served with the catalogue. */
  docs: string;
  /** CEL expressions inside the config, so the validator checks them before any run. */
  expressions?(config: z.output<S>): NodeExpression[];
  /**
   * Handles whose outcome fails the run when no edge is drawn from them (an approval's rejection), so
   * the editor warns before publishing instead of the run failing an hour later.
   */
  outcomesThatFailUndrawn?(config: z.output<S>): string[];
  /** Why this node cannot run without the run's campaign (in words), or undefined when it can. */
  needsCampaign?(config: z.output<S>): string | undefined;
  /**
   * For joins: why the branches still running towards it are cancelled when it fires (a join in `any` mode), or
   * undefined to let them run on.
   */
  cancelsSlowerBranches?(config: z.output<S>): string | undefined;
  /** For joins: decides, from the arrivals so far, whether the node runs now, waits, or is skipped. Runs at most once per wave. */
  gate?(config: z.output<S>, arrivals: Arrivals): 'fire' | 'wait' | 'skip';
  execute(ctx: NodeContext<z.output<S>>): Promise<NodeResult>;
}

/** Finds a node type's definition by its type name. */
export type NodeTypeLookup = (type: string) => NodeDefinition | undefined;

/**
 * Whether a type's handles depend on its config (a split's branches, a monitor's rules). Most types' `handles` take no
 * parameter, so listing them needs no parse of a config, and so builds no schema.
 */
export function handlesReadConfig(def: Pick<NodeDefinition, 'handles'>): boolean {
  return def.handles.length > 0;
}

/**
 * A node type as its file writes it: everything a run needs, and the config schema as a function that builds it. A
 * run of a frozen version reads neither the schema nor anything built from it, so loading the type for a run builds
 * no zod schema; the validator, the editor and the API read `configSchema`, built on that first read and kept.
 */
export type NodeSource<S extends z.ZodType> = Omit<NodeDefinition<S>, 'configSchema'> & { configSchema: () => S };

export function defineNode<S extends z.ZodType>(source: NodeSource<S>): NodeDefinition<S> {
  const { configSchema, ...rest } = source;
  // The getter sits on the definition's own prototype, not on the definition: a workflow worker freezes what its shared
  // modules export, reading every own property, getters included, and a frozen schema cannot parse (see
  // temporal/freeze-ready.ts). The schema stays in this closure, built by whoever reads it first.
  const withSchema = Object.defineProperty({}, 'configSchema', { get: lazily(configSchema), enumerable: true });
  return Object.assign(Object.create(withSchema) as object, rest) as NodeDefinition<S>;
}
