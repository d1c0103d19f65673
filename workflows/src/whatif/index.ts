export * from './series.ts';
export * from './run.ts';
export * from './timeline.ts';
export * from './compare.ts';
