import { z } from 'zod';
import { lazily } from '../lazy.ts';
import { defineNode } from './define.ts';
import { durationSchema, parseDuration } from '../duration.ts';
import { quickActivity } from './resolve-people.ts';
import {
  deliverAll,
  type DeliverySummary,
  message,
  type Recipient,
  messageExpressions,
  recipientExpressions,
  recipientFields,
  recipientsNeedCampaign,
  resolveRecipients,
} from './deliver.ts';
import { alertNoticeKey, toldNow, type AlertGroup, type FlowAlert } from './monitor.ts';
import type { AlertState } from '../monitoring/alert-state.ts';
import { SEVERITIES, type Severity } from '../monitoring/schema.ts';
import { DEFAULT_RETRY } from './retry.ts';
import type { ActivityName } from '../activities.ts';
import type { JsonValue } from '../json.ts';
import { schemaMessage } from '../problem-text.ts';

export const READ_ALERT_ACTIVITY = 'readAlert' satisfies ActivityName;
export const RECORD_ALERT_EVENT_ACTIVITY = 'recordAlertEvent' satisfies ActivityName;

export interface AlertView {
  alertId: string;
  state: AlertState;
  snoozedUntil: string | null;
  /** The alert's page in Flightdeck (acking there needs a sign-in): the link a group chat gets. */
  pageUrl: string;
  /** Per person asked for: a signed one-click link acknowledging as them (GET shows a confirmation page, POST decides). */
  ackUrls: Record<string, string>;
  /** For the chat room asked for: the same kind of link, acknowledging for the room (anyone in it may click). */
  chatAckUrl: string | null;
  /** Of the alerts the message tells, those still firing (absent from answers older than it): a later level leads with one. */
  firing?: string[];
}

export interface ReadAlertRequest {
  alertId: string;
  /** User ids to sign one-click ack links for. */
  people?: string[];
  /** A chat robot connection to sign a one-click ack link for. */
  connection?: string;
  /** The alerts the message tells with it (a group): its links then acknowledge them all. */
  group?: string[];
}

export interface RecordAlertEventRequest {
  alertId: string;
  kind: 'notified' | 'escalated';
  runId: string;
  nodeId: string;
  /** Workflow time of the step, epoch ms. */
  at: number;
  level: number;
  round: number;
  channelKind: string;
  recipients: string[];
  sent: number;
  failed: number;
  /** Where the step's message waited before it went out (a rate limit's 37 s): each its own step on the timeline. */
  held?: { reason: 'quiet_hours' | 'rate_limit' | 'paused'; since: string; until: string | null }[];
}

const levelSchema = lazily(() =>
  z.strictObject({
    ...recipientFields(),
    connection: z
      .uuid({ message: schemaMessage('choose_connection') })
      .optional()
      .meta({ widget: 'connection', description: 'A chat robot or SMS connection; empty: e-mail to the people' }),
    ackWithin: durationSchema().default('30m').describe('How long this level has to acknowledge before the next one is called'),
  }),
);
export type EscalationLevel = z.output<ReturnType<typeof levelSchema>>;

const ladder = lazily(() => z.array(levelSchema()).min(1).max(10));

export const escalate = defineNode({
  type: 'monitoring.escalate',
  family: 'monitoring',
  configSchema: () =>
    z.strictObject({
      monitor: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, schemaMessage('monitor_node_id'))
        .describe('The monitor node whose alert this escalates'),
      levels: ladder().describe('Called in order; each has its time to acknowledge'),
      bySeverity: z
        .partialRecord(z.enum(SEVERITIES), ladder())
        .default({})
        .describe('A ladder of its own for a severity (a severe alert straight to the PR lead); others use the levels'),
      repeat: z.number().int().min(0).max(5).default(0).describe('Run the ladder again this many times before giving up'),
      title: message(200).default('[{{ alert.severity }}] {{ alert.ruleLabel }}: {{ campaign.name }}'),
      text: message(2000).default(
        '{{ alert.ruleLabel }} fired on {{ alert.channel | default: "the campaign" }} at {{ alert.firedAt }}: ' +
          '{{ alert.value }} against {{ alert.threshold }}.{{ group.more }} Level {{ escalation.level }}. ' +
          'Acknowledge: {{ alert.ackUrl }}',
      ),
    }),
  handles: () => ['acknowledged', 'resolved', 'exhausted'],
  hasInput: true,
  editor: {
    icon: '📟',
    color: '#b91c1c',
    defaultConfig: { monitor: 'monitor', levels: [{ owner: true, ackWithin: '1h' }], bySeverity: {}, repeat: 0 },
  },
  text: {
    en: {
      title: 'Escalation policy',
      description:
        "Notifies an alert's first level and waits for an acknowledgement; when none comes in time, the next level, " +
        'and so on, then the ladder again as often as set. An ack stops it at once.',
      fields: {
        monitor: { label: 'Monitor node' },
        levels: { label: 'Levels' },
        bySeverity: { label: 'Ladder per severity' },
        repeat: { label: 'Repeat' },
        title: { label: 'Title' },
        text: { label: 'Text' },
      },
      handles: { acknowledged: 'acknowledged', resolved: 'resolved', exhausted: 'nobody acknowledged' },
    },
    'zh-CN': {
      title: '升级策略',
      description: '通知告警的第一级并等待确认；超时未确认则通知下一级，依此类推，可按设定重复整条升级链。一经确认立即停止。',
      fields: {
        monitor: { label: '监控节点' },
        levels: { label: '升级层级' },
        bySeverity: { label: '按严重程度的升级链' },
        repeat: { label: '重复次数' },
        title: { label: '标题' },
        text: { label: '正文' },
      },
      handles: { acknowledged: '已确认', resolved: '已解决', exhausted: '无人确认' },
    },
  },
  docs:
    'PagerDuty semantics: levels of people, roles, department heads or the campaign owner, each with the time it has to ' +
    'acknowledge and the channel it is reached on (a chat robot connection, or e-mail). The alert is the one the named ' +
    'monitor node handed over (`nodes.<monitor>.output.alert`), with the alerts grouped with it as `alerts` and `group` ' +
    '(the default text lists them in `group.more`; the grouping timings are set on the monitor). An ack (editor, API or ' +
    'the one-click link in the message) signals the run and stops the ladder at once; resolving ends it. A snoozed alert ' +
    'holds the ladder until the snooze ' +
    "ends. The policy is the run's frozen version, whatever is published later. Every step lands in the alert's timeline.",
  expressions: (config) => [
    ...messageExpressions(config, ['title', 'text']),
    ...[config.levels, ...Object.values(config.bySeverity)].flatMap((levels) => (levels ?? []).flatMap((l) => recipientExpressions(l))),
  ],
  needsCampaign: (config) =>
    [config.levels, ...Object.values(config.bySeverity)]
      .flatMap((levels) => levels ?? [])
      .map(recipientsNeedCampaign)
      .find(Boolean),
  async execute(ctx) {
    const { config, ports, scope, node } = ctx;
    const nodes = (scope.nodes ?? {}) as Record<
      string,
      { output?: { alert?: FlowAlert; alerts?: FlowAlert[]; group?: AlertGroup } } | undefined
    >;
    const handed = nodes[config.monitor]?.output;
    const alert = handed?.alert;
    if (!alert?.alertId) throw new Error(`Node "${config.monitor}" has handed over no alert to escalate`);
    const levels = config.bySeverity[alert.severity as Severity] ?? config.levels;
    const key = alertNoticeKey(alert.alertId);
    const runId = (scope.run as { id: string }).id;
    const group = (handed?.alerts ?? []).map((a) => a.alertId);
    const read = (people: string[] = [], connection?: string) =>
      ports.callActivity(
        READ_ALERT_ACTIVITY,
        [{ alertId: alert.alertId, people, ...(connection ? { connection } : {}), group }],
        quickActivity,
      );
    const settled = (view: AlertView) =>
      view.state === 'acknowledged' ? 'acknowledged' : view.state === 'resolved' ? 'resolved' : undefined;
    const steps: JsonValue[] = [];
    // Alerts that came and went while the flow was elsewhere: the first level hears of them once; there is nothing to ack.
    const missed = handed?.group?.reason === 'missed';
    let seen = 0;
    for (let round = 0; round <= config.repeat; round++) {
      for (const [index, level] of levels.entries()) {
        let view = await read();
        const done = settled(view);
        if (done && !missed) return { handle: done, output: { alert: alert as unknown as JsonValue, steps, by: done } };
        const recipients = await resolveRecipients(ctx, level);
        const people = recipients.flatMap((r) => (r.userId ? [r.userId] : []));
        if (people.length || level.connection) view = await read(people, level.connection);
        const target = level.connection ? { connectionId: level.connection } : ({ builtin: 'email' } as const);
        const handedGroup = handed?.group ?? { key: alert.ruleId, reason: 'new', size: 1, summary: '', more: '' };
        // A level after an ack leads with an alert still firing, not the one acknowledged already.
        const told = toldNow(alert, handedGroup, handed?.alerts ?? [alert], missed ? undefined : view.firing);
        const lead = told.lead;
        const send = (to: Recipient[], ackUrl: string, suffix: string) =>
          deliverAll(ctx, {
            target,
            templates: { title: config.title, text: config.text },
            recipients: to,
            timeout: '30s',
            retry: DEFAULT_RETRY,
            keySuffix: `r${round}l${index}${suffix}`,
            variables: {
              alert: { ...lead, ackUrl },
              // The alerts told with it (grouping): one message for a batch that fired several rules.
              alerts: told.alerts,
              group: told.group,
              escalation: { level: index + 1, round: round + 1 },
            } as unknown as Record<string, JsonValue>,
          });
        // A person gets a link that acks as them; a group robot one that acks for its room; an address outside the
        // directory, the alert's page (acking there needs a sign-in).
        const summary = { kind: '', sent: 0, failed: 0, held: [] as DeliverySummary['held'] };
        const parts = target.builtin
          ? recipients.map((r, i) => send([r], (r.userId && view.ackUrls[r.userId]) || view.pageUrl, `/${i}`))
          : [send(recipients, view.chatAckUrl ?? view.pageUrl, '')];
        for (const part of parts) {
          const done = await part;
          summary.kind = done.kind;
          summary.sent += done.sent;
          summary.failed += done.failed;
          summary.held.push(...done.held);
        }
        const step = {
          alertId: alert.alertId,
          kind: index === 0 && round === 0 ? 'notified' : 'escalated',
          runId,
          nodeId: node.id,
          at: ports.now(),
          level: index + 1,
          round: round + 1,
          channelKind: summary.kind,
          recipients: recipients.map((r) => r.name ?? r.email ?? r.address ?? r.userId ?? '?'),
          sent: summary.sent,
          failed: summary.failed,
          ...(summary.held.length ? { held: summary.held } : {}),
        } as const;
        await ports.callActivity(RECORD_ALERT_EVENT_ACTIVITY, [step], quickActivity);
        steps.push(step as unknown as JsonValue);
        ctx.setDetail({ alertId: alert.alertId, level: index + 1, round: round + 1, steps } as JsonValue);
        if (missed) return { handle: 'resolved', output: { alert: alert as unknown as JsonValue, steps, by: 'resolved' } };
        const deadline = ports.now() + (parseDuration(level.ackWithin) ?? 0);
        for (;;) {
          // A snooze holds the ladder until it ends (the level's own time may have run out by then).
          const until = view.state === 'snoozed' && view.snoozedUntil ? Date.parse(view.snoozedUntil) : deadline;
          const left = Math.max(deadline, until) - ports.now();
          if (left <= 0) break;
          await ports.waitForNotice(key, left, seen);
          seen = ports.noticeCount(key);
          view = await read();
          const now = settled(view);
          if (now) return { handle: now, output: { alert: alert as unknown as JsonValue, steps, by: now } };
        }
      }
    }
    return { handle: 'exhausted', output: { alert: alert as unknown as JsonValue, steps, by: null } };
  },
});
