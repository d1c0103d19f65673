/**
 * What changed between two flow documents, for the version history and the edit-conflict dialog.
 * Nodes are matched by id, edges by what they connect (source, handle, target: the editor renames
 * edge ids freely). Either side may be anything at all (an old version, a hostile upload): what is
 * not a node or an edge is skipped, and the cost is bounded by DIFF_LIMITS.
 */
export const DIFF_LIMITS = { depth: 16, fieldsPerNode: 100, items: 2000 } as const;

export interface FieldChange {
  /** Dotted, from the node: `config.subject`, `config.to.0`, `label`, `type`. */
  path: string;
  /** Absent when the field did not exist on that side. */
  before?: unknown;
  after?: unknown;
}

export interface NodeChange {
  id: string;
  fields: FieldChange[];
  /** More fields changed than DIFF_LIMITS.fieldsPerNode; the list stops there. */
  truncated?: true;
}

export interface EdgeRef {
  id: string;
  source: string;
  sourceHandle: string;
  target: string;
}

export interface AnnotationDiff {
  added: string[];
  removed: string[];
  /** A note's text or colour, a group's label or members. */
  changed: string[];
  /** A note moved or resized (a group has no position of its own: it frames its members). */
  moved: string[];
}

export interface FlowDiff {
  nodes: { added: string[]; removed: string[]; changed: NodeChange[]; moved: string[] };
  edges: { added: EdgeRef[]; removed: EdgeRef[] };
  notes: AnnotationDiff;
  groups: AnnotationDiff;
}

type Rec = Record<string, unknown>;
const isRecord = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Rec, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function listOf(doc: unknown, key: 'nodes' | 'edges' | 'notes' | 'groups'): Rec[] {
  if (!isRecord(doc)) return [];
  const list = doc[key];
  return Array.isArray(list) ? list.slice(0, DIFF_LIMITS.items).filter(isRecord) : [];
}

/** First occurrence wins: a document with duplicate ids is invalid, and the diff still has to say something. */
function byId(doc: unknown, key: 'nodes' | 'notes' | 'groups'): Map<string, Rec> {
  const m = new Map<string, Rec>();
  for (const n of listOf(doc, key)) if (typeof n.id === 'string' && !m.has(n.id)) m.set(n.id, n);
  return m;
}

function edgesByEnds(doc: unknown): Map<string, EdgeRef> {
  const m = new Map<string, EdgeRef>();
  for (const e of listOf(doc, 'edges')) {
    const { id, source, sourceHandle, target } = e;
    if (typeof source !== 'string' || typeof target !== 'string') continue;
    const ref: EdgeRef = {
      id: typeof id === 'string' ? id : '',
      source,
      sourceHandle: typeof sourceHandle === 'string' ? sourceHandle : '',
      target,
    };
    const key = JSON.stringify([ref.source, ref.sourceHandle, ref.target]);
    if (!m.has(key)) m.set(key, ref);
  }
  return m;
}

/** Structural equality; past the depth limit two values count as different (bounded, never a stack overflow). */
function same(a: unknown, b: unknown, depth: number): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (depth >= DIFF_LIMITS.depth) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => same(v, bb[i], depth + 1));
  }
  const ka = Object.keys(a).filter((k) => (a as Rec)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Rec)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => own(b as Rec, k) && same((a as Rec)[k], (b as Rec)[k], depth + 1));
}

function collect(before: unknown, after: unknown, path: string, depth: number, out: FieldChange[]): void {
  if (out.length > DIFF_LIMITS.fieldsPerNode || same(before, after, depth)) return;
  const bothArrays = Array.isArray(before) && Array.isArray(after);
  if (depth < DIFF_LIMITS.depth && (bothArrays || (isRecord(before) && isRecord(after)))) {
    const b = before as Rec;
    const a = after as Rec;
    const keys = bothArrays
      ? Array.from({ length: Math.max((before as unknown[]).length, (after as unknown[]).length) }, (_, i) => String(i))
      : [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
    for (const k of keys) {
      const inB = own(b, k) && b[k] !== undefined;
      const inA = own(a, k) && a[k] !== undefined;
      const p = `${path}.${k}`;
      if (inB && inA) collect(b[k], a[k], p, depth + 1, out);
      else if (inB) out.push({ path: p, before: b[k] });
      else if (inA) out.push({ path: p, after: a[k] });
      if (out.length > DIFF_LIMITS.fieldsPerNode) return;
    }
    return;
  }
  out.push({
    path,
    ...(before !== undefined ? { before } : {}),
    ...(after !== undefined ? { after } : {}),
  });
}

function nodeFields(a: Rec, b: Rec): { fields: FieldChange[]; truncated: boolean } {
  const out: FieldChange[] = [];
  for (const k of ['type', 'label']) collect(a[k], b[k], k, 0, out);
  // A draft may leave config out; that means {} to the validator, so it is not a change.
  collect(a.config ?? {}, b.config ?? {}, 'config', 0, out);
  const truncated = out.length > DIFF_LIMITS.fieldsPerNode;
  return { fields: out.slice(0, DIFF_LIMITS.fieldsPerNode), truncated };
}

/** Notes and groups by id: `placed` fields (position, size) make a move, any other field a change. */
function diffAnnotations(a: unknown, b: unknown, key: 'notes' | 'groups', placed: readonly string[]): AnnotationDiff {
  const before = byId(a, key);
  const after = byId(b, key);
  const out: AnnotationDiff = { added: [], removed: [], changed: [], moved: [] };
  for (const id of before.keys()) if (!after.has(id)) out.removed.push(id);
  for (const [id, x] of after) {
    const y = before.get(id);
    if (!y) {
      out.added.push(id);
      continue;
    }
    const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((k) => k !== 'id');
    const differs = (k: string) => !same(x[k] ?? null, y[k] ?? null, 0);
    if (keys.some((k) => !placed.includes(k) && differs(k))) out.changed.push(id);
    else if (placed.some(differs)) out.moved.push(id);
  }
  return out;
}

export function diffFlows(a: unknown, b: unknown): FlowDiff {
  const na = byId(a, 'nodes');
  const nb = byId(b, 'nodes');
  const diff: FlowDiff = {
    nodes: { added: [], removed: [], changed: [], moved: [] },
    edges: { added: [], removed: [] },
    notes: diffAnnotations(a, b, 'notes', ['position', 'size']),
    groups: diffAnnotations(a, b, 'groups', []),
  };
  for (const id of na.keys()) if (!nb.has(id)) diff.nodes.removed.push(id);
  for (const [id, after] of nb) {
    const before = na.get(id);
    if (!before) {
      diff.nodes.added.push(id);
      continue;
    }
    const { fields, truncated } = nodeFields(before, after);
    if (fields.length) diff.nodes.changed.push({ id, fields, ...(truncated ? { truncated: true as const } : {}) });
    else if (!same(before.position ?? null, after.position ?? null, 0)) diff.nodes.moved.push(id);
  }
  const ea = edgesByEnds(a);
  const eb = edgesByEnds(b);
  for (const [k, e] of ea) if (!eb.has(k)) diff.edges.removed.push(e);
  for (const [k, e] of eb) if (!ea.has(k)) diff.edges.added.push(e);
  return diff;
}

export function isEmptyDiff(d: FlowDiff): boolean {
  const { nodes, edges } = d;
  const annotationsSame = [d.notes, d.groups].every((x) => !x.added.length && !x.removed.length && !x.changed.length && !x.moved.length);
  return (
    annotationsSame &&
    !nodes.added.length &&
    !nodes.removed.length &&
    !nodes.changed.length &&
    !nodes.moved.length &&
    !edges.added.length &&
    !edges.removed.length
  );
}
