import { z } from 'zod';
import { lazily } from '../lazy.ts';
import { ActivityCallError } from '../interpreter/ports.ts';
import { checkMessage, pickVariables } from '../messages.ts';
import { approverRefSchema, refsNeedCampaign, type Person } from '../people.ts';
import { renderText, templateExpressions } from '../templates.ts';
import type { JsonValue } from '../json.ts';
import { durationMs } from '../duration.ts';
import type { NodeContext, NodeExpression, NodeResult } from './define.ts';
import { expressionRefs, resolvePeople } from './resolve-people.ts';
import { toRetryPolicy, type RetryConfig } from './retry.ts';
import type { ActivityName } from '../activities.ts';

/**
 * Everything that sends a message (send, e-mail, in-app, broadcast, launch announcements) goes
 * through one activity and this one loop. The activity owns exactly-once (a ledger row per
 * recipient), quiet hours, rate limits and paused channels; when it cannot send yet it answers
 * "held until …" instead of failing, so waiting never spends a retry attempt, and the workflow
 * waits on a durable timer (or, for a paused channel, for the resume signal).
 */
export const DELIVER_ACTIVITY = 'deliverMessages' satisfies ActivityName;

export type ChannelTarget = { connectionId: string } | { builtin: 'email' | 'in-app' };

/** Someone to reach: a person from the directory, or an explicit address (e-mail, phone, chat id). */
export interface Recipient {
  userId?: string;
  name?: string;
  email?: string;
  phone?: string;
  address?: string;
}

/** Liquid sources, rendered by the activity per recipient (so `{{ recipient.name }}` works in a broadcast). */
export interface MessageTemplates {
  title?: string;
  text: string;
  markdown?: string;
  /** E-mail's HTML part; every output is HTML-escaped. Without it the text is sent as escaped HTML too. */
  html?: string;
  /** In-app: where the notification leads (an app path). */
  link?: string;
}

export interface DeliverRequest {
  target: ChannelTarget;
  /** The node execution's key; a delivery's idempotency key is this plus the recipient. */
  keyPrefix: string;
  runId: string;
  nodeId: string;
  templates: MessageTemplates;
  /** What templates see: campaign, run, metrics, input, nodes. */
  variables: Record<string, unknown>;
  /** Empty: one message to the channel itself (a group robot). */
  recipients: Recipient[];
  /** The campaign's time zone: quiet hours are read in it. */
  timezone: string | null;
  /** Return every outcome (small sends) or only counts and failures (broadcast batches, to keep history small). */
  detail: boolean;
  /** The channel kinds this node may send through (the e-mail node: e-mail only). */
  onlyKinds?: string[];
}

export type HoldReason = 'quiet_hours' | 'rate_limit' | 'paused';

export interface DeliveryOutcome {
  recipient: string;
  status: 'sent' | 'failed';
  /** True when an earlier attempt had already delivered it, so nothing went out again. */
  deduplicated: boolean;
  /**
   * An earlier attempt's worker died while sending, before the answer was recorded: it most
   * likely arrived, and was not sent again so that it cannot arrive twice. `error` says so.
   */
  unconfirmed?: boolean;
  providerMessageId?: string;
  error?: string;
}

export interface DeliverResult {
  kind: string;
  sent: number;
  failed: number;
  /** Every outcome when `detail` was asked for; otherwise only failures (at most 100). */
  outcomes: DeliveryOutcome[];
  /** Not everything could go out yet: wait until `until` (null: until the channel is resumed), then ask again. */
  held?: {
    reason: HoldReason;
    until: number | null;
    pending: number;
    /**
     * How far `until` was on the clock the activity decided on: the run waits this long, so a worker
     * clock that differs from Temporal's (or a test's controlled one) wakes it neither before the
     * window opens nor long after. Results recorded before it existed wait for `until` instead.
     */
    waitMs?: number;
  };
}

/** Fields every sending node shares: who receives it. */
export const recipientFields = lazily(() => ({
  to: z.string().max(200_000).optional().meta({
    widget: 'template',
    description: 'Explicit addresses (e-mail, phone, chat user id), comma- or line-separated; may hold {{ cel }} placeholders',
  }),
  people: z
    .array(approverRefSchema())
    .max(50)
    .default([])
    .meta({ description: 'Users, roles, department heads, or a CEL expression giving "user:…", "role:…", "head:…"' }),
  owner: z.boolean().default(false).meta({ description: "The campaign's owner" }),
}));

/** Why a node's recipients need the run's campaign (its owner, its department), or undefined. */
export function recipientsNeedCampaign(config: {
  owner: boolean;
  people: z.output<ReturnType<typeof recipientFields>['people']>;
}): string | undefined {
  return config.owner ? "it sends to the campaign's owner" : refsNeedCampaign(config.people);
}

export const message = (max: number, format?: 'html') =>
  z
    .string()
    .max(max)
    .meta({ widget: 'message', ...(format ? { format } : {}) });

export function recipientExpressions(config: {
  to?: string;
  people: z.output<ReturnType<typeof recipientFields>['people']>;
}): NodeExpression[] {
  return [
    ...(config.to ? templateExpressions(config.to, ['to']).map((t) => ({ ...t, kind: 'template' as const })) : []),
    ...expressionRefs(config.people, ['people']),
  ];
}

/** Liquid templates are parsed at publish time, so a typo or an unknown filter never reaches a run. */
export function messageExpressions<C extends Record<string, unknown>>(config: C, keys: readonly (keyof C & string)[]): NodeExpression[] {
  return keys.flatMap((k): NodeExpression[] => {
    const source = config[k];
    if (typeof source !== 'string') return [];
    const error = checkMessage(source);
    return error ? [{ path: [k], source: source.slice(0, 60), kind: 'template', error: `Message template: ${error}` }] : [];
  });
}

const ADDRESS_SPLIT = /[,;\n]/;

/** Everyone a node's recipient fields name, once each. */
export async function resolveRecipients(
  ctx: NodeContext<unknown>,
  config: { to?: string; people: z.output<ReturnType<typeof recipientFields>['people']>; owner: boolean },
): Promise<Recipient[]> {
  const { ports, scope } = ctx;
  const out: Recipient[] = [];
  const seen = new Set<string>();
  const add = (r: Recipient, key: string) => {
    if (!seen.has(key)) {
      seen.add(key);
      out.push(r);
    }
  };
  const person = (p: Person): Recipient => ({ userId: p.id, name: p.name, email: p.email, ...(p.phone ? { phone: p.phone } : {}) });
  if (config.owner) {
    const owner = (scope.campaign as { owner?: Person | null } | null)?.owner;
    if (!owner) throw new Error("The run's campaign has no owner to send to");
    add(person(owner), `user:${owner.id}`);
  }
  for (const p of await resolvePeople(ports, scope, config.people)) add(person(p), `user:${p.id}`);
  if (config.to) {
    for (const a of renderText(config.to, scope)
      .split(ADDRESS_SPLIT)
      .map((s) => s.trim())
      .filter(Boolean))
      add({ address: a }, `address:${a.toLowerCase()}`);
  }
  return out;
}

/** The address a delivery is recorded under, the same in the workflow and the activity. */
export function recipientLabel(r: Recipient): string {
  return r.address ?? r.email ?? r.phone ?? r.userId ?? 'unknown';
}

/** How long to wait for a resume signal before asking again anyway (a missed signal costs at most this). */
const PAUSED_RECHECK_MS = 60 * 60_000;

export interface DeliverOptions {
  target: ChannelTarget;
  templates: MessageTemplates;
  recipients: Recipient[];
  timeout: string;
  retry: RetryConfig;
  /** Recipients per activity call: a broadcast's batch. */
  batchSize?: number;
  /** Tells apart several sends of one node execution (a launch announcing on two channels). */
  keySuffix?: string;
  /** Template variables beyond the run's scope (the launch time). */
  variables?: Record<string, unknown>;
  onlyKinds?: string[];
}

export interface DeliverySummary {
  kind: string;
  sent: number;
  failed: number;
  outcomes: DeliveryOutcome[];
  batches: number;
  /** Each wait: why, from when (workflow time) and until when (null: until the channel resumed). */
  held: { reason: HoldReason; since: string; until: string | null }[];
}

/** Sends to every recipient in batches, waiting (durably) wherever the activity says "held". */
export async function deliverAll(ctx: NodeContext<unknown>, opts: DeliverOptions): Promise<DeliverySummary> {
  const { ports, scope, node, executionKey } = ctx;
  const batchSize = opts.batchSize ?? 100;
  const batches: Recipient[][] = [];
  for (let i = 0; i < opts.recipients.length; i += batchSize) batches.push(opts.recipients.slice(i, i + batchSize));
  if (!batches.length) batches.push([]);
  const detail = opts.recipients.length <= 50;
  const campaign = scope.campaign as { timezone?: string } | null;
  const all = {
    campaign: scope.campaign ?? null,
    run: scope.run,
    input: scope.input,
    nodes: scope.nodes,
    requester: scope.requester ?? null,
    metrics: scope.metrics ?? {},
    ...opts.variables,
  };
  const variables = pickVariables(
    Object.values(opts.templates).filter((t): t is string => typeof t === 'string'),
    all,
  );
  const keyPrefix = opts.keySuffix ? `${executionKey}/${opts.keySuffix}` : executionKey;
  const summary: DeliverySummary = { kind: '', sent: 0, failed: 0, outcomes: [], batches: batches.length, held: [] };
  const options = { startToCloseTimeoutMs: durationMs(opts.timeout), retry: toRetryPolicy(opts.retry) };
  const total = Math.max(1, opts.recipients.length);
  for (const batch of batches) {
    for (;;) {
      const request: DeliverRequest = {
        target: opts.target,
        keyPrefix,
        runId: (scope.run as { id: string }).id,
        nodeId: node.id,
        templates: opts.templates,
        variables,
        recipients: batch,
        timezone: campaign?.timezone ?? null,
        detail,
        ...(opts.onlyKinds ? { onlyKinds: opts.onlyKinds } : {}),
      };
      const result = await ports.callActivity(DELIVER_ACTIVITY, [request], options);
      summary.kind = result.kind;
      if (!result.held) {
        summary.sent += result.sent;
        summary.failed += result.failed;
        summary.outcomes.push(...result.outcomes);
        break;
      }
      const { reason, until } = result.held;
      summary.held.push({
        reason,
        since: new Date(ports.now()).toISOString(),
        until: until === null ? null : new Date(until).toISOString(),
      });
      ctx.setDetail({
        held: { reason, until: until === null ? null : new Date(until).toISOString(), pending: result.held.pending },
        sent: summary.sent + result.sent,
        total,
      } as JsonValue);
      if (until === null) {
        const connectionId = 'connectionId' in opts.target ? opts.target.connectionId : '';
        await ports.waitForNotice(`connection:${connectionId}`, PAUSED_RECHECK_MS);
      } else {
        await ports.sleep(Math.max(0, result.held.waitMs ?? until - ports.now()));
      }
    }
  }
  ctx.setDetail({ sent: summary.sent, failed: summary.failed, total } as JsonValue);
  return summary;
}

/** The node outcome every sending node shares: `sent`, or `failed` with the provider's message. */
export async function sendAndRoute(ctx: NodeContext<unknown>, opts: DeliverOptions): Promise<NodeResult> {
  let summary: DeliverySummary;
  try {
    summary = await deliverAll(ctx, opts);
  } catch (err) {
    if (err instanceof ActivityCallError && ctx.hasEdge('failed')) return { handle: 'failed', output: { error: err.message } };
    throw err;
  }
  const output = {
    channel: summary.kind,
    sent: summary.sent,
    failed: summary.failed,
    batches: summary.batches,
    deliveries: summary.outcomes,
    ...(summary.held.length ? { held: summary.held } : {}),
  } as unknown as JsonValue;
  if (summary.failed === 0) return { handle: 'sent', output };
  const first = summary.outcomes.find((o) => o.status === 'failed');
  if (ctx.hasEdge('failed'))
    return { handle: 'failed', output: { ...(output as object), error: first?.error ?? 'A delivery failed' } as JsonValue };
  throw new Error(`${summary.failed} deliver${summary.failed === 1 ? 'y' : 'ies'} failed: ${first?.error ?? 'rejected'}`);
}
