import type { FlowWarning, ValidationIssue } from '@flightdeck/workflows';
import type { ProblemError } from '../api/types.ts';

/** An issue from the local validator or from the server, with where it came from. */
export interface Issue {
  path: (string | number)[];
  message: string;
  /** The same in Chinese, where the problem's words are known. */
  zh?: string;
  code?: string;
  nodeId?: string;
  edgeId?: string;
  source: 'local' | 'server';
  /** A warning does not block publishing: the flow is valid but a run may fail (flowWarnings). */
  warning?: true;
}

export interface IssueIndex {
  all: Issue[];
  byNode: Map<string, Issue[]>;
  byEdge: Map<string, Issue[]>;
  general: Issue[];
}

export function fromValidation(issues: readonly ValidationIssue[]): Issue[] {
  return issues.map((i) => ({ ...i, source: 'local' as const }));
}

export function fromWarnings(warnings: readonly FlowWarning[]): Issue[] {
  return warnings.map(({ handle: _h, ...w }) => ({ ...w, source: 'local' as const, warning: true as const }));
}

/** The server sends dotted paths ("graph.nodes.2.config.url"); split them so they compare with local ones. */
export function fromServer(errors: readonly ProblemError[]): Issue[] {
  return errors.map((e) => ({
    path: e.path
      .split(/[./]/)
      .filter(Boolean)
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
    message: e.message,
    ...(e.zh ? { zh: e.zh } : {}),
    ...(e.code ? { code: e.code } : {}),
    ...(e.nodeId ? { nodeId: e.nodeId } : {}),
    ...(e.edgeId ? { edgeId: e.edgeId } : {}),
    source: 'server' as const,
  }));
}

export function indexIssues(issues: readonly Issue[]): IssueIndex {
  const byNode = new Map<string, Issue[]>();
  const byEdge = new Map<string, Issue[]>();
  const general: Issue[] = [];
  for (const issue of issues) {
    // An edge issue that names its source node (unknown handle) belongs to the edge first.
    if (issue.edgeId) byEdge.set(issue.edgeId, [...(byEdge.get(issue.edgeId) ?? []), issue]);
    else if (issue.nodeId) byNode.set(issue.nodeId, [...(byNode.get(issue.nodeId) ?? []), issue]);
    else general.push(issue);
  }
  return { all: [...issues], byNode, byEdge, general };
}

/** The part of an issue's path inside a node's config, or undefined when it is about something else. */
export function configPath(issue: Issue): (string | number)[] | undefined {
  const at = issue.path.indexOf('config');
  return issue.path[0] === 'nodes' && at === 2 ? issue.path.slice(3) : undefined;
}

export const EMPTY_INDEX: IssueIndex = { all: [], byNode: new Map(), byEdge: new Map(), general: [] };
