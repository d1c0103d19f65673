import type { FlowDocument } from './flow.ts';
import { getNodeType } from './nodes/index.ts';
import { problemWords, type ProblemParams } from './problem-text.ts';

/**
 * What a valid flow may still fail on at run time: an outcome with no path drawn, or a step that
 * needs the run's campaign. The validator's issues block publishing; these do not (a designer may
 * mean it), but the editor shows them before publishing and the API refuses a run that would
 * fail for want of a campaign, instead of the run failing an hour later.
 */
export interface FlowWarning {
  code: 'unhandled_outcome' | 'needs_campaign';
  path: (string | number)[];
  nodeId: string;
  message: string;
  /** The same in Chinese (see problem-text.ts). */
  zh?: string;
  params?: ProblemParams;
  /** For unhandled_outcome: the handle with no edge. */
  handle?: string;
}

export interface CampaignNeed {
  nodeId: string;
  /** In words: "it sends to the campaign's owner", "campaign.budget in its text". */
  reason: string;
}

/** An identifier `campaign` in an expression, not a member named so (`nodes.x.campaign`) or a map key. */
const CAMPAIGN_REF = /(?<![\w.$])campaign\b(?!\s*:)\s*(\.\s*[A-Za-z_]\w*|\[[^\]]{0,40}\])?/;
/** Liquid output and tag bodies; plain prose that says "campaign" is not a reference. */
const TEMPLATE_TAG = /\{\{([\s\S]{0,2000}?)\}\}|\{%([\s\S]{0,2000}?)%\}/g;
const DEFAULT_FILTER = /\|\s*default\s*:/;
/** A config deeper than this is not walked: the validator has bounded it already, this only keeps cost bounded. */
const MAX_DEPTH = 12;
const MAX_STRINGS = 2_000;

/** The first campaign reference in a node's expressions and templates, as written (`campaign.budget`). */
function campaignReference(def: NonNullable<ReturnType<typeof getNodeType>>, config: unknown): string | undefined {
  for (const expr of def.expressions?.(config as never) ?? []) {
    if (expr.kind !== 'cel') continue;
    const m = CAMPAIGN_REF.exec(expr.source);
    if (m) return m[0].replace(/\s+/g, '');
  }
  const strings: string[] = [];
  const walk = (value: unknown, depth: number) => {
    if (strings.length >= MAX_STRINGS || depth > MAX_DEPTH) return;
    if (typeof value === 'string') strings.push(value);
    else if (Array.isArray(value)) for (const v of value) walk(v, depth + 1);
    else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) walk(v, depth + 1);
  };
  walk(config, 0);
  for (const text of strings) {
    if (!text.includes('{')) continue;
    for (const tag of text.matchAll(TEMPLATE_TAG)) {
      const body = tag[1] ?? tag[2] ?? '';
      // `{{ campaign.name | default: "…" }}` is the designer's own answer for a run without one.
      if (DEFAULT_FILTER.test(body)) continue;
      const m = CAMPAIGN_REF.exec(body);
      if (m) return m[0].replace(/\s+/g, '');
    }
  }
  return undefined;
}

/** Every node that cannot run without the run's campaign, with why. Reads a validated flow (defaults applied). */
export function campaignNeeds(flow: FlowDocument): CampaignNeed[] {
  const needs: CampaignNeed[] = [];
  for (const node of flow.nodes) {
    const def = getNodeType(node.type);
    if (!def) continue;
    const declared = def.needsCampaign?.(node.config as never);
    const reference = declared ? undefined : campaignReference(def, node.config);
    const reason = declared ?? (reference ? `it reads ${reference}` : undefined);
    if (reason) needs.push({ nodeId: node.id, reason });
  }
  return needs;
}

/** Warnings for a validated flow, in document order. */
export function flowWarnings(flow: FlowDocument): FlowWarning[] {
  const warnings: FlowWarning[] = [];
  const drawn = new Set(flow.edges.map((e) => `${e.source}\u0000${e.sourceHandle}`));
  const name = (id: string) => flow.nodes.find((n) => n.id === id)?.label ?? id;
  flow.nodes.forEach((node, i) => {
    const def = getNodeType(node.type);
    for (const handle of def?.outcomesThatFailUndrawn?.(node.config as never) ?? []) {
      if (drawn.has(`${node.id}\u0000${handle}`)) continue;
      warnings.push({
        code: 'unhandled_outcome',
        path: ['nodes', i],
        nodeId: node.id,
        handle,
        ...problemWords('unhandled_outcome', { node: name(node.id), handle }),
      });
    }
  });
  const needs = campaignNeeds(flow);
  const trigger = flow.nodes.find((n) => getNodeType(n.type)?.family === 'trigger');
  if (needs.length && trigger?.type === 'trigger.manual') {
    // One note for the flow, not one per step: a manual run is given its campaign, and the API refuses one without.
    const named = needs.slice(0, 3).map((n) => `"${name(n.nodeId)}" (${n.reason})`);
    const more = needs.length > 3 ? needs.length - 3 : '';
    warnings.push({
      code: 'needs_campaign',
      path: ['nodes', flow.nodes.indexOf(trigger)],
      nodeId: trigger.id,
      ...problemWords('needs_campaign', { steps: named.join(', '), more }),
    });
  } else if (trigger) {
    // Events and schedules start runs without a campaign, so each of these steps would fail every run.
    for (const need of needs) {
      warnings.push({
        code: 'needs_campaign',
        path: ['nodes', flow.nodes.findIndex((n) => n.id === need.nodeId)],
        nodeId: need.nodeId,
        ...problemWords('needs_campaign_event', { node: name(need.nodeId), reason: need.reason, trigger: trigger.type }),
      });
    }
  }
  return warnings;
}
