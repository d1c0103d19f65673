import type { FlowDocument, FlowEdge, FlowNode } from '../flow.ts';
import type { JsonValue } from '../json.ts';
import type { NodeResult, NodeTypeLookup } from '../nodes/define.ts';
import { ActivityCallError, BranchCancelled, TaskRejection, type HumanTask, type RuntimePorts } from './ports.ts';
import { nodeInput, type NodeState, type RunState } from './state.ts';
import { CONVERT_NAMED_VARIABLES, CONVERT_WHOLE_SCOPE } from '../expressions.ts';

/** Who started the run: approvals exclude them (separation of duties) and notices name them. */
export interface Requester {
  id: string;
  name: string;
  email?: string;
}

export interface RunContext {
  runId: string;
  flowId: string;
  versionId: string;
  version: number;
  input: JsonValue;
  /** A snapshot of the run's campaign, taken when the run started; expressions read it as `campaign`. */
  campaign?: JsonValue;
  requester?: Requester | null;
}

/** Stops the whole run: an end node's outcome or a node failure with no failure path. */
export class RunStop extends Error {
  constructor(
    readonly status: 'completed' | 'failed' | 'cancelled',
    reason: string,
  ) {
    super(reason);
    this.name = 'RunStop';
  }
}

/** Patch id (Temporal's patched()) of joins cancelling the branches that lost their race. */
export const JOIN_CANCELS_SLOWER_BRANCHES = 'join-cancels-slower-branches';

/** A flow that loops (through a delay) more than this in one run is almost surely a mistake; counted per run of a chain. */
export const MAX_NODE_EXECUTIONS = 10_000;

/**
 * What a run hands to the run that continues it as new: everything the interpreter knows, and where
 * each waiting node stood. JSON only, so it travels as the next run's input.
 */
export interface InterpreterSnapshot {
  state: RunState;
  deadEdges: string[];
  gates: { nodeId: string; arrived: string[]; fired: boolean }[];
  parked: { nodeId: string; position: JsonValue }[];
}

/**
 * The pure interpreter core. It walks a validated graph token by token: a node runs when a
 * token reaches it, and its result names the handle whose edges carry tokens on. Everything
 * with time or side effects goes through `ports`, so the same code runs durably in Temporal
 * and instantly on the simulator's virtual clock.
 *
 * Determinism: iteration follows document order; no Math.random, no wall clock but ports.now().
 */
export class FlowInterpreter {
  readonly state: RunState;
  private readonly nodes = new Map<string, FlowNode>();
  private readonly outgoing = new Map<string, FlowEdge[]>();
  private readonly incoming = new Map<string, FlowEdge[]>();
  private readonly deadEdges = new Set<string>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly tasks = new Map<string, HumanTask>();
  private readonly backgroundWork = new Set<Promise<unknown>>();
  /** Per gated node (join): the incoming edges whose token arrived in the current wave, and whether it fired. */
  private readonly gates = new Map<string, { arrived: Set<string>; fired: boolean }>();
  private totalExecutions = 0;
  /** Running executions per node, and the position of those parked in a durable wait. */
  private readonly active = new Map<string, number>();
  private readonly parked = new Map<string, JsonValue>();
  /** Running executions per node, each with the reason it was cancelled once its branch lost a join's race. */
  private readonly executions = new Map<string, Set<{ cancelled?: string }>>();
  /** The nodes from which a join that cancels slower branches can be reached; worked out on first use. */
  private feedsCancellingJoin?: Set<string>;
  /** The first thing that ended the run early: a RunStop, or an error the shell must see (cancellation). */
  private failure: unknown;

  constructor(
    private readonly flow: FlowDocument,
    private readonly ctx: RunContext,
    private readonly ports: RuntimePorts,
    /** The node types' semantics: the whole catalogue, or (in a workflow) only the types this flow uses, loaded for it. */
    private readonly nodeTypes: NodeTypeLookup,
    private readonly resumeFrom?: InterpreterSnapshot,
  ) {
    this.state = resumeFrom ? resumeFrom.state : { status: 'running', startedAt: ports.now(), nodes: {} };
    for (const node of flow.nodes) {
      this.nodes.set(node.id, node);
      if (!resumeFrom) this.state.nodes[node.id] = { status: 'pending', executions: 0 };
      this.outgoing.set(node.id, []);
      this.incoming.set(node.id, []);
    }
    for (const edge of flow.edges) {
      this.outgoing.get(edge.source)?.push(edge);
      this.incoming.get(edge.target)?.push(edge);
    }
  }

  async run(): Promise<RunState> {
    if (this.resumeFrom) {
      for (const id of this.resumeFrom.deadEdges) this.deadEdges.add(id);
      for (const g of this.resumeFrom.gates) this.gates.set(g.nodeId, { arrived: new Set(g.arrived), fired: g.fired });
      for (const p of this.resumeFrom.parked) this.launch(p.nodeId, p.position);
    } else {
      const trigger = this.flow.nodes.find((n) => this.nodeTypes(n.type)?.family === 'trigger');
      if (!trigger) throw new RunStop('failed', 'The flow has no trigger');
      this.launch(trigger.id);
    }
    while (this.inflight.size && this.failure === undefined) await Promise.race(this.inflight);
    this.tasks.clear();
    // Mirrors and notices started along the way finish before the run reports its end.
    await Promise.allSettled([...this.backgroundWork]);
    if (this.failure instanceof RunStop) this.finish(this.failure.status, this.failure.message);
    else if (this.failure !== undefined) throw this.failure;
    else this.finish('completed');
    return this.state;
  }

  /** Marks nodes still running as cancelled; used by the shell when the run is cancelled from outside. */
  markCancelled(reason: string): void {
    for (const s of Object.values(this.state.nodes)) {
      if (s.status === 'running') Object.assign(s, { status: 'cancelled', endedAt: this.ports.now() });
    }
    this.finish('cancelled', reason);
  }

  /**
   * True when the run can be handed to a new one now: every running node is parked (one execution each),
   * no person's task is open and no side work is pending. Approvals do not park, so they defer it.
   */
  canHandOver(): boolean {
    if (this.stopped || this.tasks.size || this.backgroundWork.size || !this.active.size) return false;
    for (const [nodeId, count] of this.active) if (count !== 1 || !this.parked.has(nodeId)) return false;
    return true;
  }

  snapshot(): InterpreterSnapshot {
    return {
      state: this.state,
      deadEdges: [...this.deadEdges],
      gates: [...this.gates].map(([nodeId, g]) => ({ nodeId, arrived: [...g.arrived], fired: g.fired })),
      parked: [...this.parked].map(([nodeId, position]) => ({ nodeId, position })),
    };
  }

  /** Open human tasks, for the shell's Update handler and the simulator. */
  openTasks(): { id: string; nodeId: string }[] {
    return [...this.tasks.values()].map((t) => ({ id: t.id, nodeId: t.nodeId }));
  }

  /** The Update validator: refuses input without changing anything. */
  validateTaskInput(taskId: string, input: unknown): void {
    const task = this.tasks.get(taskId);
    if (!task) throw new TaskRejection('closed', 'This task is closed or does not exist');
    task.validate(input);
  }

  /** The Update handler: applies input that passed validation and returns the task's view. */
  submitTask(taskId: string, input: unknown): unknown {
    this.validateTaskInput(taskId, input);
    return this.tasks.get(taskId)!.apply(input);
  }

  /** True once an end node, a failure or a cancellation has decided the run: no token may move on. */
  private get stopped(): boolean {
    return this.failure !== undefined || this.state.status !== 'running';
  }

  private finish(status: RunState['status'], reason?: string): void {
    const now = this.ports.now();
    for (const s of Object.values(this.state.nodes)) {
      if (s.status === 'pending') s.status = 'skipped';
      else if (s.status === 'running') Object.assign(s, { status: 'cancelled', endedAt: now, durationMs: now - (s.startedAt ?? now) });
    }
    this.state.status = status;
    this.state.endedAt = now;
    if (reason) this.state.reason = reason;
  }

  private launch(nodeId: string, resume?: JsonValue): void {
    this.active.set(nodeId, (this.active.get(nodeId) ?? 0) + 1);
    // Errors are recorded, never left in a detached promise; the first one wins.
    const task: Promise<void> = this.execute(nodeId, resume)
      .catch((err: unknown) => {
        if (this.failure === undefined) this.failure = err;
      })
      .finally(() => {
        this.inflight.delete(task);
        const left = (this.active.get(nodeId) ?? 1) - 1;
        if (left > 0) this.active.set(nodeId, left);
        else this.active.delete(nodeId);
        this.parked.delete(nodeId);
      });
    this.inflight.add(task);
  }

  private scope(): Record<string, unknown> {
    const nodes: Record<string, unknown> = {};
    for (const [id, s] of Object.entries(this.state.nodes)) {
      if (s.executions > 0) nodes[id] = { status: s.status, handle: s.handle ?? null, output: s.output ?? null };
    }
    const { runId, flowId, versionId, version, input, campaign, requester } = this.ctx;
    // Metrics arrive with the event that started the run (a metric webhook) until the monitor nodes bring their own.
    const metrics =
      input !== null && typeof input === 'object' && !Array.isArray(input) && typeof input.metrics === 'object' && input.metrics !== null
        ? input.metrics
        : {};
    return {
      input,
      nodes,
      metrics,
      campaign: campaign ?? null,
      requester: requester ?? null,
      run: { id: runId, flowId, versionId, version, startedAt: new Date(this.state.startedAt).toISOString() },
      ...((this.ports.patched?.(CONVERT_NAMED_VARIABLES) ?? true) ? {} : { [CONVERT_WHOLE_SCOPE]: true }),
    };
  }

  private async execute(nodeId: string, resume?: JsonValue): Promise<void> {
    if (this.stopped) return;
    const node = this.nodes.get(nodeId)!;
    const def = this.nodeTypes(node.type);
    const state = this.state.nodes[nodeId]!;
    if (++this.totalExecutions > MAX_NODE_EXECUTIONS) {
      this.halt(new RunStop('failed', `The run executed more than ${MAX_NODE_EXECUTIONS} nodes; is a loop missing its exit?`));
    }
    // A resumed execution is the same execution (same key, same start), carried on in a new run.
    if (resume === undefined) {
      state.executions += 1;
      Object.assign(state, {
        status: 'running',
        startedAt: this.ports.now(),
        endedAt: undefined,
        durationMs: undefined,
        error: undefined,
        handle: undefined,
      });
    }
    if (!def) return this.fail(node, state, `Unknown node type "${node.type}"`);
    if (this.ports.observe && resume === undefined) this.observeStart(nodeId, state);

    const execution: { cancelled?: string } = {};
    const running = this.executions.get(nodeId) ?? new Set();
    this.executions.set(nodeId, running.add(execution));
    let result: NodeResult;
    try {
      result = await def.execute({
        node,
        // The validator already parsed every config (defaults applied); parsing again per node would cost every run.
        config: node.config,
        ports: this.mayBeCancelled(nodeId) ? this.cancellablePorts(execution) : this.ports,
        scope: this.scope(),
        hasEdge: (handle) => (this.outgoing.get(nodeId) ?? []).some((e) => e.sourceHandle === handle),
        executionKey: `${this.ctx.runId}/${nodeId}/${state.executions}`,
        setDetail: (detail) => {
          state.detail = detail;
        },
        openTask: (task) => {
          this.tasks.set(task.id, task);
          return () => this.tasks.delete(task.id);
        },
        background: (work) => {
          const tracked = work.catch(() => undefined).finally(() => this.backgroundWork.delete(tracked));
          this.backgroundWork.add(tracked);
        },
        peers: () => this.state.nodes,
        park: (position) => void this.parked.set(nodeId, position),
        unpark: () => void this.parked.delete(nodeId),
        ...(resume === undefined ? {} : { resume }),
      });
    } catch (err) {
      if (err instanceof RunStop) throw err;
      if (this.stopped) return this.abandon(state);
      if (execution.cancelled !== undefined) return this.cancelled(nodeId, state, execution.cancelled);
      if (err instanceof ActivityCallError || err instanceof Error) {
        if (isCancellation(err)) throw err;
        return this.fail(node, state, err.message);
      }
      throw err;
    } finally {
      running.delete(execution);
    }

    if (this.stopped) return this.abandon(state);
    if (execution.cancelled !== undefined) return this.cancelled(nodeId, state, execution.cancelled);
    const endedAt = this.ports.now();
    Object.assign(state, {
      status: 'completed',
      endedAt,
      durationMs: endedAt - state.startedAt!,
      handle: result.handle ?? result.handles?.join(','),
    });
    if (result.output !== undefined) state.output = result.output;
    this.ports.observe?.({
      kind: 'end',
      nodeId,
      execution: state.executions,
      at: endedAt,
      status: 'completed',
      handle: state.handle,
      output: result.output,
    });
    if (result.endRun) {
      const { status, reason } = result.endRun;
      this.halt(new RunStop(status, reason ?? (status === 'completed' ? '' : `Ended at "${node.label ?? node.id}"`)));
    }
    this.follow(nodeId, result.handles ?? (result.handle === undefined ? [] : [result.handle]));
  }

  /** What a starting node can read: the outputs of the nodes with an edge into it. */
  private observeStart(nodeId: string, state: NodeState): void {
    const input = nodeInput(this.flow.edges, this.state.nodes, nodeId);
    this.ports.observe!({ kind: 'start', nodeId, execution: state.executions, at: this.ports.now(), input: structuredClone(input) });
  }

  /**
   * The ports a node execution runs on: its waits end with BranchCancelled once its branch is cancelled, so a node
   * waiting for people (days, maybe) stops at once. Activities are not cut short: a node closes what it opened with them.
   */
  private cancellablePorts(execution: { cancelled?: string }): RuntimePorts {
    const base = this.ports;
    const go = () => {
      if (execution.cancelled !== undefined) throw new BranchCancelled(execution.cancelled);
    };
    const until = async (predicate: () => boolean, timeoutMs?: number) => {
      go();
      const met = await base.waitUntil(() => execution.cancelled !== undefined || predicate(), timeoutMs);
      go();
      return met;
    };
    return {
      ...base,
      // The node's own timer stays as it was (a replayed history finds the same one); the wait ends with it or the cancel.
      async sleep(ms) {
        go();
        let slept = false;
        void base.sleep(ms).then(() => void (slept = true));
        await base.waitUntil(() => slept || execution.cancelled !== undefined);
        go();
      },
      waitUntil: until,
      waitForNotice(key, timeoutMs, since) {
        const seen = since ?? base.noticeCount(key);
        return until(() => base.noticeCount(key) > seen, timeoutMs);
      },
    };
  }

  /** Whether a join that cancels slower branches lies ahead of the node: only then do its waits listen for a cancel. */
  private mayBeCancelled(nodeId: string): boolean {
    if (!this.feedsCancellingJoin) {
      this.feedsCancellingJoin = new Set();
      for (const node of this.flow.nodes) {
        if (this.nodeTypes(node.type)?.cancelsSlowerBranches?.(node.config) === undefined) continue;
        const todo = [node.id];
        while (todo.length) {
          for (const edge of this.incoming.get(todo.pop()!) ?? []) {
            if (this.feedsCancellingJoin.has(edge.source)) continue;
            this.feedsCancellingJoin.add(edge.source);
            todo.push(edge.source);
          }
        }
      }
    }
    return this.feedsCancellingJoin.has(nodeId);
  }

  /** Cancels the running executions of the nodes whose tokens could only reach `joinId`: the branches that lost its race. */
  private cancelSlowerBranches(joinId: string, reason: string): void {
    const downstream = this.reachableFrom(joinId);
    for (const [nodeId, running] of this.executions) {
      if (!running.size || downstream.has(nodeId) || !this.reachableFrom(nodeId).has(joinId)) continue;
      for (const execution of running) execution.cancelled ??= reason;
    }
  }

  /** Every node a token from `nodeId` can reach (not itself, unless a loop leads back). */
  private reachableFrom(nodeId: string): Set<string> {
    const seen = new Set<string>();
    const todo = [nodeId];
    while (todo.length) {
      for (const edge of this.outgoing.get(todo.pop()!) ?? []) {
        if (seen.has(edge.target)) continue;
        seen.add(edge.target);
        todo.push(edge.target);
      }
    }
    return seen;
  }

  /** A node whose branch was cancelled: it ends cancelled, and the paths after it die (the join they led to has gone on). */
  private cancelled(nodeId: string, state: NodeState, reason: string): void {
    const endedAt = this.ports.now();
    Object.assign(state, { status: 'cancelled', endedAt, durationMs: endedAt - (state.startedAt ?? endedAt), error: reason });
    for (const edge of this.outgoing.get(nodeId) ?? []) this.killEdge(edge);
  }

  /** A node that was still working when the run was decided: its outcome no longer counts. */
  private abandon(state: NodeState): void {
    if (state.status !== 'running') return;
    const endedAt = this.ports.now();
    Object.assign(state, { status: 'cancelled', endedAt, durationMs: endedAt - (state.startedAt ?? endedAt) });
  }

  private fail(node: FlowNode, state: NodeState, message: string): never {
    const endedAt = this.ports.now();
    Object.assign(state, { status: 'failed', endedAt, durationMs: endedAt - (state.startedAt ?? endedAt), error: message });
    this.ports.observe?.({ kind: 'end', nodeId: node.id, execution: state.executions, at: endedAt, status: 'failed', error: message });
    this.halt(new RunStop('failed', `"${node.label ?? node.id}" failed: ${message}`));
  }

  /** Decides the run at once, not a microtask later, so that no other token slips past the decision. */
  private halt(stop: RunStop): never {
    if (this.failure === undefined) this.failure = stop;
    throw stop;
  }

  /** Sends tokens along the chosen handles and marks the paths not taken, so the live view shows them skipped. */
  private follow(nodeId: string, handles: string[]): void {
    const edges = this.outgoing.get(nodeId) ?? [];
    const taken = edges.filter((e) => handles.includes(e.sourceHandle));
    for (const edge of taken) this.deadEdges.delete(edge.id);
    for (const edge of edges) if (!handles.includes(edge.sourceHandle)) this.killEdge(edge);
    for (const edge of taken) this.arrive(edge);
  }

  /** A token reaches a node. Ungated nodes run on every arrival; a join asks its gate, and runs at most once per wave. */
  private arrive(edge: FlowEdge): void {
    const node = this.nodes.get(edge.target)!;
    const def = this.nodeTypes(node.type);
    if (!def?.gate) return this.launch(edge.target);
    const gate = this.gateFor(edge.target);
    gate.arrived.add(edge.id);
    this.consultGate(edge.target);
  }

  private gateFor(nodeId: string) {
    let gate = this.gates.get(nodeId);
    if (!gate) this.gates.set(nodeId, (gate = { arrived: new Set(), fired: false }));
    return gate;
  }

  private consultGate(nodeId: string): void {
    const node = this.nodes.get(nodeId)!;
    const def = this.nodeTypes(node.type)!;
    const gate = this.gateFor(nodeId);
    const incoming = this.incoming.get(nodeId) ?? [];
    const dead = incoming.filter((e) => this.deadEdges.has(e.id) && !gate.arrived.has(e.id)).length;
    const arrivals = { arrived: gate.arrived.size, dead, total: incoming.length };
    const verdict = def.gate!(node.config, arrivals);
    if (!gate.fired && verdict === 'fire') {
      gate.fired = true;
      const reason = def.cancelsSlowerBranches?.(node.config);
      // Histories recorded before joins cancelled anything replay with the slower branches running on.
      if (reason !== undefined && (this.ports.patched?.(JOIN_CANCELS_SLOWER_BRANCHES) ?? true)) this.cancelSlowerBranches(nodeId, reason);
      this.launch(nodeId);
    } else if (!gate.fired && verdict === 'skip' && this.state.nodes[nodeId]!.status === 'pending') {
      this.state.nodes[nodeId]!.status = 'skipped';
      for (const out of this.outgoing.get(nodeId) ?? []) this.killEdge(out);
    }
    // Every incoming edge is settled: the next wave (a loop through a delay) starts afresh.
    if (arrivals.arrived + arrivals.dead >= arrivals.total) this.gates.delete(nodeId);
  }

  private killEdge(edge: FlowEdge): void {
    this.deadEdges.add(edge.id);
    const target = this.state.nodes[edge.target];
    if (!target) return;
    if (this.nodeTypes(this.nodes.get(edge.target)!.type)?.gate) {
      if (target.status === 'pending' || this.gates.has(edge.target)) this.consultGate(edge.target);
      return;
    }
    if (target.status !== 'pending') return;
    if ((this.incoming.get(edge.target) ?? []).every((e) => this.deadEdges.has(e.id))) {
      target.status = 'skipped';
      for (const out of this.outgoing.get(edge.target) ?? []) this.killEdge(out);
    }
  }
}

/** Cancellation must pass through untouched: the shell turns it into a cancelled run. */
export function isCancellation(err: unknown): boolean {
  return err instanceof Error && (err.name === 'CancelledFailure' || (err as { cause?: Error }).cause?.name === 'CancelledFailure');
}
