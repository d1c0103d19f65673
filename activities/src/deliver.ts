import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  isTemplateLimitError,
  recipientLabel,
  type ChannelTarget,
  type DeliverRequest,
  type DeliverResult,
  type DeliveryOutcome,
  type HoldReason,
  type Recipient,
} from '@flightdeck/workflows';
import { isOutboundRefused, type OutboundGuard } from './outbound/index.ts';
import {
  ChannelError,
  CHANNELS,
  DEFAULT_TIMEOUT_MS,
  sendToChannel,
  type ChannelConnection,
  type ChannelMessage,
  type DeliveryResult,
} from './channels/index.ts';
import type { Mailer, OutgoingMail } from './email.ts';
import { sharedRenderPool, type RenderPool } from './render-pool.ts';
import { escapeHtml } from './html.ts';
import { admitWait, assignSlots, effectiveRateLimit, parseQuietHours, quietUntil, type RateLimit } from './send-window.ts';

export type DeliveryChannel = ChannelConnection['kind'] | 'email' | 'in-app';

/** A send target as the store knows it: its kind and sending rules, and how to reach it. */
export interface ResolvedTarget {
  kind: DeliveryChannel;
  connectionId: string | null;
  name: string | null;
  settings: Record<string, unknown>;
  /** Chat, SMS and webhook connections; absent for e-mail and in-app. */
  channel?: ChannelConnection;
  /** An e-mail connection's own SMTP; absent: the server's mailer. */
  mailer?: Mailer;
}

export interface LedgerRow {
  idempotencyKey: string;
  connectionId: string | null;
  channel: DeliveryChannel;
  runId: string;
  nodeId: string;
  recipient: string;
}

export interface InAppNotice {
  idempotencyKey: string;
  /** A user id or e-mail; the store finds the user. */
  user: string;
  title: string;
  body: string;
  link: string | null;
  runId: string;
}

/**
 * A delivery's rendered message, as the recipient gets it: recorded with the claim, so a delivery
 * left unconfirmed can be sent again as it was. Text and addresses only; never a secret.
 */
export type StoredMessage = { kind: 'channel'; message: ChannelMessage } | { kind: 'email'; mail: OutgoingMail };

export type LedgerStatus = 'held' | 'sending' | 'sent' | 'unconfirmed' | 'failed';

/**
 * What a claim found. `interrupted`: an earlier attempt claimed it and vanished (its worker died)
 * without recording an answer, so the message may or may not have reached the provider.
 */
export type Claim = 'claimed' | 'busy' | 'interrupted';

/** The server side of exactly-once: a ledger keyed by the idempotency key (unique in PostgreSQL), plus the shared send rules. */
export interface DeliveryLedger {
  target(target: ChannelTarget): Promise<ResolvedTarget>;
  /**
   * Creates the rows that do not exist yet and returns every row's status. Rows an earlier
   * attempt left interrupted (a lapsed lease) are settled first: released to be sent again, or
   * closed as unconfirmed with `note`, before any hold can hide what happened to them.
   */
  open(
    rows: LedgerRow[],
    interrupted: { resend: true } | { note: string },
  ): Promise<Map<string, { status: LedgerStatus; providerMessageId: string | null; error: string | null; leased: boolean }>>;
  /**
   * Atomically: if the connection is paused, marks the rows held and returns true. Resuming waits
   * for this to finish. Holds never touch a row some attempt has leased.
   */
  holdIfPaused(connectionId: string, keys: string[]): Promise<boolean>;
  hold(keys: string[], reason: HoldReason, notBefore: Date | null): Promise<void>;
  /** Send times for these keys within the connection's limit; keys reserved before keep their time. */
  reserve(connectionId: string, keys: string[], assign: (taken: number[], count: number) => number[]): Promise<Map<string, number>>;
  /**
   * Just before a rate-limited send, one at a time per connection: `wait` is given the send
   * times of the connection's other messages; when it answers 0, this key's time becomes now
   * (it is going out), and admit returns 0. Otherwise it returns how long to wait.
   */
  admit(connectionId: string, key: string, wait: (sentAt: number[], now: number) => number): Promise<number>;
  /**
   * Claims a delivery for this attempt until `leaseUntil`: status sending, attempts + 1. `busy`
   * when it is already sent or another live attempt holds it, so two attempts never both send;
   * `interrupted` (claimed as well) when the previous claim lapsed with no answer recorded.
   * `message` is what this attempt is about to send (absent for in-app notices, never resent).
   */
  attempt(key: string, leaseUntil: Date, message?: StoredMessage): Promise<Claim>;
  sent(key: string, result: DeliveryResult): Promise<void>;
  /** Closes an interrupted delivery without sending it again; `note` says why. */
  unconfirmed(key: string, note: string): Promise<void>;
  /** This attempt did not deliver it (5xx, timeout, 429): the claim lapses so the next attempt may send. */
  release(key: string, error: string): Promise<void>;
  failed(key: string, error: string, response: unknown): Promise<void>;
  /** Puts a notification under a user's bell, once per key. Throws `unknown user` if nobody matches. */
  notify(notice: InAppNotice): Promise<{ id: string }>;
  /** Server mailer for e-mail without a connection. */
  mailer: Mailer;
}

const CHAT_KINDS = new Set<DeliveryChannel>(['wecom', 'feishu', 'dingtalk', 'slack']);
/**
 * Channels whose receiver drops a repeat by itself: Standard Webhooks receivers de-duplicate by
 * webhook-id, and in-app notices are unique by key in our own table. Chat robots, SMS and SMTP
 * have no such key, so an interrupted send to them is never repeated.
 */
const REPEAT_SAFE = new Set<DeliveryChannel>(['webhook', 'in-app']);
/** Sends due within this are waited for in the activity; later ones hand back to a durable timer. */
const WAIT_IN_ACTIVITY_MS = 2_000;
const CONCURRENCY = 8;

/** A rendered message: the one call that delivers it, and what it says (for the ledger). */
interface Prepared {
  send: () => Promise<DeliveryResult>;
  message?: StoredMessage;
}

interface Item {
  key: string;
  recipient: string;
  person?: Recipient;
  /** Chat mentions. */
  mentions?: string[];
  /** Set when the recipient has no address this channel can use. */
  problem?: string;
}

/** One delivery per recipient, or for chat one message that mentions everyone. */
function planItems(kind: DeliveryChannel, req: DeliverRequest): Item[] {
  const key = (recipient: string) => `${req.keyPrefix}/${recipient}`;
  if (CHAT_KINDS.has(kind) || (kind === 'webhook' && req.recipients.length === 0)) {
    // Chat platforms mention by their own user id or by mobile number; a Flightdeck user id means nothing there.
    const mentions = req.recipients.map((r) => r.address ?? r.phone ?? '').filter(Boolean);
    const recipient = mentions.length ? mentions.join(',') : 'channel';
    return [{ key: key(recipient), recipient, mentions }];
  }
  return req.recipients.map((r) => {
    const address =
      kind === 'sms'
        ? (r.phone ?? r.address)
        : kind === 'email'
          ? (r.email ?? r.address)
          : kind === 'in-app'
            ? (r.userId ?? r.address ?? r.email)
            : recipientLabel(r);
    const recipient = address ?? recipientLabel(r);
    const problem = address
      ? undefined
      : `${r.name ?? recipient} has no ${kind === 'sms' ? 'phone number' : kind === 'email' ? 'e-mail address' : 'address'}`;
    return { key: key(recipient), recipient, person: r, ...(problem ? { problem } : {}) };
  });
}

/**
 * Sends a node's messages once each. What cannot go out yet (a paused channel, quiet hours,
 * the rate limit, a 429) is recorded as held and handed back as "held until …": the workflow
 * waits on a durable timer and calls again, and the ledger makes the second call skip whatever
 * already went out. A retry attempt is only spent on a real failure (5xx, timeout).
 */
export interface DeliveryOptions {
  /** Where channel requests may go (default: public addresses only). */
  outbound?: OutboundGuard;
  renderer?: RenderPool;
  /**
   * The clock quiet hours are read on (default: the worker's). Leases, attempt deadlines and rate
   * slots stay on the real clock, where Temporal's timeouts and the ledger's times are.
   */
  quietHoursClock?: () => number;
}

export function deliveryActivities(ledger: DeliveryLedger, opts: DeliveryOptions = {}) {
  const { outbound, renderer = sharedRenderPool(), quietHoursClock = Date.now } = opts;
  renderer.warm();
  async function deliverMessages(req: DeliverRequest): Promise<DeliverResult> {
    // When this attempt's start-to-close timeout ends, on this worker's clock (the server's
    // timestamps may be skewed against it): leases and request timeouts are measured from here.
    const { startToCloseTimeoutMs } = Context.current().info;
    const attemptEnds = Date.now() + startToCloseTimeoutMs;
    // No new message is started this close to the end (a second, less for very short attempts).
    const stopClaimingAt = attemptEnds - Math.min(1_000, startToCloseTimeoutMs / 4);
    // A connection that does not exist is the engine's refusal, made final by its activity interceptor
    // (engine/src/worker/domain-failures.ts); a database that is restarting stays retryable.
    const target = await ledger.target(req.target);
    const kind = target.kind;
    if (req.onlyKinds && !req.onlyKinds.includes(kind))
      throw ApplicationFailure.nonRetryable(
        `The connection "${target.name ?? kind}" is a ${kind} connection; this node sends ${req.onlyKinds.join(' or ')}`,
        'WrongChannel',
      );
    if (!CHAT_KINDS.has(kind) && kind !== 'webhook' && req.recipients.length === 0)
      throw ApplicationFailure.nonRetryable(`A ${kind} message needs recipients; none were given or found`, 'NoRecipients');
    const items = planItems(kind, req);
    const rows = await ledger.open(
      items.map((i) => ({
        idempotencyKey: i.key,
        connectionId: target.connectionId,
        channel: kind,
        runId: req.runId,
        nodeId: req.nodeId,
        recipient: i.recipient,
      })),
      REPEAT_SAFE.has(kind) ? { resend: true } : { note: unconfirmedNote(target) },
    );
    const outcomes = new Map<string, DeliveryOutcome>();
    const pending: Item[] = [];
    for (const item of items) {
      const row = rows.get(item.key)!;
      if (row.status === 'sent')
        outcomes.set(item.key, {
          recipient: item.recipient,
          status: 'sent',
          deduplicated: true,
          ...(row.providerMessageId ? { providerMessageId: row.providerMessageId } : {}),
        });
      else if (row.status === 'unconfirmed')
        outcomes.set(item.key, {
          recipient: item.recipient,
          status: 'sent',
          deduplicated: true,
          unconfirmed: true,
          error: row.error ?? 'unconfirmed',
        });
      else if (row.status === 'failed')
        outcomes.set(item.key, { recipient: item.recipient, status: 'failed', deduplicated: true, error: row.error ?? 'failed' });
      else if (item.problem) {
        await ledger.failed(item.key, item.problem, null);
        outcomes.set(item.key, { recipient: item.recipient, status: 'failed', deduplicated: false, error: item.problem });
      } else pending.push(item);
    }
    // Another live attempt is sending some of these: leave them to it and look again soon, rather
    // than hold rows it owns (a hold would also hide a lease that lapses because that worker died).
    const leased = pending.find((i) => rows.get(i.key)!.leased);
    if (leased) throw inFlight(leased);

    const result = (held?: DeliverResult['held']): DeliverResult => {
      const all = [...outcomes.values()];
      const failed = all.filter((o) => o.status === 'failed');
      return {
        kind,
        sent: all.length - failed.length,
        failed: failed.length,
        outcomes: req.detail ? all : failed.slice(0, 100),
        ...(held ? { held } : {}),
      };
    };
    // `now` is the clock `until` was decided on: the run waits the difference (see DeliverResult.held.waitMs).
    const holdRest = async (rest: Item[], reason: HoldReason, until: number | null, now = Date.now()) => {
      await ledger.hold(
        rest.map((i) => i.key),
        reason,
        until === null ? null : new Date(until),
      );
      return result({ reason, until, pending: rest.length, ...(until === null ? {} : { waitMs: Math.max(0, until - now) }) });
    };
    if (!pending.length) return result();

    let slots = new Map<string, number>();
    let rate: { limit: RateLimit; connectionId: string } | undefined;
    if (target.connectionId) {
      if (
        await ledger.holdIfPaused(
          target.connectionId,
          pending.map((i) => i.key),
        )
      )
        return result({ reason: 'paused', until: null, pending: pending.length });
      const quiet = parseQuietHours(target.settings.quietHours as string | undefined);
      const quietNow = quietHoursClock();
      const opensAt = quietUntil(quietNow, quiet, req.timezone ?? (target.settings.timezone as string | undefined) ?? 'UTC');
      if (opensAt !== undefined) return holdRest(pending, 'quiet_hours', opensAt, quietNow);
      const limit =
        kind in CHANNELS ? effectiveRateLimit(target.settings, CHANNELS[kind as ChannelConnection['kind']].ratePerMinute) : undefined;
      if (limit) {
        rate = { limit, connectionId: target.connectionId };
        slots = await ledger.reserve(
          target.connectionId,
          pending.map((i) => i.key),
          (taken, count) => assignSlots(taken, count, limit, Date.now()),
        );
      }
    }

    const ctx = Context.current();
    const queue = [...pending].sort((a, b) => (slots.get(a.key) ?? 0) - (slots.get(b.key) ?? 0));
    // Shared by the concurrent senders: the earliest message that must wait, or a failure worth a retry.
    const stop: { held?: { index: number; reason: HoldReason; until: number }; retryable?: ApplicationFailure } = {};
    const holdFrom = (index: number, reason: HoldReason, until: number) => {
      if (!stop.held || index < stop.held.index) stop.held = { index, reason, until };
    };
    const admit = async (key: string) =>
      rate ? ledger.admit(rate.connectionId, key, (sentAt, now) => admitWait(sentAt, rate!.limit, now)) : 0;
    let next = 0;
    const worker = async () => {
      while (next < queue.length && !stop.held && !stop.retryable) {
        // An attempt past its deadline has been given up on by Temporal: the next one sends the rest.
        if (Date.now() >= stopClaimingAt) {
          stop.retryable ??= ApplicationFailure.retryable('This attempt ran out of time; the next one sends the rest', 'AttemptDeadline');
          return;
        }
        const index = next++;
        const item = queue[index]!;
        const due = slots.get(item.key) ?? 0;
        if (due - Date.now() > WAIT_IN_ACTIVITY_MS) {
          holdFrom(index, 'rate_limit', due);
          return;
        }
        if (due > Date.now()) await ctx.sleep(due - Date.now());
        // Rendered before admission (so before the claim too): rendering takes a thread, which may
        // be starting, and the time a message is admitted at must be the time it leaves.
        const prepared = await prepareOrFail(target, req, item, attemptEnds);
        if ('outcome' in prepared) {
          outcomes.set(item.key, prepared.outcome);
          continue;
        }
        // The plan said now; what really went out (a message that left late) may say later.
        for (let wait = await admit(item.key); wait > 0; wait = await admit(item.key)) {
          if (wait > WAIT_IN_ACTIVITY_MS) {
            holdFrom(index, 'rate_limit', Date.now() + wait);
            return;
          }
          await ctx.sleep(wait);
        }
        ctx.heartbeat(index);
        const outcome = await sendOne(target, item, prepared, attemptEnds).catch((err: unknown) => {
          if (err instanceof ChannelError && err.retryable && err.status === 429) {
            holdFrom(index, 'rate_limit', Date.now() + (err.retryAfterMs ?? 60_000));
            return undefined;
          }
          if (err instanceof ApplicationFailure) {
            stop.retryable ??= err;
            return undefined;
          }
          throw err;
        });
        if (outcome) outcomes.set(item.key, outcome);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
    if (stop.retryable) throw stop.retryable;
    if (stop.held) {
      const rest = queue.filter((i) => !outcomes.has(i.key));
      return holdRest(rest, stop.held.reason, stop.held.until);
    }
    return result();
  }

  /**
   * Renders one message, or records why it cannot be. Done before the claim, so that a claim left
   * behind by a dead worker means the request was about to go out or already had, never that it
   * was still being prepared.
   */
  async function prepareOrFail(
    target: ResolvedTarget,
    req: DeliverRequest,
    item: Item,
    attemptEnds: number,
  ): Promise<Prepared | { outcome: DeliveryOutcome }> {
    try {
      return await prepareSend(target, req, item, attemptEnds);
    } catch (err) {
      const message = `The message could not be rendered: ${err instanceof Error ? err.message : String(err)}`;
      await ledger.failed(item.key, message, null);
      return { outcome: { recipient: item.recipient, status: 'failed', deduplicated: false, error: message } };
    }
  }

  /** One message: the ledger says "sending", the provider answers, the ledger records it. */
  async function sendOne(target: ResolvedTarget, item: Item, { send, message }: Prepared, attemptEnds: number): Promise<DeliveryOutcome> {
    // The lease ends just after this attempt's start-to-close timeout does: by the time Temporal
    // retries after a crash the claim has lapsed, while a slow but live attempt keeps its messages.
    const claim = await ledger.attempt(item.key, new Date(attemptEnds + 1_000), message);
    if (claim === 'busy') throw inFlight(item);
    if (claim === 'interrupted' && !REPEAT_SAFE.has(target.kind)) {
      const note = unconfirmedNote(target);
      await ledger.unconfirmed(item.key, note);
      return { recipient: item.recipient, status: 'sent', deduplicated: true, unconfirmed: true, error: note };
    }
    let result: DeliveryResult;
    try {
      result = await send();
    } catch (err) {
      const channelError = err instanceof ChannelError ? err : isOutboundRefused(err) ? refusal(err) : smtpRejection(err);
      if (!channelError) {
        const message = err instanceof Error ? err.message : String(err);
        if (/unknown user/i.test(message)) {
          await ledger.failed(item.key, message, null);
          return { recipient: item.recipient, status: 'failed', deduplicated: false, error: message };
        }
        await ledger.release(item.key, message);
        throw ApplicationFailure.retryable(message, 'DeliveryError');
      }
      if (!channelError.retryable) {
        await ledger.failed(item.key, channelError.message, channelError.body ?? null);
        return { recipient: item.recipient, status: 'failed', deduplicated: false, error: channelError.message };
      }
      await ledger.release(item.key, channelError.message);
      if (channelError.status === 429) throw channelError;
      throw ApplicationFailure.create({
        message: channelError.message,
        type: 'ChannelRetryable',
        nonRetryable: false,
        nextRetryDelay: channelError.retryAfterMs,
      });
    }
    await ledger.sent(item.key, result);
    return {
      recipient: item.recipient,
      status: 'sent',
      deduplicated: false,
      ...(result.providerMessageId ? { providerMessageId: result.providerMessageId } : {}),
    };
  }

  /**
   * Templates that went over a render limit in this process (MESSAGE_LIMITS bounds one render, the
   * render thread's timeout the rest): the next recipient fails at once instead of paying the
   * limit again, so a hostile template costs one bounded render per worker, not one per recipient.
   */
  const tooCostly = new Map<string, string>();
  async function renderBounded(source: string, variables: Record<string, unknown>, mode: 'text' | 'html'): Promise<string> {
    const refused = tooCostly.get(`${mode}:${source}`);
    if (refused) throw new Error(refused);
    try {
      return await renderer.render(source, variables, mode);
    } catch (err) {
      if (isTemplateLimitError(err)) {
        if (tooCostly.size > 500) tooCostly.clear();
        tooCostly.set(`${mode}:${source}`, err instanceof Error ? err.message : String(err));
      }
      throw err;
    }
  }

  /** Renders the message for this recipient and returns the one call that delivers it. */
  async function prepareSend(target: ResolvedTarget, req: DeliverRequest, item: Item, attemptEnds: number): Promise<Prepared> {
    const variables = { ...req.variables, recipient: item.person ?? { address: item.recipient } };
    const render = async (source: string | undefined, mode: 'text' | 'html' = 'text') =>
      source === undefined ? undefined : renderBounded(source, variables, mode);
    if (target.kind === 'in-app') {
      const notice: InAppNotice = {
        idempotencyKey: item.key,
        user: item.recipient,
        title: (await render(req.templates.title)) ?? '',
        body: (await render(req.templates.text)) ?? '',
        link: req.templates.link ? (await render(req.templates.link))! : null,
        runId: req.runId,
      };
      return { send: async () => ({ status: 200, providerMessageId: (await ledger.notify(notice)).id, body: null }) };
    }
    if (target.kind === 'email') {
      const text = (await render(req.templates.text))!;
      const html = req.templates.html
        ? (await render(req.templates.html, 'html'))!
        : `<div style="white-space:pre-wrap;font-family:sans-serif">${escapeHtml(text)}</div>`;
      const mail = { to: item.recipient, subject: (await render(req.templates.title)) ?? '', text, html };
      return {
        message: { kind: 'email', mail },
        send: async () => ({ status: 250, providerMessageId: (await (target.mailer ?? ledger.mailer).send(mail)).messageId, body: null }),
      };
    }
    const message: ChannelMessage = {
      text: (await render(req.templates.text))!,
      ...(req.templates.title ? { title: (await render(req.templates.title))! } : {}),
      ...(req.templates.markdown ? { markdown: (await render(req.templates.markdown))! } : {}),
    };
    const to = item.mentions ?? [item.recipient];
    if (to.length) message.to = to;
    // A request gives up before its attempt's deadline, so a live attempt always records its
    // outcome before its lease lapses: a lapsed lease then means a dead worker, nothing slower.
    return {
      message: { kind: 'channel', message },
      send: () =>
        sendToChannel(target.channel!, message, {
          idempotencyKey: providerKey(item.key),
          signal: Context.current().cancellationSignal,
          outbound,
          timeoutMs: Math.max(1, Math.min(DEFAULT_TIMEOUT_MS, attemptEnds - 250 - Date.now())),
        }),
    };
  }

  return { deliverMessages };
}

function inFlight(item: Item): ApplicationFailure {
  return ApplicationFailure.retryable(`The message to ${item.recipient} is being sent by another attempt`, 'DeliveryInFlight');
}

function unconfirmedNote(target: ResolvedTarget): string {
  return (
    `Unconfirmed: the worker sending this stopped before the provider's answer was recorded. ` +
    `It was not sent again, so it cannot arrive twice; check the ${target.name ?? target.kind} channel.`
  );
}

/**
 * The key as providers see it (webhook-id, Idempotency-Key): stable per delivery, and free of the
 * '.' and spaces an e-mail address would bring, which Standard Webhooks forbids in ids.
 */
export function providerKey(key: string): string {
  return `msg_${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`;
}

/** SMTP's permanent rejections (5xx for a recipient) are the provider saying no; the rest is worth retrying. */
/** A destination the outbound guard refuses (an e-mail connection's SMTP server): the same address is refused again. */
function refusal(err: Error): NonNullable<ReturnType<typeof smtpRejection>> {
  return { message: err.message, retryable: false, status: 0, body: null };
}

function smtpRejection(
  err: unknown,
): { message: string; retryable: boolean; status: number; retryAfterMs?: number; body: unknown } | undefined {
  const e = err as { responseCode?: number; response?: string; message?: string };
  if (typeof e?.responseCode !== 'number') return undefined;
  return {
    message: `SMTP ${e.responseCode}: ${e.response ?? e.message ?? 'rejected'}`,
    status: e.responseCode,
    retryable: e.responseCode < 500,
    body: e.response ?? null,
  };
}
