import { useEffect } from 'react';
import type { XYPosition } from '@xyflow/react';
import type { FlowDocument } from '@flightdeck/workflows';
import type { Issue } from '../flow/issues.ts';

/**
 * A small imperative handle on the open editor, for end-to-end tests that build flows
 * without pixel-exact drag and drop. It goes through the same code paths as the UI.
 */
export interface FlightdeckTestApi {
  addNode(type: string, position?: XYPosition): string;
  connect(sourceId: string, handle: string, targetId: string): string | null;
  getFlow(): FlowDocument;
  updateConfig(nodeId: string, config: Record<string, unknown>): void;
  select(nodeId: string | null): void;
  getIssues(): Issue[];
  getFlowId(): string | null;
}

declare global {
  interface Window {
    __flightdeck?: FlightdeckTestApi;
  }
  /** Set by vite.config.ts: true only in the test build, so production bundles carry no hooks. */
  const __FLIGHTDECK_TEST_HOOKS__: boolean;
}

function useInstalledTestHooks(api: FlightdeckTestApi): void {
  useEffect(() => {
    window.__flightdeck = api;
    return () => {
      if (window.__flightdeck === api) delete window.__flightdeck;
    };
  }, [api]);
}

function noTestHooks(_api: FlightdeckTestApi): void {}

// A build-time constant, so the production bundle drops useInstalledTestHooks and the hook name entirely.
export const useTestHooks =
  typeof __FLIGHTDECK_TEST_HOOKS__ !== 'undefined' && __FLIGHTDECK_TEST_HOOKS__ ? useInstalledTestHooks : noTestHooks;
