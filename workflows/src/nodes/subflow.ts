import { z } from 'zod';
import { defineNode, type NodeResult } from './define.ts';
import { evaluateExpression, MAX_EXPRESSION_LENGTH } from '../expressions.ts';
import { ActivityCallError } from '../interpreter/ports.ts';
import { findJsonProblems, type JsonValue } from '../json.ts';
import type { ActivityName } from '../activities.ts';
import { quickActivity } from './resolve-people.ts';
import { schemaMessage } from '../problem-text.ts';

export const SUBFLOW_TYPE = 'flow.subflow';
export const PREPARE_SUBFLOW_ACTIVITY = 'prepareSubflow' satisfies ActivityName;

/** The editor's placeholder until a flow is picked; publishing refuses it (no such flow). */
export const NO_FLOW_YET = '00000000-0000-0000-0000-000000000000';

/** A → B → C → D is as deep as sub-flows go: a loop (A starts B starts A) stops there instead of running forever. */
export const MAX_SUBFLOW_DEPTH = 3;
/** The child's input is stored with its run and carried in its workflow history. */
export const MAX_SUBFLOW_INPUT_BYTES = 64 * 1024;

export interface PrepareSubflowRequest {
  /** The parent's workflow id (`run.id` in expressions). */
  parentWorkflowId: string;
  parentNodeId: string;
  /** Deterministic per node execution, so a retried activity and a replayed workflow find the same child. */
  childWorkflowId: string;
  flowId: string;
  version: number;
  input: JsonValue;
  /** Who started the parent run; null for an event or a schedule. */
  requesterId: string | null;
}

/** The child's run as registered, and what its workflow starts with (the pinned version's frozen graph). */
export interface PreparedSubflow {
  childRunId: string;
  childWorkflowId: string;
  flowName: string;
  args: {
    flowId: string;
    versionId: string;
    version: number;
    graph: unknown;
    format?: number;
    contentHash?: string;
    input: JsonValue;
    requester: { id: string; name: string; email?: string } | null;
  };
}

/** How a child run ended for its parent: `started` when the parent did not wait. */
export interface ChildFlowOutcome {
  status: 'started' | 'completed' | 'failed';
  reason?: string;
}

/** The deterministic id of the child workflow of one node execution. */
export function childWorkflowId(executionKey: string): string {
  return `${executionKey}/subflow`;
}

/** Why a child's input cannot be sent, or undefined when it can. */
export function subflowInputProblem(value: unknown): string | undefined {
  if (value === undefined) return 'The input expression gave no value';
  const problem = findJsonProblems(value)[0];
  if (problem) return `${problem.path.join('.') || 'input'}: ${problem.message}`;
  const size = JSON.stringify(value).length;
  if (size > MAX_SUBFLOW_INPUT_BYTES) return `The input is ${size} bytes; at most ${MAX_SUBFLOW_INPUT_BYTES} are sent to a sub-flow`;
  return undefined;
}

export const subflow = defineNode({
  type: SUBFLOW_TYPE,
  family: 'control',
  configSchema: () =>
    z.strictObject({
      flowId: z.uuid({ message: schemaMessage('flow_id') }).meta({ widget: 'flow', description: 'The published flow to start' }),
      version: z
        .number()
        .int()
        .min(1)
        .max(2_147_483_647)
        .meta({ description: 'The published version to run, pinned: a later publish does not change what this node starts' }),
      input: z
        .string()
        .min(1)
        .max(MAX_EXPRESSION_LENGTH)
        .default('nodes.monitor.output.alert')
        .meta({ widget: 'cel', description: "The child's input (CEL); by default the alert the monitor raised" }),
      wait: z.boolean().default(true).meta({ description: 'Wait for the child run to end (completed / failed) or go on once it started' }),
    }),
  handles: (config) => (config.wait === false ? ['started'] : ['completed', 'failed']),
  hasInput: true,
  editor: {
    icon: '↳',
    color: '#0f766e',
    defaultConfig: { flowId: NO_FLOW_YET, version: 1, input: 'nodes.monitor.output.alert', wait: true },
  },
  text: {
    en: {
      title: 'Start sub-flow',
      description: "Runs a published flow's pinned version with the alert (or any value) as its input; both runs link to each other.",
      fields: {
        flowId: { label: 'Flow' },
        version: { label: 'Version' },
        input: { label: 'Input (CEL)', help: 'For example nodes.monitor.output.alert' },
        wait: { label: 'Wait for it to end' },
      },
      handles: { completed: 'completed', failed: 'failed', started: 'started' },
    },
    'zh-CN': {
      title: '启动子流程',
      description: '以告警（或任意值）为输入，运行已发布流程的固定版本；父子运行互相链接。',
      fields: {
        flowId: { label: '流程' },
        version: { label: '版本' },
        input: { label: '输入 (CEL)', help: '例如 nodes.monitor.output.alert' },
        wait: { label: '等待其结束' },
      },
      handles: { completed: '已完成', failed: '失败', started: '已启动' },
    },
  },
  docs:
    'Starts the named flow at the pinned version, published and visible to whoever publishes this flow (checked again at run ' +
    'time against whoever started this run). The input is a CEL expression; by default `nodes.monitor.output.alert`. ' +
    "The child is its own run, linked both ways (its `parent`, this run's `children`); exactly one child per execution. " +
    `With wait on, the node takes completed or failed as the child ends; with wait off, started. Sub-flows nest at most ` +
    `${MAX_SUBFLOW_DEPTH} deep. Output: \`childRunId\`, \`status\`.`,
  expressions: (config) => [{ path: ['input'], source: config.input, kind: 'cel' }],
  outcomesThatFailUndrawn: (config) => (config.wait ? ['failed'] : []),
  async execute({ config, ports, scope, node, executionKey, hasEdge, setDetail }): Promise<NodeResult> {
    const input = evaluateExpression(config.input, scope);
    const problem = subflowInputProblem(input);
    if (problem) throw new Error(problem);
    const run = scope.run as { id: string };
    const requester = scope.requester as { id: string } | null;
    let prepared: PreparedSubflow;
    try {
      prepared = await ports.callActivity(
        PREPARE_SUBFLOW_ACTIVITY,
        [
          {
            parentWorkflowId: run.id,
            parentNodeId: node.id,
            childWorkflowId: childWorkflowId(executionKey),
            flowId: config.flowId,
            version: config.version,
            input: input as JsonValue,
            requesterId: requester?.id ?? null,
          },
        ],
        quickActivity,
      );
    } catch (err) {
      if (err instanceof ActivityCallError && config.wait && hasEdge('failed')) return { handle: 'failed', output: { error: err.message } };
      throw err;
    }
    const linked = { childRunId: prepared.childRunId, childWorkflowId: prepared.childWorkflowId, flowName: prepared.flowName };
    setDetail({ ...linked, status: 'running' });
    const outcome = await ports.runChildFlow({ workflowId: prepared.childWorkflowId, args: prepared.args, wait: config.wait });
    const output = { ...linked, status: outcome.status, ...(outcome.reason ? { reason: outcome.reason } : {}) };
    if (outcome.status !== 'failed') return { handle: outcome.status, output };
    if (hasEdge('failed')) return { handle: 'failed', output };
    throw new Error(`The sub-flow "${prepared.flowName}" failed: ${outcome.reason ?? 'no reason given'}`);
  },
});
