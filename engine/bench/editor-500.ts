/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Part of npm run bench (alone: npx tsx engine/bench/editor-500.ts, after `npm run build`): the editor opening a large
 * flow and dragging one of its nodes, in headless Chromium against the production build on the in-process stack.
 * Targets (issue 14): a 500-node flow open in under 1 s, and p95 frame time under 16 ms while dragging a node.
 *
 * - open: a fresh page load of the flow's URL, from navigation start (performance.now() in the page) until every one
 *   of the flow's nodes is in the DOM and measured by React Flow (it hides a node until it knows its size), and every
 *   edge is drawn (it draws one once it has measured both ends).
 * - drag: requestAnimationFrame deltas while playwright drags a node across the canvas, and each frame's work (see
 *   RECORD_FRAMES).
 * Needs editor/dist (npm run build) and Chromium (CHROMIUM_PATH or /usr/bin/chromium).
 * Finding where the time goes: BENCH_EDITOR_PROFILE=<dir> writes a CPU profile of the last open and of the drag per size
 * (.cpuprofile, for Chrome's DevTools) and the open's requests with their times (.requests.json), best with an
 * unminified build: `npx vite build --minify false --outDir /tmp/x`; BENCH_EDITOR_SHOTS=<dir> a screenshot after the opens
 * in editor/, then BENCH_EDITOR_DIST=/tmp/x. BENCH_EDITOR_CSS='<rules>' adds a style sheet to the page, to find what a
 * cost belongs to by hiding parts of it (never for the figures).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { chromium, type CDPSession, type Page } from 'playwright-core';
import { describeNodeTypes, type FlowDocument } from '@flightdeck/workflows';
import { EDITOR_DIST } from '../src/server/start-server.ts';
import { percentile, startBenchStack, writeBenchResult } from './stack.ts';

const SIZES = (process.env.BENCH_EDITOR_SIZES ?? '100,500').split(',').map(Number);
const OPENS = Number(process.env.BENCH_EDITOR_OPENS ?? 3);
const DRAG_STEPS = Number(process.env.BENCH_EDITOR_DRAG_STEPS ?? 120);
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const COMMAND = 'npx tsx engine/bench/editor-500.ts';
const TARGET = { openMs: 1000, dragP95Ms: 16 };
const PROFILE_DIR = process.env.BENCH_EDITOR_PROFILE;
const SHOTS_DIR = process.env.BENCH_EDITOR_SHOTS;
const DIST = process.env.BENCH_EDITOR_DIST ?? EDITOR_DIST;

/** Runs `work` under Chromium's CPU profiler when BENCH_EDITOR_PROFILE is set; the profile goes to <dir>/<name>.cpuprofile. */
async function profiled<T>(cdp: CDPSession, name: string, work: () => Promise<T>): Promise<T> {
  if (!PROFILE_DIR) return work();
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await cdp.send('Profiler.stop');
    mkdirSync(PROFILE_DIR, { recursive: true });
    writeFileSync(`${PROFILE_DIR}/${name}.cpuprofile`, JSON.stringify(profile));
  }
}

/**
 * With BENCH_EDITOR_TRACE=1 (and BENCH_EDITOR_PROFILE=<dir>) the last open and the drag write Chromium's timeline trace
 * instead of a CPU profile: the profile charges style, layout and paint to "(program)" or to whichever script forced them, and the
 * trace names them (UpdateLayoutTree, Layout, Paint) with their times. `npx tsx engine/bench/trace-summary.ts <file>`.
 */
const TRACE = Boolean(PROFILE_DIR && process.env.BENCH_EDITOR_TRACE);

async function traced<T>(page: Page, name: string, work: () => Promise<T>): Promise<T> {
  mkdirSync(PROFILE_DIR!, { recursive: true });
  const browser = page.context().browser()!;
  await browser.startTracing(page, {
    path: `${PROFILE_DIR}/${name}.trace.json`,
    categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing', 'v8.execute'],
  });
  try {
    return await work();
  } finally {
    await browser.stopTracing();
  }
}

/** Node types whose default config is valid on its own, so the flow has no problems to paint (the common case). */
const BODY_TYPES = ['channel.webhook', 'control.condition', 'control.delay', 'channel.in_app', 'campaign.status', 'control.wait_until'];

/** trigger → (size − 2) body nodes in a chain, each edge leaving the first handle → end, on a grid as people lay flows out. */
export function benchFlow(size: number): FlowDocument {
  const catalogue = new Map(describeNodeTypes().map((d) => [d.type, d]));
  const types = ['trigger.manual', ...Array.from({ length: size - 2 }, (_, i) => BODY_TYPES[i % BODY_TYPES.length]!), 'control.end'];
  const columns = Math.ceil(Math.sqrt(size * 2));
  const nodes = types.map((type, i) => ({
    id: `n${i}`,
    type,
    label: `Step ${i}`,
    config: structuredClone((catalogue.get(type)!.editor.defaultConfig ?? {}) as Record<string, unknown>),
    position: { x: (i % columns) * 280, y: Math.floor(i / columns) * 160 },
  }));
  const edges = nodes.slice(1).map((n, i) => ({
    id: `e${i}`,
    source: nodes[i]!.id,
    sourceHandle: catalogue.get(nodes[i]!.type)!.handles[0]!,
    target: n.id,
  }));
  return { schemaVersion: 1, nodes, edges };
}

/**
 * Installed before the app's own code, with the flow's nodes and edges in `window.__fdFlow` (as [id, x, y] and
 * [id, source, target]): records when the canvas is
 * drawn as the user first sees it. That is: the editor has fitted the flow to the pane (it does on every open), every
 * node whose box is in view is in the DOM and measured by React Flow (it hides a node it has no size for), every node
 * it drew is shown, and every edge between two nodes in view is drawn (React Flow draws one once it knows both ends'
 * handles). A build that draws every node meets this when all of them are drawn; one that draws only the nodes in view
 * (above 200 nodes, `flow/nodeGeometry.ts`) when those are. `window.__fdOpenedNodes` is how many nodes were drawn then.
 * Page scripts are strings: tsx names functions with a helper (`__name`) that the page does not have.
 */
const WATCH_NODES = `(() => {
  if (!new URLSearchParams(location.search).has('watch')) return;
  const NODE_W = 220, NODE_H = 52;
  // What it reads per frame forces no style or layout of its own: the viewport's inline transform, not its computed
  // one, and the pane's size only once the flow is fitted (the pane is laid out by then).
  let paneSize = null;
  const tick = () => {
    // Read at each frame: each flow's init script sets it, and the latest set is this page's flow.
    const flow = window.__fdFlow;
    const pane = document.querySelector('.react-flow');
    const viewport = document.querySelector('.react-flow__viewport');
    if (!flow || !pane || !viewport) return requestAnimationFrame(tick);
    const t = /translate\\(\\s*(-?[\\d.e+-]+)px,\\s*(-?[\\d.e+-]+)px\\)\\s*scale\\(\\s*([\\d.e+-]+)\\)/.exec(viewport.style.transform);
    if (!t) return requestAnimationFrame(tick);
    const tx = +t[1], ty = +t[2], z = +t[3];
    // Not fitted yet: every flow here is larger than the pane at zoom 1.
    if (z === 1) return requestAnimationFrame(tick);
    paneSize ??= [pane.clientWidth, pane.clientHeight];
    const [w, h] = paneSize;
    const inView = new Set();
    for (const [id, x, y] of flow.nodes) {
      const left = x * z + tx, top = y * z + ty;
      if (left < w && left + NODE_W * z > 0 && top < h && top + NODE_H * z > 0) inView.add(id);
    }
    const drawn = new Map();
    for (const n of document.querySelectorAll('.react-flow__node')) drawn.set(n.dataset.id, n);
    let ok = inView.size > 0 && [...drawn.values()].every((n) => n.style.visibility !== 'hidden');
    for (const id of inView) if (!drawn.has(id)) ok = false;
    if (ok) {
      const paths = new Map();
      for (const e of document.querySelectorAll('.react-flow__edge')) paths.set(e.dataset.id, e.querySelector('.react-flow__edge-path'));
      for (const [id, source, target] of flow.edges) {
        if (!inView.has(source) || !inView.has(target)) continue;
        const path = paths.get(id);
        if (!path || !path.getAttribute('d')) { ok = false; break; }
      }
    }
    if (ok) {
      window.__fdOpenedAt = performance.now();
      window.__fdOpenedNodes = drawn.size;
    } else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;

/**
 * Per frame, until window.__fdRecording is set false: the delta from the previous frame, and the frame's work: from
 * its start (the rAF timestamp; input handlers run before it in the frame) to a message posted in rAF, which runs once
 * the frame's style, layout and paint are done. Headless Chromium ticks at 60 Hz whatever the flags, so a delta is
 * never under 16.7 ms; the work is what the 16 ms budget is about.
 */
const RECORD_FRAMES = `(() => {
  window.__fdFrames = [];
  window.__fdWork = [];
  window.__fdRecording = true;
  const channel = new MessageChannel();
  let frameStart = 0;
  channel.port1.onmessage = () => window.__fdWork.push(performance.now() - frameStart);
  let last = 0;
  const tick = (now) => {
    window.__fdFrames.push(now - last);
    last = now;
    frameStart = now;
    channel.port2.postMessage(0);
    if (window.__fdRecording) requestAnimationFrame(tick);
  };
  requestAnimationFrame((now) => {
    last = now;
    requestAnimationFrame(tick);
  });
})()`;

/** One open: ms from navigation start until the canvas is drawn (see WATCH_NODES), and how many nodes it drew. */
async function openMs(page: Page, url: string): Promise<{ ms: number; drawn: number }> {
  await page.goto('about:blank');
  await page.goto(url);
  await page
    .waitForFunction(() => (window as unknown as { __fdOpenedAt?: number }).__fdOpenedAt, undefined, { timeout: 120_000 })
    .catch(async (e: unknown) => {
      await page.screenshot({ path: '/tmp/editor-bench-failed.png' });
      const seen = await page.evaluate(() => [
        location.href,
        document.querySelectorAll('.react-flow__node').length,
        [...document.querySelectorAll<HTMLElement>('.react-flow__node')].filter((n) => n.style.visibility === 'hidden').length,
        (window as unknown as { __fdOpenedAt?: number }).__fdOpenedAt,
      ]);
      throw new Error(`the flow did not open (screenshot: /tmp/editor-bench-failed.png; page ${JSON.stringify(seen)}): ${e}`);
    });
  return page.evaluate(() => {
    const w = window as unknown as { __fdOpenedAt: number; __fdOpenedNodes: number };
    return { ms: w.__fdOpenedAt, drawn: w.__fdOpenedNodes };
  });
}

/** The page's requests (ms from navigation start), to see the open's waterfall beside its CPU profile. */
async function requestTimes(page: Page): Promise<{ name: string; start: number; end: number }[]> {
  return page.evaluate(() =>
    performance.getEntriesByType('resource').map((e) => ({
      name: e.name.replace(location.origin, ''),
      start: Math.round(e.startTime),
      end: Math.round((e as PerformanceResourceTiming).responseEnd),
    })),
  );
}

/** Drags a node from the middle of the view a few hundred pixels, recording every frame's delta meanwhile. */
async function dragFrames(page: Page): Promise<{ frames: number[]; work: number[]; moved: boolean }> {
  const box = (await page.getByTestId('canvas').boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  // The node nearest the middle of the canvas: visible whatever the zoom.
  const target = await page.evaluate(
    ({ cx, cy }) => {
      let best: { x: number; y: number; d: number; id: string } | null = null;
      for (const n of document.querySelectorAll<HTMLElement>('.react-flow__node')) {
        const r = n.querySelector('.fd-node__head')!.getBoundingClientRect();
        const x = r.left + r.width / 2;
        const y = r.top + r.height / 2;
        const d = (x - cx) ** 2 + (y - cy) ** 2;
        if (!best || d < best.d) best = { x, y, d, id: n.dataset.id! };
      }
      return best!;
    },
    { cx, cy },
  );
  await page.evaluate(RECORD_FRAMES);
  const node = page.locator(`.react-flow__node[data-id="${target.id}"]`);
  const before = await node.evaluate((n) => n.style.transform);
  await page.mouse.move(target.x, target.y);
  await page.mouse.down();
  for (let i = 1; i <= DRAG_STEPS; i++) {
    const a = (i / DRAG_STEPS) * 2 * Math.PI;
    await page.mouse.move(target.x + 150 * Math.sin(a), target.y + 80 * (1 - Math.cos(a)));
  }
  // Ends on a point off the start, so the node's place after the drag proves the drag happened.
  await page.mouse.move(target.x + 40, target.y + 40);
  await page.mouse.up();
  const { frames, work } = await page.evaluate(() => {
    const w = window as unknown as { __fdFrames: number[]; __fdWork: number[]; __fdRecording: boolean };
    w.__fdRecording = false;
    return { frames: w.__fdFrames, work: w.__fdWork };
  });
  return { frames, work, moved: (await node.evaluate((n) => n.style.transform)) !== before };
}

if (!existsSync(`${DIST}/index.html`)) {
  console.log(`editor bench: not measured. ${DIST}/index.html is missing: run npm run build`);
  process.exit(1);
}
if (!existsSync(CHROMIUM)) {
  console.log(`editor bench: not measured. No Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  process.exit(1);
}

const load = () => loadavg()[0]!.toFixed(1);
const loadBefore = load();
const stack = await startBenchStack(
  'editor-500',
  {
    pg: Number(process.env.BENCH_PG_PORT ?? 54443),
    temporal: Number(process.env.BENCH_TEMPORAL_PORT ?? 7343),
  },
  { editorDist: DIST },
);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
});
try {
  const admin = await stack.user('editor@bench.local', 'Editor bench', 'admin');
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await page.addInitScript(WATCH_NODES);
  if (process.env.BENCH_EDITOR_CSS)
    await page.addInitScript(
      `document.addEventListener('DOMContentLoaded', () => {
        const s = document.createElement('style');
        s.textContent = ${JSON.stringify(process.env.BENCH_EDITOR_CSS)};
        document.head.appendChild(s);
      });`,
    );
  await page.goto(`${stack.server.url}/#/signin`);
  await page.getByTestId('signin-email').fill(admin.email);
  await page.getByTestId('signin-password').fill('bench-password');
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('signout').waitFor();

  const rows = [];
  for (const size of SIZES) {
    const graph = benchFlow(size);
    const flow = await stack.api(admin.token, 'POST', '/api/flows', { name: `Editor bench ${size}`, graph });
    const watched = {
      nodes: graph.nodes.map((n) => [n.id, n.position!.x, n.position!.y]),
      edges: graph.edges.map((e) => [e.id, e.source, e.target]),
    };
    await page.addInitScript(`window.__fdFlow = ${JSON.stringify(watched)};`);
    const url = `${stack.server.url}/?watch#/flows/${flow.id}`;
    const opens: { ms: number; drawn: number }[] = [];
    for (let i = 0; i < OPENS - 1; i++) opens.push(await openMs(page, url));
    opens.push(
      TRACE ? await traced(page, `open-${size}`, () => openMs(page, url)) : await profiled(cdp, `open-${size}`, () => openMs(page, url)),
    );
    // What the open measured, to look at: the canvas as the user first sees it.
    if (SHOTS_DIR) {
      mkdirSync(SHOTS_DIR, { recursive: true });
      await page.screenshot({ path: `${SHOTS_DIR}/open-${size}.png` });
    }
    if (PROFILE_DIR) writeFileSync(`${PROFILE_DIR}/open-${size}.requests.json`, JSON.stringify(await requestTimes(page), null, 1));
    const { frames, work, moved } = TRACE
      ? await traced(page, `drag-${size}`, () => dragFrames(page))
      : await profiled(cdp, `drag-${size}`, () => dragFrames(page));
    if (!moved) throw new Error('the dragged node did not move: the frames measured no drag');
    rows.push({
      nodes: size,
      openMs: opens.map((o) => Math.round(o.ms)),
      openMedianMs: Math.round(
        percentile(
          opens.map((o) => o.ms),
          50,
        ),
      ),
      drawnAtOpen: Math.max(...opens.map((o) => o.drawn)),
      dragFrames: frames.length,
      dragP50Ms: +percentile(frames, 50).toFixed(1),
      dragP95Ms: +percentile(frames, 95).toFixed(1),
      dragP99Ms: +percentile(frames, 99).toFixed(1),
      dragMaxMs: +Math.max(...frames).toFixed(1),
      workP50Ms: +percentile(work, 50).toFixed(1),
      workP95Ms: +percentile(work, 95).toFixed(1),
      workP99Ms: +percentile(work, 99).toFixed(1),
    });
  }
  const result = { command: COMMAND, loadBefore, loadAfter: load(), target: TARGET, rows };
  console.log(`\nEditor, headless Chromium, production build (${COMMAND}; load ${loadBefore} → ${result.loadAfter} on 2 cores)`);
  console.log(
    '| nodes | open, median (each) | nodes drawn at open | drag frames | frame delta p50 / p95 / p99 / max | frame work p50 / p95 / p99 |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.nodes} | ${r.openMedianMs} ms (${r.openMs.join(', ')}) | ${r.drawnAtOpen} | ${r.dragFrames} | ` +
        `${r.dragP50Ms} / ${r.dragP95Ms} / ${r.dragP99Ms} / ${r.dragMaxMs} ms | ${r.workP50Ms} / ${r.workP95Ms} / ${r.workP99Ms} ms |`,
    );
  console.log(
    `targets: 500 nodes open < ${TARGET.openMs} ms, drag frame p95 < ${TARGET.dragP95Ms} ms (a delta of 16.7 ms is a frame on time)`,
  );
  writeBenchResult('editor-500', result);
} finally {
  await browser.close();
  await stack.close();
}
