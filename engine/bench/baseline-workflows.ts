// The benchmark's bundle: the real interpreter workflow, plus the same work written by hand.
export { runFlow } from '@flightdeck/workflows/temporal';
export { handWrittenOneSend, handWrittenTenSteps } from './hand-written-workflows.ts';
