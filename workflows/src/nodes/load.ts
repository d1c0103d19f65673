import type { NodeDefinition } from './define.ts';

/**
 * The node types a workflow run loads, each only when its flow uses it. The Temporal worker evaluates a run's modules
 * afresh for every run, and evaluating every node type's module (its zod schemas, its texts) was most of what
 * starting a run cost; a three-node webhook flow needs three of them. webpack's eager mode keeps every module in the
 * one workflow bundle (no chunk to fetch) and evaluates it when its loader is first called. The keys must match the
 * types in nodes/index.ts, the catalogue the API, the editor and the simulator read; a test holds the two together.
 */
type Loader = () => Promise<NodeDefinition>;

const LOADERS: Readonly<Record<string, Loader>> = {
  'trigger.manual': async () => (await import(/* webpackMode: "eager" */ './manual-trigger.ts')).manualTrigger,
  'trigger.webhook': async () => (await import(/* webpackMode: "eager" */ './webhook-trigger.ts')).webhookTrigger,
  'trigger.schedule': async () => (await import(/* webpackMode: "eager" */ './schedule-trigger.ts')).scheduleTrigger,
  'approval.request': async () => (await import(/* webpackMode: "eager" */ './approval.ts')).approval,
  'human.task': async () => (await import(/* webpackMode: "eager" */ './human-task.ts')).humanTask,
  'channel.send': async () => (await import(/* webpackMode: "eager" */ './send.ts')).send,
  'channel.email': async () => (await import(/* webpackMode: "eager" */ './email.ts')).email,
  'channel.in_app': async () => (await import(/* webpackMode: "eager" */ './notify.ts')).notify,
  'channel.broadcast': async () => (await import(/* webpackMode: "eager" */ './broadcast.ts')).broadcast,
  'channel.webhook': async () => (await import(/* webpackMode: "eager" */ './webhook.ts')).webhook,
  'campaign.launch': async () => (await import(/* webpackMode: "eager" */ './launch.ts')).launch,
  'campaign.channel_control': async () => (await import(/* webpackMode: "eager" */ './channel-control.ts')).channelControl,
  'campaign.kpis': async () => (await import(/* webpackMode: "eager" */ './campaign-kpis.ts')).campaignKpis,
  'campaign.status': async () => (await import(/* webpackMode: "eager" */ './campaign-status.ts')).campaignStatus,
  'monitoring.monitor': async () => (await import(/* webpackMode: "eager" */ './monitor.ts')).monitor,
  'monitoring.escalate': async () => (await import(/* webpackMode: "eager" */ './escalate.ts')).escalate,
  'flow.subflow': async () => (await import(/* webpackMode: "eager" */ './subflow.ts')).subflow,
  'campaign.review': async () => (await import(/* webpackMode: "eager" */ './review.ts')).review,
  'control.condition': async () => (await import(/* webpackMode: "eager" */ './condition.ts')).condition,
  'control.parallel': async () => (await import(/* webpackMode: "eager" */ './parallel.ts')).parallelSplit,
  'control.join': async () => (await import(/* webpackMode: "eager" */ './parallel.ts')).join,
  'control.delay': async () => (await import(/* webpackMode: "eager" */ './delay.ts')).delay,
  'control.wait_until': async () => (await import(/* webpackMode: "eager" */ './wait-until.ts')).waitUntil,
  'control.end': async () => (await import(/* webpackMode: "eager" */ './end.ts')).end,
};

export const LOADABLE_NODE_TYPES: readonly string[] = Object.keys(LOADERS);

/** The definitions of the given types (unknown ones are left out: the interpreter reports them as it always has). */
export async function loadNodeTypes(types: Iterable<string>): Promise<(type: string) => NodeDefinition | undefined> {
  const loaded = new Map<string, NodeDefinition>();
  for (const type of new Set(types)) {
    const load = Object.hasOwn(LOADERS, type) ? LOADERS[type] : undefined;
    if (load) loaded.set(type, await load());
  }
  return (type) => loaded.get(type);
}
