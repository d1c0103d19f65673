import { z } from 'zod';
import { ALERT_EVENT_KINDS, ALERT_STATES, instantSchema, SEVERITIES } from '@flightdeck/workflows';
import { cursorParam, timestamp } from './common.ts';
import { schemaMessage } from '@flightdeck/workflows';

/** Rule ids are the monitor's handles: lower-case, digits and _. */
const ruleId = z.string().regex(/^[a-z][a-z0-9_]{0,47}$/, schemaMessage('rule_id'));
const channel = z.string().trim().min(1).max(64);
const person = z.object({ id: z.uuid(), name: z.string() });

export const ALERT_PAGE_MAX = 200;

export const alertListQuery = z
  .strictObject({
    campaignId: z.uuid().optional(),
    ruleId: ruleId.optional(),
    state: z
      .enum([...ALERT_STATES, 'open'])
      .optional()
      .meta({ description: "'open': every state but resolved" }),
    severity: z.enum(SEVERITIES).optional(),
    from: instantSchema().optional().meta({ description: 'Fired at or after (event time)' }),
    to: instantSchema().optional().meta({ description: 'Fired before (event time)' }),
    limit: z.coerce.number().int().min(1).max(ALERT_PAGE_MAX).default(50),
    cursor: cursorParam,
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    path: ['to'],
    message: schemaMessage('after_field', { field: 'from' }),
  });

export const snoozeBody = z.strictObject({
  until: instantSchema().meta({ description: 'In the future, at most 30 days ahead' }),
});

/** Alerts acknowledged in one decision: the editor's multi-select sends a page of them at most. */
export const ACK_MANY_MAX = 100;
export const ackManyBody = z.strictObject({
  ids: z
    .array(z.uuid({ message: schemaMessage('alert_id') }))
    .min(1, schemaMessage('one_alert'))
    .max(ACK_MANY_MAX, `At most ${ACK_MANY_MAX} alerts at once`)
    .meta({ description: `The alerts to acknowledge, 1 to ${ACK_MANY_MAX}; a repeated id counts once` }),
});

export const ackManyResultSchema = z
  .object({
    results: z.array(
      z.object({
        id: z.uuid(),
        outcome: z
          .enum(['acknowledged', 'already_acknowledged', 'already_resolved', 'refused', 'forbidden', 'not_found'])
          .meta({ description: 'not_found also for an alert you may not see; forbidden: you may see it but not act on it' }),
        state: z.enum(ALERT_STATES).nullable().meta({ description: 'Its state now; null when not found' }),
        reason: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'AckManyResult', description: 'One result per distinct id, in the order given' });

export const silenceBody = z.strictObject({
  campaignId: z.uuid(),
  ruleId: ruleId.nullable().optional().meta({ description: 'null or absent: every rule of the campaign' }),
  channel: channel.nullable().optional().meta({ description: 'null or absent: every channel' }),
  startsAt: instantSchema().optional().meta({ description: 'Default now' }),
  endsAt: instantSchema().meta({ description: 'After the start and in the future; at most 90 days after the start' }),
  comment: z.string().trim().max(2000).optional(),
});

export const silenceListQuery = z.strictObject({
  campaignId: z.uuid().optional(),
  status: z.enum(['pending', 'active', 'expired']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** One alert as lists show it: enough for an Alerts page row without another call. */
export const alertSchema = z
  .object({
    id: z.uuid(),
    campaignId: z.uuid(),
    campaignName: z.string(),
    runId: z.uuid().nullable(),
    nodeId: z.string().nullable(),
    ruleId: z.string(),
    ruleLabel: z.string().meta({ description: "The rule in plain words: its author's label, or its condition described" }),
    ruleText: z
      .record(z.string(), z.string())
      .nullable()
      .meta({ description: "The rule's condition described per locale (en, zh-CN); null for alerts older than this field" }),
    channel: z.string().nullable().meta({ description: 'null: a rule over the whole campaign' }),
    severity: z.enum(SEVERITIES),
    state: z.enum(ALERT_STATES),
    snoozedUntil: timestamp.nullable(),
    firedAt: timestamp.meta({ description: 'Event time: the start of the bucket that fired the rule' }),
    lastFiredAt: timestamp,
    value: z.number().nullable(),
    threshold: z.number().nullable(),
    baseline: z.number().nullable(),
    unit: z.string(),
    openedAt: timestamp.meta({ description: 'When the points that fired it arrived' }),
    updatedAt: timestamp,
    acknowledgedAt: timestamp.nullable(),
    acknowledgedBy: person.nullable(),
    resolvedAt: timestamp.nullable(),
    resolvedBy: person.nullable().meta({ description: 'null with resolvedAt set: the rule resolved it' }),
  })
  .meta({ id: 'Alert' });

export const alertEventSchema = z.object({
  id: z.number().int(),
  kind: z.enum(ALERT_EVENT_KINDS),
  at: timestamp,
  actor: person.nullable().meta({ description: 'null: the rule, the clock or the system' }),
  detail: z.record(z.string(), z.unknown()),
});

export const alertDetailSchema = alertSchema
  .extend({ timeline: z.array(alertEventSchema).meta({ description: 'Oldest first; the latest 1000 entries' }) })
  .meta({ id: 'AlertDetail' });

export const alertPageSchema = z.object({ items: z.array(alertSchema), nextCursor: z.string().nullable() });

export const silenceSchema = z
  .object({
    id: z.uuid(),
    campaignId: z.uuid(),
    campaignName: z.string(),
    ruleId: z.string().nullable(),
    channel: z.string().nullable(),
    startsAt: timestamp,
    endsAt: timestamp,
    status: z.enum(['pending', 'active', 'expired']),
    createdBy: person.nullable(),
    comment: z.string(),
    createdAt: timestamp,
  })
  .meta({ id: 'Silence' });
