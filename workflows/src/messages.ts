import { Liquid } from 'liquidjs';

/**
 * Message bodies (chat text, SMS, e-mail) are Liquid templates: designers know the syntax from
 * Shopify and mail tools, it has filters for dates and numbers, loops for lists, and it never
 * runs arbitrary code. Structured config fields (URLs, JSON bodies) keep `{{ cel }}` placeholders.
 *
 * Two engines: one for text channels, one that HTML-escapes every output for e-mail's HTML part,
 * so a campaign named `<b>618</b>` is shown, not interpreted.
 *
 * Whoever writes a template, its cost is bounded and it reaches nothing but its variables:
 * - no partials: `include`, `render` and `layout` are refused when the template is parsed (so at
 *   publish time too), and the engines look templates up in an empty in-memory map, never on disk
 *   (liquidjs's default Node file system is rooted at the working directory, where `.data` lives);
 * - parse, render-time and memory limits (MESSAGE_LIMITS), and a cap on the rendered text.
 */
export const MESSAGE_LIMITS = {
  /** Characters of template source. */
  maxTemplateLength: 100_000,
  /**
   * Milliseconds one render may take; liquidjs checks it before every tag and output. It is wall
   * time, so it is sized for a saturated worker (an ordinary message renders in well under 1 ms of
   * CPU, but the chaos test saw ordinary renders pass 50 ms beside a second copy of the suite): the
   * budget bounds a hostile template, it must never fail an ordinary one on a busy machine.
   */
  renderMs: 500,
  /** Characters and elements liquidjs may allocate in filters, ranges and loops in one render. */
  memory: 2_000_000,
  /** Characters of rendered text. */
  maxOutputLength: 200_000,
} as const;

const TEMPLATE_LIMIT_ERROR = new RegExp(
  [
    'render limit exceeded',
    'memory alloc limit exceeded',
    'parse length limit exceeded',
    'rendered message is longer',
    'took longer than',
    'ran out of memory',
  ].join('|'),
  'i',
);

/** The errors that say the template itself is too costly, whatever the recipient: a sender need not try it again. */
export function isTemplateLimitError(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return TEMPLATE_LIMIT_ERROR.test(message);
}

export const PARTIALS_REFUSED = 'Message templates cannot include other templates (include, render, layout); write the text in place';

const LIMITS = {
  strictFilters: true,
  ownPropertyOnly: true,
  parseLimit: MESSAGE_LIMITS.maxTemplateLength,
  renderLimit: MESSAGE_LIMITS.renderMs,
  memoryLimit: MESSAGE_LIMITS.memory,
  cache: 200,
  // Named, so a date filter reads the same in the worker, the API and every browser; and without it Liquid asks
  // Intl for the default locale when an engine is made, which loads ICU's date formats (15–30 ms in a browser).
  locale: 'en-US',
  // An in-memory lookup with nothing in it: no template name ever reaches a file system.
  templates: {},
  relativeReference: false,
  dynamicPartials: false,
} as const;

function withoutPartials(engine: Liquid): Liquid {
  for (const tag of ['include', 'render', 'layout']) {
    engine.registerTag(tag, {
      parse() {
        throw new Error(PARTIALS_REFUSED);
      },
      render() {
        throw new Error(PARTIALS_REFUSED);
      },
    });
  }
  return engine;
}
// Made on first use: building one normalises Liquid's whole option set (17 ms in the editor's open profile), and most
// runs and most editor visits render no message.
let engines: { text: Liquid; html: Liquid } | undefined;
function engine(mode: 'text' | 'html'): Liquid {
  engines ??= {
    text: withoutPartials(new Liquid(LIMITS)),
    html: withoutPartials(new Liquid({ ...LIMITS, outputEscape: 'escape' })),
  };
  return engines[mode];
}

export type MessageMode = 'text' | 'html';

/** Liquid cannot do arithmetic on BigInt (CEL's integers); everything else passes as is. */
function liquidValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(liquidValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = liquidValue(v);
    return out;
  }
  return value;
}

/** Renders a message template; throws with Liquid's message (line and column) on a bad template or an unknown filter. */
export function renderMessage(source: string, scope: Record<string, unknown>, mode: MessageMode = 'text'): string {
  const text = engine(mode).parseAndRenderSync(source, liquidValue(scope) as Record<string, unknown>);
  if (text.length > MESSAGE_LIMITS.maxOutputLength)
    throw new Error(`The rendered message is longer than ${MESSAGE_LIMITS.maxOutputLength} characters`);
  return text;
}

/**
 * Only the variables a set of templates reads, copied out of `scope`. Deliveries carry their
 * variables into every activity's input (so into the history): a broadcast must not carry its
 * 10,000-recipient run input into each of its batches when the text reads `campaign.name`.
 */
export function pickVariables(sources: string[], scope: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const source of sources) {
    for (const segments of engine('text').globalVariableSegmentsSync(source)) {
      // Copy down to the first dynamic or numeric segment; below that the whole value goes.
      const path: string[] = [];
      for (const s of segments) {
        if (typeof s !== 'string') break;
        path.push(s);
      }
      copyPath(scope, out, path);
    }
  }
  return out;
}

function copyPath(from: Record<string, unknown>, to: Record<string, unknown>, path: string[]): void {
  let src: unknown = from;
  let dst = to;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    if (src === null || typeof src !== 'object' || !Object.hasOwn(src, key)) return;
    const value = (src as Record<string, unknown>)[key];
    const last = i === path.length - 1;
    if (last || value === null || typeof value !== 'object' || Array.isArray(value)) {
      dst[key] = value;
      return;
    }
    const existing = dst[key];
    if (existing !== undefined && (existing === null || typeof existing !== 'object' || Array.isArray(existing) || existing === value))
      return;
    dst = (dst[key] ??= {}) as Record<string, unknown>;
    src = value;
  }
}

/** The parse error of a template, or null when it parses (unknown filters are errors too). */
export function checkMessage(source: string): string | null {
  try {
    engine('text').parse(source);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * What a template sees in the editor's live preview: the shapes a real run has (campaign
 * snapshot, run, metrics, recipient), filled from the 618 scenario.
 */
export const SAMPLE_MESSAGE_SCOPE: Record<string, unknown> = {
  campaign: {
    id: '5f0c1e9a-0000-4000-8000-000000000618',
    name: '618 new product A launch (Tmall + Douyin + Xiaohongshu)',
    status: 'live',
    department: 'E-commerce',
    timezone: 'Asia/Shanghai',
    owner: { id: '00000000-0000-4000-8000-0000000000e1', name: 'Evan Zhou', email: 'evan@flightdeck.local' },
    budget: { total: 1200000, currency: 'CNY' },
    phases: [
      { name: 'warm_up', startsAt: '2026-05-20T00:00:00Z', endsAt: '2026-05-27T00:00:00Z' },
      { name: 'burst', startsAt: '2026-05-27T00:00:00Z', endsAt: '2026-06-10T00:00:00Z' },
      { name: 'return', startsAt: '2026-06-10T00:00:00Z', endsAt: '2026-06-19T00:00:00Z' },
    ],
    launchedAt: '2026-05-20T00:00:00Z',
  },
  run: { id: 'run-sample', flowId: 'flow-sample', version: 3, startedAt: '2026-05-20T00:00:00Z' },
  metrics: { revenue: 412345.5, ctr: 0.031, cpa: 38.2, roi: 3.4, new_customer_share: 0.42 },
  recipient: { name: 'Bella Wang', email: 'bella@flightdeck.local', phone: '+8613800000001' },
  input: {},
};
