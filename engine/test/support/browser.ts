import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { TEST_PASSWORD } from './stack.ts';
import { SAFETY_NET_MS } from './wait-for.ts';

/** Debian's Chromium (never a downloaded build); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Headless Chromium as the browser tests run it; fails with what to install when there is none. */
export async function launchTestChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
  });
}

/** Signs in through the page, as a person does, and waits for the signed-in header. */
export async function signIn(page: Page, baseUrl: string, email: string): Promise<void> {
  await page.goto(`${baseUrl}/#/signin`);
  await page.getByTestId('signin-email').fill(email);
  await page.getByTestId('signin-password').fill(TEST_PASSWORD);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('signout').waitFor();
}

/**
 * On a canvas of a large flow (more than 200 nodes: React Flow draws only those in view), waits until it has drawn
 * some of them, and checks it left some out and still drew an edge from a drawn node to one it did not draw.
 * Returns the ids drawn.
 */
export async function expectOnlyNodesInView(
  canvas: Locator,
  flow: { nodes: readonly { id: string }[]; edges: readonly { id: string; source: string; target: string }[] },
): Promise<Set<string>> {
  const drawn = () => canvas.locator('.react-flow__node').evaluateAll((ns) => ns.map((n) => (n as HTMLElement).dataset.id!));
  await expect.poll(async () => (await drawn()).length, { timeout: SAFETY_NET_MS }).toBeGreaterThan(20);
  const ids = new Set(await drawn());
  const flowIds = new Set(flow.nodes.map((n) => n.id));
  expect(ids.size).toBeLessThan(flow.nodes.length);
  const crossing = flow.edges.find((e) => ids.has(e.source) && flowIds.has(e.target) && !ids.has(e.target));
  expect(crossing, 'an edge from a drawn node to one out of view').toBeDefined();
  await expect
    .poll(() => canvas.locator(`.react-flow__edge[data-id="${crossing!.id}"] .react-flow__edge-path`).getAttribute('d'), {
      timeout: SAFETY_NET_MS,
    })
    .toMatch(/\d/);
  return ids;
}

export interface FlowPoint {
  x: number;
  y: number;
}

/** Where an edge ends, in flow coordinates (edges are drawn inside the viewport's transform); null until it is drawn. */
export function edgeEnd(canvas: Locator, edgeId: string): Promise<FlowPoint | null> {
  return canvas.evaluate((root, id) => {
    const d = root.querySelector(`.react-flow__edge[data-id="${id}"] .react-flow__edge-path`)?.getAttribute('d');
    if (!d) return null;
    const numbers = d.match(/-?[\d.]+/g)!.map(Number);
    return { x: numbers.at(-2)!, y: numbers.at(-1)! };
  }, edgeId);
}

/** A drawn node's input handle, its left middle, in flow coordinates, from where the screen shows it. */
export function inputHandleEnd(canvas: Locator, nodeId: string): Promise<FlowPoint> {
  return canvas.evaluate((root, id) => {
    const h = root.querySelector(`[data-testid="node-${id}"] .react-flow__handle.target`)!.getBoundingClientRect();
    const vp = root.querySelector('.react-flow__viewport')!;
    const r = vp.getBoundingClientRect();
    const z = new DOMMatrixReadOnly(getComputedStyle(vp).transform).a;
    return { x: (h.left - r.left) / z, y: (h.top + h.height / 2 - r.top) / z };
  }, nodeId);
}
