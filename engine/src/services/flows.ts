import { and, desc, eq, inArray, isNull, max, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { diffFlows, freezeFlow, validateFlow, type FlowDocumentInput, type ValidationIssue } from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import { flows, flowVersions, users, type FlowRow, type FlowVersionRow } from '../db/schema.ts';
import { HttpProblem, issuesToFieldErrors, notFound } from '../api/problem.ts';
import { scopeOf, type Actor } from '../auth/access.ts';
import { audit } from './audit.ts';
import { checkSubflowReferences } from './subflow-references.ts';
import type { flowSchema, flowVersionSchema } from '../api/contracts/flows.ts';
import { said } from '@flightdeck/workflows';

/** What a run carries besides the graph, so the workflow can trust the version as frozen. */
export function frozenFields(version: FlowVersionRow): { format?: number; contentHash?: string } {
  return version.contentHash ? { format: version.format ?? undefined, contentHash: version.contentHash } : {};
}

export const EMPTY_GRAPH = {
  schemaVersion: 1,
  nodes: [{ id: 'trigger', type: 'trigger.manual', config: { sampleInput: {} }, position: { x: 0, y: 0 } }],
  edges: [],
};

/** Problems that make a document unusable even as a draft; the rest are shown to the designer and block only publishing. */
const FATAL_FOR_DRAFT = new Set<ValidationIssue['code']>(['schema', 'forbidden_key']);

function checkDraft(graph: unknown): ValidationIssue[] {
  const result = validateFlow(graph);
  if (result.ok) return [];
  const fatal = result.issues.filter((i) => FATAL_FOR_DRAFT.has(i.code));
  if (fatal.length)
    throw new HttpProblem(
      422,
      'Invalid flow document',
      `The flow document has ${fatal.length} problem(s)`,
      issuesToFieldErrors(fatal, ['graph']),
    );
  return result.issues;
}

export function presentFlow(row: FlowRow, latestVersion: number | null, issues?: ValidationIssue[]): z.output<typeof flowSchema> {
  if (!issues) {
    const checked = validateFlow(row.graph);
    issues = checked.ok ? [] : checked.issues;
  }
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    departmentId: row.departmentId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    latestVersion,
    revision: row.revision,
    // A draft passed the document schema when it was saved (checkDraft), as it was sent.
    graph: row.graph as FlowDocumentInput,
    issues: issuesToFieldErrors(issues),
  };
}

type Author = { id: string; name: string } | null;
type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

export function presentVersion(row: FlowVersionRow, author: Author): z.output<typeof flowVersionSchema> {
  return {
    id: row.id,
    flowId: row.flowId,
    version: row.version,
    note: row.note,
    createdAt: row.createdAt.toISOString(),
    createdBy: author,
  };
}

/** A save made against a draft revision other than the stored one: someone else saved in between. */
function staleDraft(current: FlowRow, expected: number): HttpProblem {
  return new HttpProblem(
    409,
    'Edit conflict',
    `The draft was saved by someone else since you loaded it (you had revision ${expected}, it is now ${current.revision})`,
    [{ path: 'if-match', message: `Stale revision ${expected}; the current draft is revision ${current.revision}`, code: 'stale' }],
    { currentRevision: current.revision },
  );
}

export class FlowService {
  constructor(private readonly db: Database) {}

  /** The department a flow belongs to, for access checks; 404 when there is no such flow. */
  async departmentOf(id: string): Promise<string | null> {
    const [row] = await this.db.select({ d: flows.departmentId }).from(flows).where(eq(flows.id, id));
    if (!row) throw notFound('Flow', id);
    return row.d;
  }

  async list(actor: Actor) {
    const scope = scopeOf(actor, 'flows:read');
    const latest = this.db
      .select({ flowId: flowVersions.flowId, latest: max(flowVersions.version).as('latest') })
      .from(flowVersions)
      .groupBy(flowVersions.flowId)
      .as('latest');
    const rows = await this.db
      .select({ flow: flows, latest: latest.latest })
      .from(flows)
      .leftJoin(latest, eq(latest.flowId, flows.id))
      .where(scope === 'all' ? undefined : scope.length ? inArray(flows.departmentId, scope) : sql`false`)
      .orderBy(desc(flows.updatedAt))
      .limit(500);
    return rows.map(({ flow, latest: v }) => {
      const { graph: _graph, issues: _issues, ...summary } = presentFlow(flow, v ?? null, []);
      return summary;
    });
  }

  async get(id: string) {
    const row = await this.db.query.flows.findFirst({ where: eq(flows.id, id) });
    if (!row) throw notFound('Flow', id);
    return presentFlow(row, await this.latestVersion(id));
  }

  async create(actor: Actor, input: { name: string; description: string; graph?: Record<string, unknown>; departmentId?: string | null }) {
    const graph = input.graph ?? EMPTY_GRAPH;
    const issues = checkDraft(graph);
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(flows)
        .values({
          name: input.name,
          description: input.description,
          graph,
          departmentId: input.departmentId ?? actor.departmentId,
          createdBy: actor.id,
        })
        .returning();
      await audit(tx, actor, {
        action: 'flow.created',
        entityType: 'flow',
        entityId: row!.id,
        departmentId: row!.departmentId,
        after: { name: row!.name, graph },
      });
      return presentFlow(row!, null, issues);
    });
  }

  /** expectedRevision: the If-Match the caller sent; without one the save goes through as before (last write wins). */
  async update(
    actor: Actor,
    id: string,
    input: { name?: string; description?: string; graph?: Record<string, unknown> },
    expectedRevision?: number,
  ) {
    const issues = input.graph !== undefined ? checkDraft(input.graph) : undefined;
    return this.db.transaction(async (tx) => {
      const [before] = await tx.select().from(flows).where(eq(flows.id, id)).for('update');
      if (!before) throw notFound('Flow', id);
      if (expectedRevision !== undefined && before.revision !== expectedRevision) throw staleDraft(before, expectedRevision);
      const [row] = await tx
        .update(flows)
        .set({ ...input, revision: before.revision + 1, updatedAt: new Date() })
        .where(eq(flows.id, id))
        .returning();
      const pick = (f: typeof before) => Object.fromEntries(Object.keys(input).map((k) => [k, f[k as keyof typeof f]]));
      await audit(tx, actor, {
        action: 'flow.updated',
        entityType: 'flow',
        entityId: id,
        departmentId: row!.departmentId,
        before: pick(before),
        after: pick(row!),
      });
      return presentFlow(row!, await this.latestVersion(id), issues);
    });
  }

  /** Copies the draft into the next immutable version; refuses anything the validator objects to. */
  async publish(actor: Actor, id: string, note: string) {
    return this.db.transaction(async (tx) => {
      // Serialises concurrent publishes of one flow so version numbers never collide.
      const [row] = await tx.select().from(flows).where(eq(flows.id, id)).for('update');
      if (!row) throw notFound('Flow', id);
      return this.publishGraph(tx, actor, row, row.graph, note);
    });
  }

  /**
   * Publishes version n's graph again, as the next version, and makes it the draft: going back means
   * the next edit starts from it. The stored graph passes today's validator, or nothing happens.
   */
  async rollback(actor: Actor, id: string, n: number) {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(flows).where(eq(flows.id, id)).for('update');
      if (!row) throw notFound('Flow', id);
      const old = await tx.query.flowVersions.findFirst({ where: and(eq(flowVersions.flowId, id), eq(flowVersions.version, n)) });
      if (!old) throw new HttpProblem(404, 'Not found', said('not_found_version', { n }), [{ path: 'n', message: `No version ${n}` }]);
      const published = await this.publishGraph(tx, actor, row, old.graph, `Rolled back to v${n}`);
      await tx
        .update(flows)
        .set({ graph: old.graph, revision: row.revision + 1, updatedAt: new Date() })
        .where(eq(flows.id, id));
      await audit(tx, actor, {
        action: 'flow.updated',
        entityType: 'flow',
        entityId: id,
        departmentId: row.departmentId,
        before: { graph: row.graph },
        after: { graph: old.graph, rolledBackTo: n },
      });
      return published;
    });
  }

  private async publishGraph(tx: Tx, actor: Actor, row: FlowRow, source: unknown, note: string) {
    const id = row.id;
    // What is stored is what the validator produced, defaults and all: the version means this from now on.
    const checked = freezeFlow(source);
    if (!checked.ok) {
      throw new HttpProblem(
        422,
        'Flow is not valid',
        `Fix ${checked.issues.length} problem(s) before publishing`,
        issuesToFieldErrors(checked.issues, ['graph']),
      );
    }
    await checkSubflowReferences(tx, actor, checked.frozen.graph);
    const { graph, format, hash } = checked.frozen;
    const [{ next }] = (await tx
      .select({ next: sql<number>`coalesce(max(${flowVersions.version}), 0) + 1` })
      .from(flowVersions)
      .where(eq(flowVersions.flowId, id))) as [{ next: number }];
    const [version] = await tx
      .insert(flowVersions)
      .values({ flowId: id, version: Number(next), graph, format, contentHash: hash, note, createdBy: actor.id })
      .returning();
    await audit(tx, actor, {
      action: 'version.published',
      entityType: 'version',
      entityId: version!.id,
      departmentId: row.departmentId,
      after: { flowId: id, version: version!.version, note },
    });
    return presentVersion(version!, { id: actor.id, name: actor.name });
  }

  /** Every version, newest first, with who published it; no cap (a flow has as many as it was published). */
  async versions(flowId: string) {
    await this.get(flowId);
    const rows = await this.db
      .select({ v: flowVersions, by: { id: users.id, name: users.name } })
      .from(flowVersions)
      .leftJoin(users, eq(users.id, flowVersions.createdBy))
      .where(eq(flowVersions.flowId, flowId))
      .orderBy(desc(flowVersions.version));
    return rows.map(({ v, by }) => presentVersion(v, by?.id ? by : null));
  }

  /** Two versions' graphs as stored and what changed from a to b. */
  async diff(flowId: string, a: number, b: number) {
    const [from, to] = await Promise.all([this.storedVersion(flowId, a, 'a'), this.storedVersion(flowId, b, 'b')]);
    return {
      from: { version: a, graph: from.graph as FlowDocumentInput },
      to: { version: b, graph: to.graph as FlowDocumentInput },
      diff: diffFlows(from.graph, to.graph),
    };
  }

  private async storedVersion(flowId: string, n: number, field: string): Promise<FlowVersionRow> {
    const row = await this.db.query.flowVersions.findFirst({ where: and(eq(flowVersions.flowId, flowId), eq(flowVersions.version, n)) });
    if (!row) throw new HttpProblem(404, 'Not found', said('not_found_version', { n }), [{ path: field, message: `No version ${n}` }]);
    return row;
  }

  async version(flowId: string, version?: number): Promise<FlowVersionRow> {
    const row = await this.db.query.flowVersions.findFirst({
      where:
        version === undefined ? eq(flowVersions.flowId, flowId) : and(eq(flowVersions.flowId, flowId), eq(flowVersions.version, version)),
      orderBy: desc(flowVersions.version),
    });
    if (!row) await this.get(flowId);
    return this.runnable(row, version);
  }

  /** The version a run may start from (`row`, as read; none: not published), frozen first if it was published before freezing. */
  async runnable(row: FlowVersionRow | undefined, version?: number): Promise<FlowVersionRow> {
    if (!row)
      throw new HttpProblem(
        409,
        'Not published',
        version === undefined ? 'Publish the flow before running it' : `Version ${version} does not exist`,
        [{ path: 'version', message: version === undefined ? 'The flow has no published version' : `No version ${version}` }],
      );
    return row.contentHash ? row : this.freezeLegacy(row);
  }

  /**
   * A version published before freezing existed is frozen on its first run: normalized by today's
   * validator once, stored, and from then on run as stored. One that today's validator refuses is
   * not run at all (it would have failed inside the workflow): the answer says what to fix.
   */
  private async freezeLegacy(row: FlowVersionRow): Promise<FlowVersionRow> {
    const checked = freezeFlow(row.graph);
    if (!checked.ok) {
      throw new HttpProblem(
        409,
        'Version no longer valid',
        `Version ${row.version} was published before versions were frozen and does not pass today's checks; publish the flow again`,
        issuesToFieldErrors(checked.issues, ['graph']),
      );
    }
    const { graph, format, hash } = checked.frozen;
    const [frozen] = await this.db
      .update(flowVersions)
      .set({ graph, format, contentHash: hash })
      .where(and(eq(flowVersions.id, row.id), isNull(flowVersions.contentHash)))
      .returning();
    // Another start froze it first: read what it stored.
    return frozen ?? (await this.db.query.flowVersions.findFirst({ where: eq(flowVersions.id, row.id) }))!;
  }

  private async latestVersion(flowId: string): Promise<number | null> {
    const [r] = await this.db
      .select({ v: max(flowVersions.version) })
      .from(flowVersions)
      .where(eq(flowVersions.flowId, flowId));
    return r?.v ?? null;
  }
}
