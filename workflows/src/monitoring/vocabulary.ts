/*
 * The alert words the editor needs before anything else loads (its routes read them from the URL). Kept apart
 * from the schemas and the lifecycle so importing them pulls in no zod and no rule code.
 */

export const ALERT_STATES = ['firing', 'acknowledged', 'snoozed', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
