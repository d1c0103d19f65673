import { z } from 'zod';
import { handlesReadConfig, type NodeDefinition, type NodeFamily } from './define.ts';
import { manualTrigger } from './manual-trigger.ts';
import { webhook } from './webhook.ts';
import { delay } from './delay.ts';
import { condition } from './condition.ts';
import { end } from './end.ts';
import { parallelSplit, join } from './parallel.ts';
import { approval } from './approval.ts';
import { email } from './email.ts';
import { webhookTrigger } from './webhook-trigger.ts';
import { waitUntil } from './wait-until.ts';
import { send } from './send.ts';
import { scheduleTrigger } from './schedule-trigger.ts';
import { campaignStatus } from './campaign-status.ts';
import { notify } from './notify.ts';
import { broadcast } from './broadcast.ts';
import { launch } from './launch.ts';
import { channelControl } from './channel-control.ts';
import { monitor } from './monitor.ts';
import { escalate } from './escalate.ts';
import { subflow } from './subflow.ts';
import { humanTask } from './human-task.ts';
import { review } from './review.ts';
import { campaignKpis } from './campaign-kpis.ts';

/** The catalogue: every node type, each defined once in its own file. */
export const NODE_TYPES: readonly NodeDefinition[] = [
  manualTrigger,
  webhookTrigger,
  scheduleTrigger,
  approval,
  humanTask,
  send,
  email,
  notify,
  broadcast,
  webhook,
  launch,
  channelControl,
  campaignStatus,
  campaignKpis,
  monitor,
  escalate,
  subflow,
  review,
  condition,
  parallelSplit,
  join,
  delay,
  waitUntil,
  end,
] as unknown as NodeDefinition[];

const byType = new Map(NODE_TYPES.map((d) => [d.type, d]));

export function getNodeType(type: string): NodeDefinition | undefined {
  return byType.get(type);
}

export function isTrigger(type: string): boolean {
  return byType.get(type)?.family === 'trigger';
}

export interface NodeTypeDescription {
  type: string;
  family: NodeFamily;
  hasInput: boolean;
  handles: string[];
  editor: NodeDefinition['editor'];
  text: NodeDefinition['text'];
  docs: string;
  configSchema: Record<string, unknown>;
}

function defaultsOf(d: NodeDefinition): never {
  const parsed = d.configSchema.safeParse(d.editor.defaultConfig);
  return (parsed.success ? parsed.data : {}) as never;
}

/** The catalogue as data: what GET /api/node-types serves and what the editor's palette and forms read. */
export function describeNodeTypes(): NodeTypeDescription[] {
  return NODE_TYPES.map((d) => {
    let jsonSchema: Record<string, unknown> | undefined;
    let handles: string[] | undefined;
    return {
      type: d.type,
      family: d.family,
      hasInput: d.hasInput,
      // Also built when first read: a type whose handles come from its config parses its defaults, which builds its
      // zod schema (51 ms of an editor load for all of them, before any node is drawn).
      get handles() {
        return (handles ??= handlesReadConfig(d) ? d.handles(defaultsOf(d)) : d.handles({} as never));
      },
      editor: d.editor,
      text: d.text,
      docs: d.docs,
      // Built when first read (an editor form, the API's JSON): building all of them was 27 ms of every editor load.
      get configSchema() {
        return (jsonSchema ??= z.toJSONSchema(d.configSchema, { io: 'input', unrepresentable: 'any' }));
      },
    };
  });
}

export { handlesReadConfig };
export {
  manualTrigger,
  webhookTrigger,
  scheduleTrigger,
  waitUntil,
  send,
  webhook,
  delay,
  condition,
  end,
  parallelSplit,
  join,
  approval,
  humanTask,
  email,
  campaignStatus,
  notify,
  broadcast,
  launch,
  channelControl,
  subflow,
  review,
};
export type { NodeDefinition, NodeFamily, NodeText, NodeContext, NodeResult, Locale, Arrivals } from './define.ts';
export { LOCALES } from './define.ts';
