export * from './schema.ts';
export * from './series.ts';
export * from './campaign.ts';
export { freshMachine, type Judgement, type MachineState, type RulePhase } from './machine.ts';
export * from './evaluate.ts';
export * from './templates.ts';
export * from './alert-state.ts';
export * from './grouping.ts';
