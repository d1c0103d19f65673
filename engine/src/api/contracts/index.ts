/**
 * The API's request and response shapes, as zod schemas. Routes validate requests and declare
 * responses with them, the OpenAPI document is generated from them, and the editor derives its
 * types from them (`@flightdeck/engine/contracts`), so server, document and client cannot drift.
 *
 * Browser-safe on purpose: these modules import only zod, `@flightdeck/workflows` and
 * `@flightdeck/activities/catalogue` (all already in the editor's bundle), and each other; no Node
 * APIs and no server code. editor/test/api-contracts.test.ts keeps it so.
 */
export * from './common.ts';
export * from './flows.ts';
export * from './runs.ts';
export * from './campaigns.ts';
export * from './connections.ts';
export * from './people.ts';
export * from './approvals.ts';
export * from './notifications.ts';
export * from './system.ts';
export * from './alerts.ts';
export * from './metrics.ts';
export * from './reviews.ts';
export * from './lessons.ts';
export * from './work-tasks.ts';
export * from './portfolio.ts';
