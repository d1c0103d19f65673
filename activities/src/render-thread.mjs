// The render thread's entry, in plain JavaScript: it teaches the thread TypeScript (tsx's loader,
// which a worker thread does not inherit), then loads the render module it was given.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
