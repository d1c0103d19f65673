export * from './schema.ts';
export * from './series.ts';
export * from './campaign.ts';
export { freshMachine, type Judgement, type MachineState, type RulePhase } from './machine.ts';
export * from './evaluate.ts';
export * from './templates.ts';
export * from './replay.ts';
export { describeRule, durationText } from './describe.ts';
